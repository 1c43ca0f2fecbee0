import type { Context, MiddlewareHandler } from 'hono';
import { sql, type Kysely } from 'kysely';
import { APP_ROLE, withApp, withTenant, type DB, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import { actorOf, type AppEnv, type SessionUser, type TenantContext } from './env.ts';
import { currentUser } from './session.ts';
import { forbidden, notFound, ProblemError } from './problem.ts';
import { clientAddress } from './client-address.ts';
import { addressAllowed } from '../rules/definition.ts';
import { rememberRules } from '../rules/service.ts';
import { judgeSession, touchSession, type SessionRow, type ValidSession } from '../auth/sessions.ts';

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

/**
 * What decides whether a user may act for the tenant of the transaction, read in one statement under
 * the tenant's row-level security: their membership (client users), their assignment and whether the
 * tenant admits them (operators: an active account, and the signed agreement where the rules require
 * one — routing/eligibility.ts operatorAdmitted, the same rule), and the IP allow-list.
 */
interface AdmissionRow {
  memberRole: 'client_admin' | 'client_member' | null;
  assigned: boolean;
  admitted: boolean;
  ipAllowList: string[] | null;
}
const admissionColumns = sql`m.role as member_role, a.operator_id is not null as assigned,
  (u.status = 'active' and (a.confidentiality_agreement_signed_at is not null or not coalesce(r.requires_confidentiality_agreement, false))) as admitted,
  r.ip_allow_list`;
const admissionJoins = sql`
  left join tenant_members m on m.tenant_id = app.current_tenant_id() and m.user_id = u.id
  left join operator_assignments a on a.tenant_id = app.current_tenant_id() and a.operator_id = u.id
  left join confidentiality_rules r on r.tenant_id = app.current_tenant_id()`;

type Admission = { access: TenantContext['access'] } | { refused: 'not-found' | 'agreement' };

/**
 * DESIGN.md rules 4 and 5: provider staff act for every tenant; operators for the tenants they are
 * assigned to, once admitted (else the 403 below); client users for their own tenant, from inside its
 * IP allow-list. Anything else is the 404 of a tenant that does not exist.
 */
function admit(user: SessionUser, row: AdmissionRow | undefined, address: string): Admission {
  switch (user.kind) {
    case 'provider_admin':
    case 'supervisor':
      return { access: user.kind };
    case 'operator':
      if (!row?.assigned) return { refused: 'not-found' };
      return row.admitted ? { access: 'operator' } : { refused: 'agreement' };
    case 'client_admin':
    case 'client_member': {
      if (!row?.memberRole) return { refused: 'not-found' };
      // A client user outside the tenant's IP allow-list is told what anyone who may not act for the
      // tenant is told (404, DESIGN.md rule 5): a 403 would confirm the tenant exists and that this
      // account belongs to it to whoever holds a stolen session. Provider staff are not restricted.
      const list = row.ipAllowList ?? [];
      return !list.length || addressAllowed(address, list) ? { access: row.memberRole } : { refused: 'not-found' };
    }
  }
}

async function admission(tx: TenantTx, user: SessionUser, address: string): Promise<Admission> {
  if (user.kind === 'provider_admin' || user.kind === 'supervisor') return admit(user, undefined, address);
  const { rows } = await sql<AdmissionRow>`select ${admissionColumns} from users u ${admissionJoins} where u.id = ${user.id}`.execute(tx);
  return admit(user, rows[0], address);
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
 * /api/tenants/:tenant), so those answer exactly what the tenant routes would. The tenant is the
 * transaction's (row-level security); tenantId names it for the reader.
 */
export async function mayActFrom(tx: TenantTx, _tenantId: string, user: SessionUser, address: string): Promise<boolean> {
  return 'access' in (await admission(tx, user, address));
}

/**
 * An assigned operator the tenant does not admit (no current confidentiality agreement where its rules
 * require one, see operatorAdmitted) is refused every route of the tenant. A 403 and not the 404 of
 * rule 5: the operator already knows of the assignment, and must know why their desk stays empty.
 */
const agreementRequired = () =>
  new ProblemError(403, 'agreement-required', 'Confidentiality agreement required', 'This company requires a signed confidentiality agreement on file before you may work for it.');

/** A tenant request's transaction, opened by the session middleware with the session and the tenant read in it. */
interface OpenedRequest {
  tx: TenantTx;
  tenant: Tenant | undefined;
  row: AdmissionRow | undefined;
}
const openedRequests = new WeakMap<Context<AppEnv>, OpenedRequest>();

const tenantPath = /^\/api\/t\/([a-z0-9-]{1,40})\//;
/** The slug of a tenant route's path, when it can name a tenant at all. */
export function tenantSlugOf(path: string): string | undefined {
  return tenantPath.exec(path)?.[1];
}

type TenantSessionRow = SessionRow & AdmissionRow & { rulesRow: Record<string, unknown> | null } & { [K in keyof Tenant as `tenant${Capitalize<K & string>}`]: Tenant[K] | null };

/**
 * One transaction for a whole tenant request (issue 13): its first statement drops to the app role and
 * sets the tenant the path names (the slug looked up in the tenant registry in that same statement;
 * an unknown slug sets no tenant, which matches no row); its second reads, as the app role under that
 * tenant's row-level security, the session and its user, the tenant, and everything admission needs.
 * Then the handler's own statements, then the commit. The session is judged as validateSessionToken
 * judges it; a session that is not valid leaves the transaction before anything else runs.
 */
export async function openTenantRequest(
  c: Context<AppEnv>,
  next: () => Promise<void>,
  slug: string,
  token: { id: string; secret: string },
  /** What to do once the session is judged: put the user on the context, clear or refresh the cookie. */
  onSession: (session: ValidSession | null, ended: boolean) => Promise<void>,
): Promise<void> {
  const { db, config, now } = c.var.deps;
  const at = now();
  let verdict: ReturnType<typeof judgeSession> | undefined;
  await db.transaction().execute(async (tx) => {
    await sql`select set_config('role', ${APP_ROLE}, true),
      set_config('app.tenant_id', coalesce((select id::text from tenants where slug = ${slug}), ''), true),
      set_config('app.actor_id', '', true)`.execute(tx);
    const { rows } = await sql<TenantSessionRow>`
      select s.id, s.secret_hash, s.created_at, s.last_verified_at, u.id as user_id, u.email, u.display_name, u.kind,
        u.must_change_password, u.status, u.language, set_config('app.actor_id', u.id::text, true) as actor,
        t.id as tenant_id, t.slug as tenant_slug, t.name as tenant_name, t.legal_name as tenant_legal_name,
        t.time_zone as tenant_time_zone, t.locale as tenant_locale, t.currency as tenant_currency, t.status as tenant_status,
        t.suspended_reason as tenant_suspended_reason, t.brand_color as tenant_brand_color, t.created_at as tenant_created_at,
        t.updated_at as tenant_updated_at, ${admissionColumns}, to_jsonb(r) as rules_row
      from sessions s join users u on u.id = s.user_id
        left join tenants t on t.id = app.current_tenant_id()
        ${admissionJoins}
      where s.id = ${token.id}`.execute(tx);
    const row = rows[0];
    verdict = judgeSession(row, token.secret, config, at);
    if (verdict.state !== 'valid' || !row) return;
    if (verdict.touch) await touchSession(tx, token.id, at);
    await onSession(verdict.session, false);
    // The rules row came with the session (the admission joins it): loadRules in this request reads no more.
    rememberRules(tx as TenantTx, row.rulesRow);
    openedRequests.set(c, { tx: tx as TenantTx, tenant: tenantOf(row), row });
    await next();
    if (c.error) throw c.error;
  });
  if (verdict?.state !== 'valid') {
    await onSession(null, verdict?.state === 'ended');
    await next();
  }
}

function tenantOf(row: TenantSessionRow): Tenant | undefined {
  if (!row.tenantId) return undefined;
  return {
    id: row.tenantId,
    slug: row.tenantSlug!,
    name: row.tenantName!,
    legalName: row.tenantLegalName!,
    timeZone: row.tenantTimeZone!,
    locale: row.tenantLocale!,
    currency: row.tenantCurrency!,
    status: row.tenantStatus!,
    suspendedReason: row.tenantSuspendedReason,
    brandColor: row.tenantBrandColor!,
    createdAt: row.tenantCreatedAt!,
    updatedAt: row.tenantUpdatedAt!,
  };
}

/**
 * DESIGN.md tenancy rules 4 and 5 in one place: resolve `:tenant`, check the session's user may act
 * for it, and run the rest of the request inside that tenant's transaction. An unknown tenant and a
 * tenant you may not act for get the same 404. A handler's error is rethrown inside the transaction,
 * since Hono catches it before we would see it, so a failed request never commits. The transaction is
 * usually the one the session middleware opened for the request (openTenantRequest); a path it could
 * not read a slug from gets its own here.
 */
export function tenantScope(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = currentUser(c);
    const opened = openedRequests.get(c);
    if (opened) {
      openedRequests.delete(c);
      if (!opened.tenant) throw notFound();
      enter(c, user, opened.tenant, opened.tx, admit(user, opened.row, clientAddress(c)));
      return next();
    }
    const { db } = c.var.deps;
    const tenant = await findTenantBySlug(db, c.req.param('tenant') ?? '');
    if (!tenant) throw notFound();
    await withTenant(
      db,
      tenant.id,
      async (tx) => {
        enter(c, user, tenant, tx, await admission(tx, user, clientAddress(c)));
        await next();
        if (c.error) throw c.error;
      },
      { actorId: user.id },
    );
  };
}

/** Admits the request into the tenant (or refuses it) and hands the handler its context. */
function enter(c: Context<AppEnv>, user: SessionUser, tenant: Tenant, tx: TenantTx, admitted: Admission): void {
  if ('refused' in admitted) throw admitted.refused === 'agreement' ? agreementRequired() : notFound();
  const { access } = admitted;
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
}

export function tenantContext(c: Context<AppEnv>): TenantContext {
  return c.var.tenantContext;
}

/** The permission check that opens every tenant-scoped write. */
export function requireAccess(ctx: TenantContext, allowed: UserKind[], what: string): void {
  if (!allowed.includes(ctx.access)) throw forbidden(`You may not ${what}.`);
}
