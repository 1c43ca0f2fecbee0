import type { Context, MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import { withApp, withTenant, type DB, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import { actorOf, type AppEnv, type SessionUser, type TenantContext } from './env.ts';
import { currentUser } from './session.ts';
import { forbidden, notFound, ProblemError } from './problem.ts';
import { clientAddress } from './client-address.ts';
import { addressAllowed } from '../rules/definition.ts';
import { operatorAdmitted } from '../routing/eligibility.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);


/** Recording a local invoice's payment (api/src/billing/statements-routes.ts). */
const paymentPath = /^\/api\/t\/[^/]+\/invoices\/[^/]+\/payment$/;
/**
 * What finishing a call takes (issue 11, finding 9): a suspended company takes no new calls, but the
 * calls in progress finish — talk, transfer, wrap-up, the outcome, the recording's pause. Each verb
 * checks that the call is the actor's and in progress (accept: answered before, i.e. a transfer).
 */
const callInProgressPath =
  /^\/api\/t\/[^/]+\/desk\/calls\/[^/]+\/(accept|decline|hangup|transfer|wrap-up|wrap-up\/draft|wrap-up\/extend|recording\/pause|recording\/resume)$/;
const outcomePath = /^\/api\/t\/[^/]+\/calls\/[^/]+\/outcome$/;
const mayWriteWhileSuspended = (access: TenantContext['access'], path: string) =>
  (access === 'provider_admin' && (paymentPath.test(path) || outcomePath.test(path))) ||
  (access === 'operator' && (callInProgressPath.test(path) || outcomePath.test(path)));
export async function findTenantBySlug(db: Kysely<DB>, slug: string): Promise<Tenant | undefined> {
  if (!/^[a-z0-9-]{1,40}$/.test(slug)) return undefined;
  return withApp(db, (tx) => tx.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst());
}

/** How a user may act for the tenant of the transaction, or null if they may not (never said aloud: 404). */
export async function accessWithin(tx: TenantTx, tenantId: string, user: SessionUser): Promise<TenantContext['access'] | null> {
  switch (user.kind) {
    case 'provider_admin':
    case 'supervisor':
      return user.kind;
    case 'operator': {
      const row = await tx
        .selectFrom('operatorAssignments')
        .select('operatorId')
        .where('tenantId', '=', tenantId)
        .where('operatorId', '=', user.id)
        .executeTakeFirst();
      return row ? 'operator' : null;
    }
    case 'client_admin':
    case 'client_member': {
      const row = await tx
        .selectFrom('tenantMembers')
        .select('role')
        .where('tenantId', '=', tenantId)
        .where('userId', '=', user.id)
        .executeTakeFirst();
      return row ? row.role : null;
    }
  }
}

/** Whether the tenant's IP allow-list (confidentiality rules) lets this address in; an empty list lets everyone in. */
export async function clientAddressAllowed(tx: TenantTx, address: string): Promise<boolean> {
  const row = await tx.selectFrom('confidentialityRules').select('ipAllowList').executeTakeFirst();
  return !row?.ipAllowList.length || addressAllowed(address, row.ipAllowList);
}

/**
 * The tenant a slug names, if the user may act for it — the middleware's own check, for the few
 * tenant routes outside /api/t/ — else the same 404 as a tenant that does not exist.
 */
export async function findActableTenant(db: Kysely<DB>, slug: string, user: SessionUser, address: string): Promise<Tenant> {
  const tenant = await findTenantBySlug(db, slug);
  const allowed = tenant ? await withTenant(db, tenant.id, (tx) => mayActFrom(tx, tenant.id, user, address)) : false;
  if (!tenant || !allowed) throw notFound();
  return tenant;
}

/**
 * The middleware's whole admission check: the user may act for the tenant, and a client user is
 * inside the tenant's IP allow-list. Used where a tenant is named outside /api/t/ (GET /api/me,
 * /api/tenants/:tenant), so those answer exactly what the tenant routes would.
 */
export async function mayActFrom(tx: TenantTx, tenantId: string, user: SessionUser, address: string): Promise<boolean> {
  const access = await accessWithin(tx, tenantId, user);
  if (!access) return false;
  if ((access === 'client_admin' || access === 'client_member') && !(await clientAddressAllowed(tx, address))) return false;
  if (access === 'operator' && !(await operatorAdmitted(tx, user.id))) return false;
  return true;
}

/**
 * An assigned operator the tenant does not admit (no current confidentiality agreement where its rules
 * require one, see operatorAdmitted) is refused every route of the tenant. A 403 and not the 404 of
 * rule 5: the operator already knows of the assignment, and must know why their desk stays empty.
 */
const agreementRequired = () =>
  new ProblemError(403, 'agreement-required', 'Confidentiality agreement required', 'This company requires a signed confidentiality agreement on file before you may work for it.');

/**
 * DESIGN.md tenancy rules 4 and 5 in one place: resolve `:tenant`, check the session's user may act
 * for it, and run the rest of the request inside that tenant's transaction. An unknown tenant and a
 * tenant you may not act for get the same 404. A handler's error is rethrown inside the transaction,
 * since Hono catches it before we would see it, so a failed request never commits.
 */
export function tenantScope(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = currentUser(c);
    const { db } = c.var.deps;
    const tenant = await findTenantBySlug(db, c.req.param('tenant') ?? '');
    if (!tenant) throw notFound();
    await withTenant(
      db,
      tenant.id,
      async (tx) => {
        const access = await accessWithin(tx, tenant.id, user);
        if (!access) throw notFound();
        // A client user outside the tenant's IP allow-list is told what anyone who may not act for the
        // tenant is told (404, DESIGN.md rule 5): a 403 would confirm the tenant exists and that this
        // account belongs to it to whoever holds a stolen session. Provider staff are not restricted.
        if ((access === 'client_admin' || access === 'client_member') && !(await clientAddressAllowed(tx, clientAddress(c)))) throw notFound();
        if (access === 'operator' && !(await operatorAdmitted(tx, user.id))) throw agreementRequired();
        // Suspended: read-only, except that a provider admin may still record a payment — paying is how
        // a company suspended for non-payment comes back — and the calls in progress may finish.
        if (tenant.status === 'suspended' && !safeMethods.has(c.req.method) && !mayWriteWhileSuspended(access, c.req.path)) {
          throw new ProblemError(
            403,
            'tenant-suspended',
            'Tenant suspended',
            `${tenant.name} is suspended: its data can be read but not changed.`,
            undefined,
            {},
            { params: { tenant: tenant.name } },
          );
        }
        c.set('tenantContext', { tenant, actor: actorOf(user), access, tx });
        await next();
        if (c.error) throw c.error;
      },
      { actorId: user.id },
    );
  };
}

export function tenantContext(c: Context<AppEnv>): TenantContext {
  return c.var.tenantContext;
}

/** The permission check that opens every tenant-scoped write. */
export function requireAccess(ctx: TenantContext, allowed: UserKind[], what: string): void {
  if (!allowed.includes(ctx.access)) throw forbidden(`You may not ${what}.`);
}
