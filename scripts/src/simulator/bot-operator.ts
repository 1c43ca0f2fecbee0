import { createParser } from 'eventsource-parser';
import type { Random } from './random.ts';
import type { ScriptBody } from '@switchboard/api/scripts';
import { answerScript } from './script-answers.ts';

/** What a bot operator measured, for the benchmark. */
export type BotMetric =
  | { kind: 'offer'; atMs: number; tenant: string; callId: string; latencyMs: number }
  | { kind: 'accepted'; atMs: number; tenant: string; callId: string }
  | { kind: 'offer-lost'; atMs: number; status: number }
  /** An offer ran out before the bot took it: the server marked it not responding, and it came back. */
  | { kind: 'missed'; atMs: number }
  | { kind: 'order'; atMs: number; latencyMs: number; ok: boolean; status: number }
  | { kind: 'handled'; atMs: number; tenant: string }
  | { kind: 'error'; atMs: number; message: string };

export interface BotOptions {
  base: string;
  email: string;
  password: string;
  random: Random;
  /** How long the bot "talks" before hanging up, in ms: drawn uniformly in [min, max]. */
  talkMs: [number, number];
  /** Share of order-taking calls of `orderTenant` on which the bot takes an order. */
  orderShare: number;
  orderTenant: string;
  /** Per tenant: its offer timeout (s), to date an offer from its expiry. */
  offerTimeoutSeconds: (tenant: string) => number;
  /** Per tenant: the wrap-up code the bot chooses. */
  disposition: (tenant: string, fn: string) => string;
  /** Walk the call's script and send plausible answers with the wrap-up (the demo floor; benchmarks leave it off). */
  answerScripts?: boolean;
  /**
   * Outbound: the dialer connects the bot to a callee without an offer (a `call` event, connected). The
   * bot talks, hangs up and wraps up with the code this chooses (one of the tenant's campaign dispositions);
   * left out, the bot leaves such calls alone.
   */
  outboundDisposition?: (tenant: string, random: Random) => string;
  onMetric: (metric: BotMetric) => void;
}

interface Offer {
  tenant: string;
  callId: string;
  function: string;
  callerNumber: string;
  expiresAt: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An operator played by the benchmark, through the same API a desk uses: logs in, listens on
 * /api/events, becomes available, accepts what it is offered, takes an order on some pizza calls,
 * talks a little, hangs up and wraps up (which makes it available again). An offer it let run out (one
 * that came while it was finishing the last call) marks it not responding: it comes back at once, as a
 * person clicking "I'm back" would.
 */
export class BotOperator {
  private cookie = '';
  private readonly abort = new AbortController();
  private busy = false;
  private ready!: () => void;
  readonly listening = new Promise<void>((resolve) => (this.ready = resolve));

  constructor(private readonly options: BotOptions) {}

  async logIn(): Promise<void> {
    const res = await fetch(`${this.options.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: this.options.email, password: this.options.password }),
    });
    const cookie = res.headers.getSetCookie().find((line) => line.startsWith('sb_session='));
    if (res.status !== 200 || !cookie) throw new Error(`${this.options.email} could not log in: ${res.status} ${await res.text()}`);
    this.cookie = cookie.split(';')[0]!;
  }

  /** Opens the event stream; resolves once the server said `ready`. */
  async listen(): Promise<void> {
    const res = await fetch(`${this.options.base}/api/events`, { headers: { cookie: this.cookie, accept: 'text/event-stream' }, signal: this.abort.signal });
    if (res.status !== 200 || !res.body) throw new Error(`${this.options.email}: /api/events answered ${res.status}`);
    const parser = createParser({
      onEvent: (message) => {
        if (message.event === 'ready') this.ready();
        if (message.event === 'offer') this.offered(JSON.parse(message.data) as Offer | { withdrawn: string });
        if (message.event === 'presence') this.presence(JSON.parse(message.data) as { state: string });
        if (message.event === 'call') this.onCall(JSON.parse(message.data) as { tenant: string; callId: string; status: string });
      },
    });
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch (error) {
        if (!this.abort.signal.aborted) this.metric({ kind: 'error', atMs: Date.now(), message: `event stream: ${describeError(error)}` });
      }
    })();
    await this.listening;
  }

  async becomeAvailable(): Promise<void> {
    const res = await this.api('PUT', '/api/desk/state', { state: 'available' });
    if (res.status !== 200) throw new Error(`${this.options.email} could not become available: ${res.status} ${await res.text()}`);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.api('PUT', '/api/desk/state', { state: 'offline' }).catch(() => undefined);
  }

  private presence(message: { state: string }): void {
    if (message.state !== 'not_responding' || this.abort.signal.aborted) return;
    this.metric({ kind: 'missed', atMs: Date.now() });
    void this.api('PUT', '/api/desk/state', { state: 'available' })
      .then(async (res) => {
        if (res.status !== 200) this.metric({ kind: 'error', atMs: Date.now(), message: `come back: ${res.status} ${(await res.text()).slice(0, 200)}` });
        else await res.text();
      })
      .catch((error: unknown) => this.metric({ kind: 'error', atMs: Date.now(), message: `come back: ${describeError(error)}` }));
  }

  /** A call connected to the bot that it was not offered: an outbound call the dialer placed for it. */
  private onCall(message: { tenant: string; callId: string; status: string }): void {
    const choose = this.options.outboundDisposition;
    if (!choose || message.status !== 'connected' || this.busy || this.handled.has(message.callId) || this.abort.signal.aborted) return;
    this.busy = true;
    this.remember(message.callId);
    void this.handleOutbound(message.tenant, message.callId, choose(message.tenant, this.options.random))
      .catch((error: unknown) => {
        if (!this.abort.signal.aborted) this.metric({ kind: 'error', atMs: Date.now(), message: `handling an outbound call: ${describeError(error)}` });
      })
      .finally(() => (this.busy = false));
  }

  private async handleOutbound(tenant: string, callId: string, disposition: string): Promise<void> {
    const call = `/api/t/${tenant}/desk/calls/${callId}`;
    this.metric({ kind: 'accepted', atMs: Date.now(), tenant, callId });
    const [min, max] = this.options.talkMs;
    await sleep(min + this.options.random.uniform() * (max - min));
    // The callee may have hung up first (the call is in wrap-up then): the hang-up's refusal is expected.
    const hungUp = await this.api('POST', `${call}/hangup`);
    await hungUp.text();
    await this.expect(this.api('POST', `${call}/wrap-up`, { disposition, notes: 'Demo floor: outbound call.' }), 'wrap up an outbound call');
    this.metric({ kind: 'handled', atMs: Date.now(), tenant });
  }

  /** Calls already handled (the connected event may come more than once). */
  private readonly handled = new Set<string>();
  private remember(callId: string): void {
    if (this.handled.size > 1000) this.handled.clear();
    this.handled.add(callId);
  }

  private offered(message: Offer | { withdrawn: string }): void {
    const receivedAt = Date.now();
    if ('withdrawn' in message) return;
    const offeredAt = Date.parse(message.expiresAt) - this.options.offerTimeoutSeconds(message.tenant) * 1000;
    this.metric({ kind: 'offer', atMs: receivedAt, tenant: message.tenant, callId: message.callId, latencyMs: receivedAt - offeredAt });
    if (this.busy) return;
    this.busy = true;
    this.remember(message.callId);
    void this.handle(message)
      // A bot stopped mid-call (the run ends, the process stops) fails its next request: not an error of the run.
      .catch((error: unknown) => {
        if (!this.abort.signal.aborted) this.metric({ kind: 'error', atMs: Date.now(), message: `handling an offer: ${describeError(error)}` });
      })
      .finally(() => (this.busy = false));
  }

  private async handle(offer: Offer): Promise<void> {
    const { random } = this.options;
    const call = `/api/t/${offer.tenant}/desk/calls/${offer.callId}`;
    const accepted = await this.api('POST', `${call}/accept`);
    await accepted.text();
    if (accepted.status !== 200) {
      this.metric({ kind: 'offer-lost', atMs: Date.now(), status: accepted.status });
      return;
    }
    this.metric({ kind: 'accepted', atMs: Date.now(), tenant: offer.tenant, callId: offer.callId });
    const [min, max] = this.options.talkMs;
    const talk = sleep(min + random.uniform() * (max - min));
    const scriptAnswers = this.options.answerScripts ? await this.answers(offer, call) : undefined;
    if (offer.tenant === this.options.orderTenant && offer.function === 'order_taking' && random.uniform() < this.options.orderShare) {
      await this.takeOrder(offer);
    }
    await talk;
    await this.expect(this.api('POST', `${call}/hangup`), 'hang up');
    await this.expect(
      this.api('POST', `${call}/wrap-up`, { disposition: this.options.disposition(offer.tenant, offer.function), notes: 'Benchmark call.', ...(scriptAnswers ? { scriptAnswers } : {}) }),
      'wrap up',
    );
    this.metric({ kind: 'handled', atMs: Date.now(), tenant: offer.tenant });
  }

  /** The call's script, as the desk shows it, answered question by question as a caller would (script-answers.ts). */
  private async answers(offer: Offer, call: string) {
    const res = await this.api('GET', call);
    if (res.status !== 200) {
      await res.text();
      return undefined;
    }
    const context = (await res.json()) as { script: { body: ScriptBody } | null; call?: { callerNumber?: string | null } };
    if (!context.script) return undefined;
    const answers = answerScript(context.script.body, this.options.random, { callerNumber: offer.callerNumber, now: new Date() });
    return Object.keys(answers).length ? answers : undefined;
  }

  private async takeOrder(offer: Offer): Promise<void> {
    const { random } = this.options;
    const size = random.uniform() < 0.5 ? 'Moyenne (29 cm)' : 'Grande (33 cm)';
    const pizza = ['PIZZA-MARGHERITA', 'PIZZA-REGINA', 'PIZZA-CREME'][random.int(0, 2)]!;
    const order = {
      callId: offer.callId,
      customer: { phone: offer.callerNumber },
      items: [
        { sku: pizza, quantity: random.int(1, 3), options: { Taille: size } },
        { sku: 'DRINK-COLA', quantity: random.int(1, 4) },
      ],
      deliveryAddress: `${random.int(1, 120)} rue de la République, 69002 Lyon`,
      paymentMethod: 'cash',
    };
    const started = performance.now();
    const res = await this.api('POST', `/api/t/${offer.tenant}/orders`, order, { 'idempotency-key': `bench-${offer.callId}` });
    const body = await res.text();
    const latencyMs = performance.now() - started;
    this.metric({ kind: 'order', atMs: Date.now(), latencyMs, ok: res.status === 201, status: res.status });
    if (res.status !== 201) this.metric({ kind: 'error', atMs: Date.now(), message: `order: ${res.status} ${body.slice(0, 200)}` });
  }

  private async expect(request: Promise<Response>, what: string): Promise<void> {
    const res = await request;
    const body = await res.text();
    if (!res.ok) this.metric({ kind: 'error', atMs: Date.now(), message: `${what}: ${res.status} ${body.slice(0, 200)}` });
  }

  private api(method: string, path: string, json?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.options.base}${path}`, {
      method,
      headers: { cookie: this.cookie, ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  }

  private metric(metric: BotMetric): void {
    this.options.onMetric(metric);
  }
}

/** An error with what fetch hides behind "fetch failed": the cause's code and message (a reset, a refused connection…). */
function describeError(error: unknown): string {
  const { message, cause } = error as Error & { cause?: { code?: string; message?: string } };
  return cause ? `${message} (${[cause.code, cause.message].filter(Boolean).join(': ')})` : message;
}
