import { hc, type ClientResponse } from 'hono/client';
import type { AppType } from '@switchboard/api';
import type { SuccessStatusCode } from 'hono/utils/http-status';
import { fieldErrorText, problemText, type ProblemParams } from './problems.ts';

/** The typed API client: every path, parameter, body and response comes from the API's own types. */
export const api = hc<AppType>(typeof window === 'undefined' ? 'http://localhost' : window.location.origin, {
  init: { credentials: 'same-origin' },
}).api;

/** One field's error: `message` reads in the interface language (from `code`), `apiMessage` is the API's English. */
export interface FieldError {
  path: string;
  message: string;
  code?: string | undefined;
  params?: ProblemParams | undefined;
  apiMessage?: string;
}

/** A field error whose message follows the interface language each time it is read. */
export function fieldError(init: { path: string; message: string; code?: string | undefined; params?: ProblemParams | undefined }): FieldError {
  const { path, code, params, message: apiMessage } = init;
  return {
    path,
    code,
    params,
    apiMessage,
    get message() {
      return fieldErrorText({ code, params, message: apiMessage });
    },
  };
}

/**
 * An RFC 9457 problem answered by the API (or made up here when the API could not be reached). `title`,
 * `detail` and each error's `message` read in the interface language, from the problem's stable `code`
 * (web/src/api/problems.ts); `apiTitle` and `apiDetail` keep the API's English.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  /** The stable code (api/src/http/problem-codes.ts), when the API (or this client) gave one. */
  readonly code: string | undefined;
  readonly params: ProblemParams | undefined;
  readonly apiTitle: string;
  readonly apiDetail: string | undefined;
  readonly errors: FieldError[];
  /** Seconds to wait before trying again (Retry-After), when the API said so. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    status: number;
    type?: string;
    code?: string | undefined;
    params?: ProblemParams | undefined;
    title: string;
    detail?: string | undefined;
    errors?: FieldError[];
    retryAfterSeconds?: number | undefined;
  }) {
    super(init.detail ?? init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.type = init.type ?? 'about:blank';
    this.code = init.code;
    this.params = init.params;
    this.apiTitle = init.title;
    this.apiDetail = init.detail;
    this.errors = (init.errors ?? []).map(fieldError);
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  get title(): string {
    return problemText(this.code, 'title', this.apiTitle, this.params) ?? this.apiTitle;
  }

  get detail(): string | undefined {
    return problemText(this.code, 'detail', this.apiDetail, this.params);
  }

  /** The problem's slug, e.g. `invalid-input` for https://switchboard.dev/problems/invalid-input. */
  get slug(): string {
    return this.type.split('/').pop() ?? this.type;
  }

  /** Field errors keyed by path (the first message per path). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) out[e.path] ??= e.message;
    return out;
  }
}

function isFieldErrorList(value: unknown): value is { path: string; message: string; code?: string; params?: ProblemParams }[] {
  return Array.isArray(value) && value.every((e) => typeof e?.path === 'string' && typeof e?.message === 'string');
}

const isParams = (value: unknown): value is ProblemParams => typeof value === 'object' && value !== null && !Array.isArray(value);

async function readProblem(response: { status: number; headers: Headers; text(): Promise<string> }): Promise<ApiError> {
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  let body: Record<string, unknown> = {};
  try {
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's error page, say): fall back to the status alone.
  }
  const fallbackTitle = response.status >= 500 ? 'The server had a problem' : `Request failed (${response.status})`;
  return new ApiError({
    status: response.status,
    type: typeof body.type === 'string' ? body.type : undefined,
    code: typeof body.code === 'string' ? body.code : undefined,
    params: isParams(body.params) ? body.params : undefined,
    title: typeof body.title === 'string' ? body.title : fallbackTitle,
    detail: typeof body.detail === 'string' ? body.detail : undefined,
    errors: isFieldErrorList(body.errors)
      ? body.errors.map((e) => ({ path: e.path, message: e.message, code: typeof e.code === 'string' ? e.code : undefined, params: isParams(e.params) ? e.params : undefined }))
      : [],
    retryAfterSeconds,
  });
}

/** The JSON body of the successful responses of a typed call (undefined for 204). */
export type Success<R> =
  R extends ClientResponse<infer T, infer S, infer _F> ? (S extends SuccessStatusCode ? (S extends 204 ? undefined : T) : never) : never;

type ProblemListener = (error: ApiError) => void;
const listeners = new Set<ProblemListener>();

/** Hears every problem any call gets (the session uses it to notice an expired login). */
export function onProblem(listener: ProblemListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * The one place API answers are read: a success gives its typed body, anything else becomes an
 * ApiError (problem+json), and a network failure becomes one too, with status 0.
 */
export async function call<R extends ClientResponse<any, number, string>>(request: Promise<R>): Promise<Success<R>> {
  let response: R;
  try {
    response = await request;
  } catch {
    const error = new ApiError({
      status: 0,
      type: 'network-error',
      code: 'network_error',
      title: 'Cannot reach Switchboard',
      detail: 'Check your connection and try again.',
    });
    listeners.forEach((l) => l(error));
    throw error;
  }
  if (response.ok) {
    if (response.status === 204) return undefined as Success<R>;
    return (await response.json()) as Success<R>;
  }
  const error = await readProblem(response);
  listeners.forEach((l) => l(error));
  throw error;
}

/** Any thrown value as an ApiError, so views render one kind of error. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError({ status: 0, title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) });
}
