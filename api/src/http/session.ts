import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { AppEnv, SessionUser } from './env.ts';
import { SESSION_COOKIE, invalidateSession, parseSessionToken, validateSessionToken, type ValidSession } from '../auth/sessions.ts';
import { forbidden, ProblemError, unauthorized } from './problem.ts';
import { openTenantRequest, tenantSlugOf } from './tenant-scope.ts';

export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: Date): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: c.var.deps.config.secureCookies,
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: c.var.deps.config.secureCookies });
}

/** How long a request's body may take to arrive before a tenant route opens its transaction. */
export const BODY_READ_TIMEOUT_MS = 10_000;

/**
 * The body of a tenant request is read in full BEFORE its transaction opens: a transaction (and on
 * PGlite the whole database) must never wait on a client that sends its body slowly. Hono caches what
 * is read, so the guard and the route's validator read the same bytes. A body that does not arrive in
 * time is refused with 408 and the connection closed (what is left of the body is never read).
 */
async function readBodyBeforeTransaction(c: Context<AppEnv>): Promise<void> {
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || !c.req.raw.body || c.req.raw.bodyUsed) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), BODY_READ_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([c.req.arrayBuffer().then(() => 'read' as const), late]);
    if (outcome === 'late') {
      throw new ProblemError(408, 'body-timeout', 'Request body too slow', `The request body did not arrive within ${BODY_READ_TIMEOUT_MS / 1000} s.`, undefined, {
        connection: 'close',
      });
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the session cookie, if any, and puts the user on the context. On a tenant route the session is
 * read in the request's one tenant transaction (openTenantRequest), which then wraps the rest of the
 * request; elsewhere in a short transaction of its own.
 */
export function sessionMiddleware(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('user', undefined);
    c.set('sessionId', undefined);
    const token = getCookie(c, SESSION_COOKIE);
    if (!token) return next();
    const { db, config, now } = c.var.deps;
    const onSession = async (session: ValidSession | null, ended: boolean) => {
      if (session) {
        c.set('user', session.user);
        c.set('sessionId', session.id);
        if (session.refreshed) setSessionCookie(c, token, session.expiresAt);
      } else {
        // An expired session's row goes now, in its own short transaction (the request's rolled back).
        if (ended) await invalidateSession(db, parseSessionToken(token)!.id);
        clearSessionCookie(c);
      }
    };
    const parsed = parseSessionToken(token);
    const slug = tenantSlugOf(c.req.path);
    if (parsed && slug) {
      await readBodyBeforeTransaction(c);
      return openTenantRequest(c, next, slug, parsed, onSession);
    }
    await onSession(await validateSessionToken(db, config, token, now()), false);
    return next();
  };
}

// Routes a user who must change a temporary password may still reach (their language too: they should
// read the password page in it).
const allowedBeforePasswordChange = new Set(['/api/me', '/api/me/language', '/api/auth/password', '/api/auth/logout', '/api/auth/login']);

/** Everything under /api but login, health and docs needs a session; a temporary password must be changed first. */
export function requireSession(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.var.user;
    if (!user) throw unauthorized();
    if (user.mustChangePassword && !allowedBeforePasswordChange.has(c.req.path)) {
      throw forbidden('Change your temporary password first.');
    }
    return next();
  };
}

export function currentUser(c: Context<AppEnv>): SessionUser {
  const user = c.var.user;
  if (!user) throw unauthorized();
  return user;
}
