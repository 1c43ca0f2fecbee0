import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env.ts';
import { ProblemError, problemResponse } from './problem.ts';

function pgCode(error: unknown): string | undefined {
  const candidates = [error, (error as { cause?: unknown })?.cause];
  for (const candidate of candidates) {
    const code = (candidate as { code?: unknown })?.code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * The driver's and the server's ways of saying the database went away (a restart, a failover): the
 * server's shutdown and start-up codes (57P01–57P03), the connection-exception class (08…), and
 * postgres.js's own codes for a socket that closed, was refused or never connected.
 */
const connectionLostCodes = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function isConnectionLost(error: unknown): boolean {
  // The driver's own error, not a cause deeper down (a fetch to another service fails with these codes too).
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (connectionLostCodes.has(code) || /^57P0[123]$/.test(code) || /^08[0-9A-Z]{3}$/.test(code));
}

/** Maps every error to one problem+json envelope; never a stack trace, never a 500 for bad input. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof ProblemError) return problemResponse(c, error);
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 400) {
      return problemResponse(c, new ProblemError(400, 'invalid-input', 'Invalid input', error.message || 'The request body could not be read.', [
        { path: '(body)', message: error.message || 'Malformed request body.' },
      ]));
    }
    if (status === 413) return problemResponse(c, new ProblemError(413, 'payload-too-large', 'Payload too large', 'The request body is too large.'));
    return problemResponse(c, new ProblemError(status, 'http-error', error.message || 'Request failed'));
  }
  const code = pgCode(error);
  if (code === '23505') {
    return problemResponse(c, new ProblemError(409, 'conflict', 'Conflict', 'That would duplicate something that already exists.'));
  }
  if (code === '40001' || code === '40P01') {
    return problemResponse(
      c,
      new ProblemError(503, 'retry', 'Try again', 'The request collided with another one; nothing was changed.', undefined, { 'retry-after': '1' }),
    );
  }
  if (isConnectionLost(error)) {
    // Not the caller's fault and not a bug: the database is restarting. Lost during COMMIT, the outcome is
    // unknown: the client is told it may not have been applied (an Idempotency-Key makes the retry safe).
    console.error(`[api] ${c.req.method} ${c.req.path}: the database connection was lost (${String((error as { code?: unknown }).code ?? '')})`);
    return problemResponse(
      c,
      new ProblemError(
        503,
        'database-unavailable',
        'Try again in a moment',
        'The database cannot be reached for a moment; the request may not have been applied. Try again in a few seconds.',
        undefined,
        { 'retry-after': '2' },
      ),
    );
  }
  // Name, message and stack only: an HTTP client's error object carries its request, credentials included
  // (a Twilio or Stripe client's Authorization header), which must never reach the logs.
  console.error(`[api] ${c.req.method} ${c.req.path} failed:`, error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error));
  return problemResponse(c, new ProblemError(500, 'internal', 'Something went wrong', 'The request failed on our side; nothing was changed.'));
}
