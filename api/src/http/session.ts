import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { AppEnv, SessionUser } from './env.ts';
import { SESSION_COOKIE, invalidateSession, parseSessionToken, validateSessionToken, type ValidSession } from '../auth/sessions.ts';
import { forbidden, unauthorized } from './problem.ts';
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
    if (parsed && slug) return openTenantRequest(c, next, slug, parsed, onSession);
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
