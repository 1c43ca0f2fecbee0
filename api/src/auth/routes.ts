import { permissionsOf } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { crossTenant, withApp, withTenant } from '@switchboard/db';
import { mayActFrom } from '../http/tenant-scope.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses, ProblemError, fieldError, invalid } from '../http/problem.ts';
import { clearSessionCookie, currentUser, setSessionCookie } from '../http/session.ts';
import { clientAddress } from '../http/client-address.ts';
import { actorOf } from '../http/env.ts';
import { writePlatformAudit } from '../audit/write.ts';
import { ChangePasswordBodySchema, LanguageBodySchema, LoginBodySchema, MeSchema } from './schemas.ts';
import { logIn, tooManyAttempts } from './login.ts';
import { clearFailures, lockedUntil, recordFailure } from './throttle.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { createSession, invalidateSession } from './sessions.ts';

const OkSchema = z.object({ ok: z.literal(true) }).openapi('Ok');

const login = createRoute({
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Log in with email and password; sets the session cookie',
  request: { body: { content: { 'application/json': { schema: LoginBodySchema } }, required: true } },
  responses: {
    200: { description: 'Logged in', content: { 'application/json': { schema: MeSchema } } },
    ...problemResponses(400, 401, 429),
  },
});

const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  tags: ['auth'],
  summary: 'End the current session',
  responses: { 200: { description: 'Logged out', content: { 'application/json': { schema: OkSchema } } } },
});

const me = createRoute({
  method: 'get',
  path: '/me',
  tags: ['auth'],
  summary: 'The logged-in user, its kind, and the tenants it may act for',
  responses: {
    200: { description: 'The current user', content: { 'application/json': { schema: MeSchema } } },
    ...problemResponses(401),
  },
});

const changePassword = createRoute({
  method: 'post',
  path: '/auth/password',
  tags: ['auth'],
  summary: 'Change your password; ends every other session',
  request: { body: { content: { 'application/json': { schema: ChangePasswordBodySchema } }, required: true } },
  responses: {
    200: { description: 'Changed', content: { 'application/json': { schema: MeSchema } } },
    ...problemResponses(400, 401, 429),
  },
});

const setLanguage = createRoute({
  method: 'put',
  path: '/me/language',
  tags: ['auth'],
  summary: 'Choose your interface language (null: follow the browser); yours only, allowed before a temporary password is changed',
  request: { body: { content: { 'application/json': { schema: LanguageBodySchema } }, required: true } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: MeSchema } } },
    ...problemResponses(400, 401),
  },
});

async function describeMe(db: Parameters<typeof crossTenant.tenantIdsUserMayActFor>[0], userId: string, address: string) {
  const user = await withApp(db, (tx) =>
    tx
      .selectFrom('users')
      .select(['id', 'email', 'displayName', 'kind', 'mustChangePassword', 'language'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow(),
  );
  const mayAct = await crossTenant.tenantIdsUserMayActFor(db, user);
  // A client user outside its tenant's IP allow-list, or an operator the tenant does not admit (no
  // current confidentiality agreement), is not told of that tenant here either: the list says what the
  // tenant routes would answer (the middleware's own check).
  const tenantIds: string[] = [];
  for (const id of mayAct) {
    if (user.kind === 'provider_admin' || user.kind === 'supervisor' || (await withTenant(db, id, (tx) => mayActFrom(tx, id, user, address)))) tenantIds.push(id);
  }
  const tenants = tenantIds.length
    ? await withApp(db, (tx) =>
        tx
          .selectFrom('tenants')
          .select(['id', 'slug', 'name', 'status', 'timeZone'])
          .where('id', 'in', tenantIds)
          .orderBy('name')
          .execute(),
      )
    : [];
  return { user, tenants, permissions: permissionsOf(user.kind) };
}

export const authRoutes = createRouter()
  .openapi(login, async (c) => {
    const { db, config, now } = c.var.deps;
    const body = c.req.valid('json');
    const session = await logIn(db, config, { ...body, address: clientAddress(c) }, now());
    setSessionCookie(c, session.token, session.expiresAt);
    const userId = await withApp(db, (tx) =>
      tx.selectFrom('sessions').select('userId').where('id', '=', session.id).executeTakeFirstOrThrow(),
    );
    return c.json(await describeMe(db, userId.userId, clientAddress(c)), 200);
  })
  .openapi(logout, async (c) => {
    const sessionId = c.var.sessionId;
    if (sessionId) await invalidateSession(c.var.deps.db, sessionId);
    clearSessionCookie(c);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(me, async (c) => {
    const user = currentUser(c);
    return c.json(await describeMe(c.var.deps.db, user.id, clientAddress(c)), 200);
  })
  .openapi(changePassword, async (c) => {
    const user = currentUser(c);
    const { db, config, now } = c.var.deps;
    const body = c.req.valid('json');
    const stored = await withApp(db, (tx) =>
      tx.selectFrom('users').select('passwordHash').where('id', '=', user.id).executeTakeFirstOrThrow(),
    );
    // Guessing the current password through a stolen session is throttled like logging in.
    const throttleKey = `password-change:${user.id}`;
    const locked = await lockedUntil(db, [throttleKey], now());
    if (locked) throw tooManyAttempts(locked, now());
    if (!(await verifyPassword(stored.passwordHash, body.currentPassword))) {
      await recordFailure(db, throttleKey, { maxFailures: config.loginMaxFailuresPerAddressAndEmail, lockMinutes: config.loginLockMinutes }, now());
      throw invalid([fieldError('currentPassword', 'password.current_wrong', 'This is not your current password.')], 'The current password is not right.', 'password.current_wrong');
    }
    if (body.newPassword === body.currentPassword) {
      throw invalid([fieldError('newPassword', 'password.unchanged', 'The new password must differ from the current one.')], 'Choose a new password.', 'password.unchanged');
    }
    await clearFailures(db, throttleKey);
    const passwordHash = await hashPassword(body.newPassword);
    await withApp(db, async (tx) => {
      await tx.updateTable('users').set({ passwordHash, mustChangePassword: false, updatedAt: now() }).where('id', '=', user.id).execute();
      // A password change ends every session of the user, this one included; the browser gets a fresh one.
      await tx.deleteFrom('sessions').where('userId', '=', user.id).execute();
      await writePlatformAudit(tx, actorOf(user), { action: 'user.password_changed', targetType: 'user', targetId: user.id });
    });
    const session = await createSession(db, config, user.id, now());
    setSessionCookie(c, session.token, session.expiresAt);
    return c.json(await describeMe(db, user.id, clientAddress(c)), 200);
  })
  .openapi(setLanguage, async (c) => {
    const user = currentUser(c);
    const { db, now } = c.var.deps;
    const { language } = c.req.valid('json');
    await withApp(db, async (tx) => {
      const before = await tx.selectFrom('users').select('language').where('id', '=', user.id).executeTakeFirstOrThrow();
      if (before.language === language) return;
      await tx.updateTable('users').set({ language, updatedAt: now() }).where('id', '=', user.id).execute();
      await writePlatformAudit(tx, actorOf(user), {
        action: 'user.language_changed',
        targetType: 'user',
        targetId: user.id,
        before: { language: before.language },
        after: { language },
      });
    });
    return c.json(await describeMe(db, user.id, clientAddress(c)), 200);
  });
