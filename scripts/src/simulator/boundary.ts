import { signTelephonyRequest } from '@switchboard/api/telephony-signature';
import type { Line } from './traffic.ts';
import type { SurveyDigits, SurveyQuestion } from './survey.ts';

/** The boundary refused or failed a request. `status` 0: it could not be reached at all. */
export class BoundaryError extends Error {
  constructor(
    readonly status: number,
    readonly type: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'BoundaryError';
  }

  get replayed(): boolean {
    return this.status === 401 && this.type === 'replayed';
  }

  /** Worth backing off for: the server is down, overloaded or broken, not refusing this one call. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

export interface OfferAnswer {
  id: string;
  tenant: string;
  function: string;
  outcome: 'queued' | 'forward' | 'callback' | 'message' | 'announcement';
  forwardTo?: string;
  announcement?: string;
  /** Record the call once bridged (the client's recording policy). */
  record?: boolean;
}

/** The number has a keypad menu (docs/telephony.md, Keypad menus): key one of `choices` and POST again with the keys so far. */
export interface MenuAnswer {
  outcome: 'menu' | 'hang_up';
  tenant: string;
  keys: string;
  node: string | null;
  choices: { key: string; label: string }[];
  repeat: number;
  invalid: boolean;
}

export interface CallState {
  id: string;
  status: string;
  operatorConnected: boolean;
  /** The recording command: record while `on`, stop while `paused` (payment details), never while `off`. */
  recording?: 'off' | 'on' | 'paused';
  /** A handled call its company surveys: ask these once the operator is gone, report the digits (docs/telephony.md). */
  survey?: { questions: SurveyQuestion[]; answerBy: string };
}

/** A call the dialer asks the adapter to place (GET /api/telephony/dials). */
export interface DialOrder {
  id: string;
  tenant: string;
  from: string;
  to: string;
  ringTimeoutSeconds: number;
  detectMachine: boolean;
  campaign: string;
  /** The campaign's outbound function, when the boundary says it (sets how long people talk). */
  function?: string;
}

export type DialEvent = 'ringing' | 'answered' | 'machine' | 'busy' | 'no_answer' | 'failed';

export type DialAnswer = { action: 'connect'; callId: string } | { action: 'abandon'; message: string } | { action: 'hang_up' } | { action: 'none' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A telephony adapter's side of the boundary (docs/telephony.md): every request signed (v2, the only
 * scheme accepted) with the shared secret over the timestamp (in seconds), the request line and the body. The server refuses a
 * signature it has seen, so the same request (polling one call) cannot be sent twice in one second:
 * requests go out at once until the server refuses one as `replayed`; from then on the same request
 * is spaced a second apart (and one refused all the same, because another adapter with the same
 * secret got there first, is sent again in the next second).
 */
export class TelephonyClient {
  private readonly base: string;
  /** Per request (method, path, body): the last second a signature was made for it. */
  private readonly lastSecond = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Set by the first `replayed`. */
  private spaceRepeats = false;

  constructor(
    url: string,
    private readonly secret: string,
    private readonly fetcher: typeof fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /** Whether repeats of a request are being spaced a second apart (see the class comment). */
  get spacing(): boolean {
    return this.spaceRepeats;
  }

  async numbers(): Promise<Line[]> {
    const body = (await this.request('GET', '/api/telephony/numbers')) as { numbers: Line[] };
    return body.numbers;
  }

  /** An incoming call on a number without a keypad menu. */
  offer(callId: string, dialled: string, caller: string): Promise<OfferAnswer> {
    return this.request('POST', '/api/telephony/calls', { callId, dialled, caller }) as Promise<OfferAnswer>;
  }

  /** An incoming call with the keys pressed so far (`''` at first): the call, or the menu still being played. */
  offerWithKeys(callId: string, dialled: string, caller: string, keys: string): Promise<OfferAnswer | MenuAnswer> {
    return this.request('POST', '/api/telephony/calls', { callId, dialled, caller, keys }) as Promise<OfferAnswer | MenuAnswer>;
  }

  status(id: string): Promise<CallState> {
    return this.request('GET', `/api/telephony/calls/${id}`) as Promise<CallState>;
  }

  async answered(id: string): Promise<void> {
    await this.request('POST', `/api/telephony/calls/${id}/answered`, {});
  }

  ended(id: string, by: 'caller' | 'operator'): Promise<CallState> {
    return this.request('POST', `/api/telephony/calls/${id}/ended`, { by }) as Promise<CallState>;
  }

  /** The caller's answers to the satisfaction survey (`{}`: they hung up without answering). */
  async satisfaction(id: string, digits: SurveyDigits): Promise<void> {
    await this.request('POST', `/api/telephony/calls/${id}/satisfaction`, digits);
  }

  /** Where the call's recording is kept (refused with 409 for a call that was not to be recorded). */
  async recording(id: string, ref: string): Promise<void> {
    await this.request('POST', `/api/telephony/calls/${id}/recording`, { ref });
  }

  /** The calls the dialer wants placed now (outbound; docs/telephony.md, Outbound). */
  async dials(): Promise<DialOrder[]> {
    const body = (await this.request('GET', '/api/telephony/dials')) as { dials: DialOrder[] };
    return body.dials;
  }

  /** How a placed call is going; the answer says what to do next (connect, abandon, hang up). Idempotent. */
  dialProgress(id: string, event: DialEvent): Promise<DialAnswer> {
    return this.request('POST', `/api/telephony/dials/${id}/progress`, { event }) as Promise<DialAnswer>;
  }

  /** Registers this adapter's push callback (docs/telephony.md, Push): commands are POSTed to it from now on. */
  async register(name: string, callbackUrl: string): Promise<void> {
    await this.request('PUT', '/api/telephony/adapter', { name, callbackUrl });
  }

  /** Removes the push callback: commands wait to be polled. */
  async unregister(name: string): Promise<void> {
    await this.request('DELETE', '/api/telephony/adapter', { name });
  }

  private async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, json?: unknown): Promise<unknown> {
    const body = json === undefined ? '' : JSON.stringify(json);
    const key = `${method} ${path} ${body}`;
    if (!this.spaceRepeats) {
      try {
        this.remember(key);
        return await this.send(method, path, body, json !== undefined);
      } catch (error) {
        if (!(error instanceof BoundaryError && error.replayed)) throw error;
        this.spaceRepeats = true;
      }
    }
    return this.spaced(key, method, path, body, json !== undefined);
  }

  private remember(key: string): void {
    if (this.lastSecond.size > 10_000) this.lastSecond.clear();
    this.lastSecond.set(key, Math.floor(Date.now() / 1000));
  }

  private spaced(key: string, method: string, path: string, body: string, hasBody: boolean): Promise<unknown> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.sendInASecondOfItsOwn(key, method, path, body, hasBody));
    this.queues.set(key, next);
    void next
      .finally(() => {
        if (this.queues.get(key) === next) this.queues.delete(key);
      })
      .catch(() => undefined);
    return next;
  }

  private async sendInASecondOfItsOwn(key: string, method: string, path: string, body: string, hasBody: boolean, attempt = 0): Promise<unknown> {
    const last = this.lastSecond.get(key);
    const now = Date.now();
    if (last !== undefined && Math.floor(now / 1000) <= last) await sleep((last + 1) * 1000 - now + 1);
    this.remember(key);
    try {
      return await this.send(method, path, body, hasBody);
    } catch (error) {
      if (error instanceof BoundaryError && error.replayed && attempt < 3) return this.sendInASecondOfItsOwn(key, method, path, body, hasBody, attempt + 1);
      throw error;
    }
  }

  private async send(method: string, path: string, body: string, hasBody: boolean): Promise<unknown> {
    const headers: Record<string, string> = signTelephonyRequest(this.secret, body, new Date(), { method, path });
    if (hasBody) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetcher(`${this.base}${path}`, { method, headers, body: hasBody ? body : undefined, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new BoundaryError(0, undefined, `${method} ${path}: ${(error as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    if (res.ok) return parsed;
    const problem = (parsed && typeof parsed === 'object' ? parsed : {}) as { type?: string; title?: string; detail?: string };
    const type = problem.type?.split('/').at(-1);
    throw new BoundaryError(res.status, type, `${method} ${path}: ${res.status} ${problem.detail ?? problem.title ?? text.slice(0, 200)}`);
  }
}
