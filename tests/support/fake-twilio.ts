import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import twilio from 'twilio';

/**
 * A small Twilio for the tests, on 127.0.0.1 and a random port (TWILIO_API_URL), the way fake-stripe.ts is
 * a small Stripe: it answers the part of the REST API the adapter uses (calls, conference participants,
 * recordings and their media, incoming phone numbers, TwiML applications) as Twilio does — form-encoded
 * requests with basic auth (account SID and auth token, or an API key), JSON objects with snake_case
 * fields, Twilio's error envelope — records every request, and can be taken down to play an outage.
 *
 * The other direction: `webhook(url, params)` posts to Switchboard exactly as Twilio does, form-encoded
 * and signed with X-Twilio-Signature (twilio.getExpectedTwilioSignature: HMAC-SHA1 of the URL and the
 * sorted parameters, with the auth token), and `parseTwiml` reads the TwiML answer back.
 */

export interface TwilioRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  /** The basic-auth user: the account SID, or an API key SID. */
  user: string | undefined;
}

type Obj = Record<string, any>;

export interface FakeTwilio {
  /** http://127.0.0.1:<port>, for TWILIO_API_URL. */
  url: string;
  accountSid: string;
  authToken: string;
  requests: TwilioRequest[];
  /** 'up', or 'unavailable': 503 to everything. */
  mode: 'up' | 'unavailable';
  calls: Map<string, Obj>;
  /** Conference friendly name → participants by call SID. */
  conferences: Map<string, Map<string, Obj>>;
  /** The SID (`CF…`) Twilio gives the conference of that friendly name (what the status callback reports). */
  conferenceSidOf(name: string): string;
  recordings: Map<string, Obj>;
  numbers: Map<string, Obj>;
  applications: Map<string, Obj>;
  /** API keys created through the REST API: SID → secret (a removed key is gone, and refused). */
  apiKeys: Map<string, string>;
  /** Requests to a method and path suffix (after /2010-04-01/Accounts/AC…), e.g. requestsTo('POST', '/Calls.json'). */
  requestsTo(method: string, suffix: string | RegExp): TwilioRequest[];
  /** Adds a number to the account, as if bought in Twilio's console. */
  addNumber(number: string, friendlyName?: string): Obj;
  /** Posts a webhook to Switchboard as Twilio does (form body, X-Twilio-Signature over `url` and `params`). */
  webhook(url: string, params: Record<string, string>, options?: { authToken?: string; signature?: string }): Promise<{ status: number; body: string; contentType: string | null }>;
  close(): Promise<void>;
}

export const twilioSid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** TwiML as a tree: `{Response: {Say: …, Gather: {…}}}`, attributes prefixed with `@_`, text as `#text`. */
export function parseTwiml(xml: string): Obj {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: () => false, preserveOrder: false });
  return parser.parse(xml) as Obj;
}

/** The verbs of a TwiML document in order, each with its attributes, text and nested verbs. */
export interface TwimlVerb {
  verb: string;
  attributes: Record<string, string>;
  text: string;
  children: TwimlVerb[];
}

export function twimlVerbs(xml: string): TwimlVerb[] {
  // Text as written: a <Number>+33…</Number> stays a string with its plus.
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, trimValues: true, parseTagValue: false });
  const tree = parser.parse(xml) as Obj[];
  const convert = (nodes: Obj[]): TwimlVerb[] =>
    nodes
      .filter((n) => !('#text' in n) && !('?xml' in n))
      .map((n) => {
        const verb = Object.keys(n).find((k) => k !== ':@')!;
        const inner = (n[verb] as Obj[]) ?? [];
        return {
          verb,
          attributes: Object.fromEntries(Object.entries((n[':@'] as Obj) ?? {}).map(([k, v]) => [k, String(v)])),
          text: inner.filter((c) => '#text' in c).map((c) => String(c['#text'])).join(''),
          children: convert(inner),
        };
      });
  const response = convert(tree).find((v) => v.verb === 'Response');
  if (!response) throw new Error(`Not TwiML: ${xml.slice(0, 200)}`);
  return response.children;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const accountSid = twilioSid('AC');
  const authToken = randomBytes(16).toString('hex');
  const apiKeys = new Map<string, string>();
  const state: FakeTwilio = {
    url: '',
    accountSid,
    authToken,
    requests: [],
    mode: 'up',
    calls: new Map(),
    conferences: new Map(),
    recordings: new Map(),
    numbers: new Map(),
    applications: new Map(),
    apiKeys,
    conferenceSidOf: () => '',
    requestsTo(method, suffix) {
      const prefix = `/2010-04-01/Accounts/${accountSid}`;
      return state.requests.filter(
        (r) => r.method === method && (typeof suffix === 'string' ? r.path === prefix + suffix : suffix.test(r.path.slice(prefix.length))),
      );
    },
    addNumber(number, friendlyName = number) {
      const row = { sid: twilioSid('PN'), account_sid: accountSid, phone_number: number, friendly_name: friendlyName, voice_url: '', voice_method: 'POST', status_callback: '', capabilities: { voice: true, sms: true } };
      state.numbers.set(row.sid, row);
      return row;
    },
    async webhook(url, params, options = {}) {
      const signature = options.signature ?? twilio.getExpectedTwilioSignature(options.authToken ?? authToken, url, params);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, 'user-agent': 'TwilioProxy/1.1' },
        body: new URLSearchParams(params).toString(),
      });
      return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const send = (res: ServerResponse, status: number, body: Obj | string, contentType = 'application/json') => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: number, message: string) =>
    send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  const now = () => new Date().toUTCString();
  const conferenceSids = new Map<string, string>();
  /** A conference's SID, made when first needed. */
  const conferenceSidOf = (name: string) => {
    if (!conferenceSids.has(name)) conferenceSids.set(name, twilioSid('CF'));
    return conferenceSids.get(name)!;
  };
  /** The friendly name behind a SID (undefined: no such conference), or the name itself. */
  const conferenceNameOf = (ref: string) => (ref.startsWith('CF') ? [...conferenceSids].find(([, sid]) => sid === ref)?.[0] : ref);
  state.conferenceSidOf = conferenceSidOf;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = req.method === 'GET' || req.method === 'DELETE' ? '' : await readBody(req);
    const params: Record<string, string> = Object.fromEntries([...url.searchParams, ...new URLSearchParams(raw)]);
    const auth = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString() : '';
    const [user, password] = auth.split(':');
    state.requests.push({ method: req.method ?? 'GET', path: url.pathname, params, user });
    if (state.mode === 'unavailable') return error(res, 503, 20500, 'Service unavailable');
    const authorised = (user === accountSid && password === authToken) || (user !== undefined && apiKeys.get(user) === password);
    if (!authorised) return error(res, 401, 20003, 'Authenticate');

    const base = `/2010-04-01/Accounts/${accountSid}`;
    if (!url.pathname.startsWith(base)) {
      if (req.method === 'GET' && url.pathname === `/2010-04-01/Accounts/${user}.json`) return error(res, 404, 20404, 'The requested resource was not found');
      return error(res, 404, 20404, 'The requested resource was not found');
    }
    const path = url.pathname.slice(base.length);
    const method = req.method ?? 'GET';
    let m: RegExpMatchArray | null;

    // The account itself: how "connect" checks the credentials.
    if (method === 'GET' && path === '.json') return send(res, 200, { sid: accountSid, friendly_name: 'Fake account', status: 'active', type: 'Full' });
    // API keys (for the Voice SDK's access tokens).
    if (method === 'POST' && path === '/Keys.json') {
      const key = { sid: twilioSid('SK'), friendly_name: params.FriendlyName ?? '', secret: randomBytes(16).toString('hex'), date_created: now() };
      apiKeys.set(key.sid, key.secret);
      return send(res, 201, key);
    }
    // Removing a key revokes it at once (what disconnecting does); removing an application forgets it.
    if (method === 'DELETE' && (m = path.match(/^\/Keys\/(SK\w+)\.json$/))) {
      if (!apiKeys.delete(m[1]!)) return error(res, 404, 20404, 'The requested resource was not found');
      res.writeHead(204).end();
      return;
    }
    if (method === 'DELETE' && (m = path.match(/^\/Applications\/(AP\w+)\.json$/))) {
      if (!state.applications.delete(m[1]!)) return error(res, 404, 20404, 'The requested resource was not found');
      res.writeHead(204).end();
      return;
    }
    if (method === 'POST' && path === '/Applications.json') {
      const app = { sid: twilioSid('AP'), account_sid: accountSid, friendly_name: params.FriendlyName ?? '', voice_url: params.VoiceUrl ?? '', voice_method: params.VoiceMethod ?? 'POST', status_callback: params.StatusCallback ?? '' };
      state.applications.set(app.sid, app);
      return send(res, 201, app);
    }
    if (method === 'POST' && (m = path.match(/^\/Applications\/(AP\w+)\.json$/))) {
      const app = state.applications.get(m[1]!);
      if (!app) return error(res, 404, 20404, 'The requested resource was not found');
      if (params.VoiceUrl !== undefined) app.voice_url = params.VoiceUrl;
      if (params.StatusCallback !== undefined) app.status_callback = params.StatusCallback;
      return send(res, 200, app);
    }
    // Incoming phone numbers.
    if (method === 'GET' && path === '/IncomingPhoneNumbers.json') {
      const list = [...state.numbers.values()].filter((n) => !params.PhoneNumber || n.phone_number === params.PhoneNumber);
      return send(res, 200, { incoming_phone_numbers: list, page: 0, page_size: 50, start: 0, end: list.length ? list.length - 1 : 0, next_page_uri: null, previous_page_uri: null, uri: `${base}/IncomingPhoneNumbers.json` });
    }
    if (method === 'POST' && (m = path.match(/^\/IncomingPhoneNumbers\/(PN\w+)\.json$/))) {
      const number = state.numbers.get(m[1]!);
      if (!number) return error(res, 404, 20404, 'The requested resource was not found');
      if (params.VoiceUrl !== undefined) number.voice_url = params.VoiceUrl;
      if (params.VoiceMethod !== undefined) number.voice_method = params.VoiceMethod;
      if (params.StatusCallback !== undefined) number.status_callback = params.StatusCallback;
      if (params.StatusCallbackMethod !== undefined) number.status_callback_method = params.StatusCallbackMethod;
      if (params.VoiceApplicationSid !== undefined) number.voice_application_sid = params.VoiceApplicationSid;
      return send(res, 200, number);
    }
    // Calls: create (outbound, an operator's phone leg), fetch, update (new TwiML or URL, hang up).
    if (method === 'POST' && path === '/Calls.json') {
      if (!params.To || !params.From) return error(res, 400, 21201, 'No called number is specified');
      if (!params.Url && !params.Twiml && !params.ApplicationSid) return error(res, 400, 21205, 'Url parameter is required');
      const call = { sid: twilioSid('CA'), account_sid: accountSid, to: params.To, from: params.From, status: 'queued', direction: 'outbound-api', params, date_created: now() };
      state.calls.set(call.sid, call);
      return send(res, 201, call);
    }
    if ((m = path.match(/^\/Calls\/(CA\w+)\.json$/))) {
      const call = state.calls.get(m[1]!) ?? { sid: m[1]!, account_sid: accountSid, status: 'in-progress', direction: 'inbound' };
      state.calls.set(call.sid, call);
      if (method === 'POST') {
        if (params.Twiml !== undefined) call.twiml = params.Twiml;
        if (params.Url !== undefined) call.url = params.Url;
        if (params.Status !== undefined) call.status = params.Status;
      }
      return send(res, 200, call);
    }
    // Recordings of a call (dual channel), paused and resumed; the account's recordings, their media, deletion.
    if (method === 'GET' && (m = path.match(/^\/Calls\/(CA\w+)\/Recordings\.json$/))) {
      const list = [...state.recordings.values()].filter((r) => r.call_sid === m![1]);
      return send(res, 200, { recordings: list, page: 0, page_size: 50, start: 0, end: list.length ? list.length - 1 : 0, next_page_uri: null, previous_page_uri: null, uri: `${base}/Calls/${m[1]}/Recordings.json` });
    }
    if (method === 'POST' && (m = path.match(/^\/Calls\/(CA\w+)\/Recordings\.json$/))) {
      const recording = { sid: twilioSid('RE'), account_sid: accountSid, call_sid: m[1]!, status: 'in-progress', channels: Number(params.RecordingChannels === 'dual' ? 2 : 1), params, date_created: now() };
      state.recordings.set(recording.sid, recording);
      return send(res, 201, recording);
    }
    if (method === 'POST' && (m = path.match(/^\/Calls\/(CA\w+)\/Recordings\/(RE\w+|Twilio\.CURRENT)\.json$/))) {
      const recording = m[2] === 'Twilio.CURRENT' ? [...state.recordings.values()].reverse().find((r) => r.call_sid === m![1]) : state.recordings.get(m[2]!);
      if (!recording) return error(res, 404, 20404, 'The requested resource was not found');
      if (params.Status) recording.status = params.Status === 'in-progress' ? 'in-progress' : params.Status;
      return send(res, 200, recording);
    }
    if ((m = path.match(/^\/Recordings\/(RE\w+)(\.json|\.mp3|\.wav)$/))) {
      const recording = state.recordings.get(m[1]!);
      if (!recording) return error(res, 404, 20404, 'The requested resource was not found');
      if (method === 'DELETE') {
        state.recordings.delete(m[1]!);
        res.writeHead(204).end();
        return;
      }
      if (m[2] === '.json') return send(res, 200, recording);
      res.writeHead(200, { 'content-type': m[2] === '.mp3' ? 'audio/mpeg' : 'audio/x-wav' });
      res.end(Buffer.from(`FAKE-AUDIO:${recording.sid}`));
      return;
    }
    // Conferences: listed by friendly name (their SID is how participants are then reached).
    if (method === 'GET' && path === '/Conferences.json') {
      const list = [...state.conferences.keys()]
        .filter((name) => !params.FriendlyName || name === params.FriendlyName)
        .map((name) => ({ sid: conferenceSidOf(name), account_sid: accountSid, friendly_name: name, status: 'in-progress' }));
      return send(res, 200, { conferences: list, page: 0, page_size: 50, start: 0, end: list.length ? list.length - 1 : 0, next_page_uri: null, previous_page_uri: null, uri: `${base}/Conferences.json` });
    }
    // Adding a participant: to the conference's SID, or by friendly name (created if new), as Twilio allows.
    if ((m = path.match(/^\/Conferences\/([^/]+)\/Participants\.json$/)) && method === 'POST') {
      const name = conferenceNameOf(decodeURIComponent(m[1]!));
      if (name === undefined) return error(res, 404, 20404, 'The requested resource was not found');
      const participants = state.conferences.get(name) ?? new Map<string, Obj>();
      state.conferences.set(name, participants);
      const participant = { call_sid: twilioSid('CA'), conference_sid: conferenceSidOf(name), label: params.Label ?? null, to: params.To, from: params.From, hold: false, muted: false, status: 'queued', params };
      participants.set(participant.call_sid, participant);
      state.calls.set(participant.call_sid, { sid: participant.call_sid, account_sid: accountSid, to: params.To, from: params.From, status: 'queued', direction: 'outbound-api' });
      return send(res, 201, participant);
    }
    // A participant is fetched, updated and removed through the conference's SID only (a name answers 404).
    if ((m = path.match(/^\/Conferences\/([^/]+)\/Participants\/([^/]+)\.json$/))) {
      const ref = decodeURIComponent(m[1]!);
      const participants = ref.startsWith('CF') ? state.conferences.get(conferenceNameOf(ref) ?? '') : undefined;
      const key = decodeURIComponent(m[2]!);
      const participant = participants && ([...participants.values()].find((p) => p.call_sid === key || p.label === key));
      if (!participants || !participant) return error(res, 404, 20404, 'The requested resource was not found');
      if (method === 'DELETE') {
        participants.delete(participant.call_sid);
        res.writeHead(204).end();
        return;
      }
      if (method === 'POST') {
        if (params.Hold !== undefined) participant.hold = params.Hold === 'true';
        if (params.Muted !== undefined) participant.muted = params.Muted === 'true';
        if (params.HoldUrl !== undefined) participant.hold_url = params.HoldUrl;
        if (params.AnnounceUrl !== undefined) participant.announce_url = params.AnnounceUrl;
      }
      return send(res, 200, participant);
    }
    if ((m = path.match(/^\/Conferences\/([^/]+)\.json$/)) && method === 'POST') {
      // Ending a conference (Status=completed) ends its participants.
      const name = conferenceNameOf(decodeURIComponent(m[1]!)) ?? decodeURIComponent(m[1]!);
      if (params.Status === 'completed') state.conferences.delete(name);
      return send(res, 200, { sid: name, friendly_name: name, status: params.Status ?? 'in-progress' });
    }
    return error(res, 404, 20404, 'The requested resource was not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
