import type { App } from './harness.ts';

/** app.request() resolves paths against this origin, so it is the same-origin one. */
export const ORIGIN = 'http://localhost';
const SESSION_COOKIE = 'sb_session';

export interface ApiResponse {
  status: number;
  headers: Headers;
  contentType: string | null;
  text: string;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: any;
}

export interface RequestOptions {
  json?: unknown;
  /** The session token (the cookie's value). */
  token?: string | undefined;
  /** Extra headers; null removes a default one (origin, sec-fetch-site). */
  headers?: Record<string, string | null>;
}

/** One request as a same-origin browser would send it, unless the headers say otherwise. */
export async function send(app: App, method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
  const merged: Record<string, string | null> = { origin: ORIGIN, 'sec-fetch-site': 'same-origin', ...options.headers };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(merged)) if (value !== null) headers[name] = value;
  if (options.token) headers.cookie = `${SESSION_COOKIE}=${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
  }
  const res = await app.request(path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, contentType: res.headers.get('content-type'), text, body: parsed };
}

export interface SetCookie {
  value: string;
  /** The whole Set-Cookie line, attributes included. */
  line: string;
}

export function sessionCookieFrom(headers: Headers): SetCookie | undefined {
  const line = headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`));
  if (!line) return undefined;
  return { value: decodeURIComponent(line.slice(SESSION_COOKIE.length + 1).split(';')[0] ?? ''), line };
}

/** A logged-in browser: keeps the session cookie, and takes the new one when a response sets it. */
export class Client {
  constructor(
    readonly app: App,
    public token: string | undefined,
  ) {}

  async request(method: string, path: string, json?: unknown, headers?: Record<string, string | null>): Promise<ApiResponse> {
    const res = await send(this.app, method, path, { json, token: this.token, headers });
    const cookie = sessionCookieFrom(res.headers);
    if (cookie?.value) this.token = cookie.value;
    return res;
  }

  get = (path: string, headers?: Record<string, string | null>) => this.request('GET', path, undefined, headers);
  post = (path: string, json?: unknown, headers?: Record<string, string | null>) => this.request('POST', path, json, headers);
  put = (path: string, json?: unknown, headers?: Record<string, string | null>) => this.request('PUT', path, json, headers);
  patch = (path: string, json?: unknown, headers?: Record<string, string | null>) => this.request('PATCH', path, json, headers);
  delete = (path: string, headers?: Record<string, string | null>) => this.request('DELETE', path, undefined, headers);
}

let addressSeq = 0;
/** A client address no other login of this file uses, so per-address throttling only counts what a test means it to. */
export function uniqueAddress(): string {
  // Each in a /64 of its own: the login throttle counts an IPv6 client by its /64.
  return `2001:db8:${(++addressSeq).toString(16)}::1`;
}

export function attemptLogin(
  app: App,
  email: string,
  password: string,
  options: { address?: string; headers?: Record<string, string | null> } = {},
): Promise<ApiResponse> {
  return send(app, 'POST', '/api/auth/login', {
    json: { email, password },
    headers: { 'x-forwarded-for': options.address ?? uniqueAddress(), ...options.headers },
  });
}

/** Logs in through POST /api/auth/login and answers a client holding the session cookie. */
export async function logIn(app: App, user: { email: string; password: string }): Promise<Client> {
  const res = await attemptLogin(app, user.email, user.password);
  const cookie = sessionCookieFrom(res.headers);
  if (res.status !== 200 || !cookie?.value) throw new Error(`Logging in ${user.email} answered ${res.status}: ${res.text}`);
  return new Client(app, cookie.value);
}
