import { type Kysely, type Transaction, sql } from 'kysely';
import type { DB } from './schema.ts';
import { isUuid } from './ids.ts';

export const APP_ROLE = 'switchboard_app';

/** A transaction that can see exactly one tenant's rows, as the role that cannot bypass RLS. */
export type TenantTx = Transaction<DB> & { readonly __scope: 'tenant' };
/** A transaction as the app role with no tenant set: global tables only, every tenant row hidden. */
export type AppTx = Transaction<DB> & { readonly __scope: 'app' };

export class InvalidTenantIdError extends Error {
  constructor(value: unknown) {
    super(`Refusing to open a tenant transaction for a tenant id that is not a uuid: ${String(value)}`);
  }
}

/**
 * The only way request handlers reach tenant data (DESIGN.md, tenancy rule 3): a transaction that
 * begins with SET LOCAL ROLE switchboard_app and SET LOCAL app.tenant_id, both transaction-local, so
 * a pooled connection never carries one tenant's context into the next request (see enterScope).
 */
export async function withTenant<T>(
  db: Kysely<DB>,
  tenantId: string,
  fn: (tx: TenantTx) => Promise<T>,
  options: { actorId?: string | null } = {},
): Promise<T> {
  if (!isUuid(tenantId)) throw new InvalidTenantIdError(tenantId);
  const actorId = options.actorId ?? '';
  if (actorId && !isUuid(actorId)) throw new InvalidTenantIdError(actorId);
  return db.transaction().execute(async (tx) => {
    await enterScope(tx, tenantId, actorId);
    return fn(tx as TenantTx);
  });
}

/**
 * SET LOCAL ROLE switchboard_app and SET LOCAL app.tenant_id / app.actor_id in one statement (one round
 * trip): set_config(…, true) is SET LOCAL, and `role` is the setting SET ROLE writes. An empty tenant
 * id matches no tenant row (app.current_tenant_id() is null).
 */
export async function enterScope(tx: Transaction<DB>, tenantId: string, actorId = ''): Promise<void> {
  await sql`select set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', ${tenantId}, true), set_config('app.actor_id', ${actorId}, true)`.execute(tx);
}

/** Global (tenant-less) work as the app role: sessions, users, the tenant registry. */
export async function withApp<T>(db: Kysely<DB>, fn: (tx: AppTx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await enterScope(tx, '');
    return fn(tx as AppTx);
  });
}

export interface AppRoleCheck {
  exists: boolean;
  superuser: boolean;
  bypassRls: boolean;
  ownedObjects: string[];
  connectedAsSuperuser: boolean;
  connectedCanBypassRls: boolean;
}

/** What the app role and the connecting role may do; the server refuses to start on a bad answer. */
export async function inspectAppRole(db: Kysely<DB>): Promise<AppRoleCheck> {
  const role = await sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
    select rolsuper, rolbypassrls from pg_roles where rolname = ${APP_ROLE}`.execute(db);
  const owned = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_roles r on r.oid = c.relowner
    where r.rolname = ${APP_ROLE}
    union all
    select p.proname from pg_proc p join pg_roles r on r.oid = p.proowner where r.rolname = ${APP_ROLE}
    union all
    select n.nspname from pg_namespace n join pg_roles r on r.oid = n.nspowner where r.rolname = ${APP_ROLE}`.execute(db);
  const me = await sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
    select rolsuper, rolbypassrls from pg_roles where rolname = current_user`.execute(db);
  const row = role.rows[0];
  return {
    exists: !!row,
    superuser: row?.rolsuper ?? false,
    bypassRls: row?.rolbypassrls ?? false,
    ownedObjects: owned.rows.map((r) => r.name),
    connectedAsSuperuser: me.rows[0]?.rolsuper ?? false,
    connectedCanBypassRls: me.rows[0]?.rolbypassrls ?? false,
  };
}

export class UnsafeAppRoleError extends Error {}

/** Refuses to serve tenants with a role that could bypass row-level security (tenancy rule 3). */
export async function assertAppRoleIsSafe(db: Kysely<DB>): Promise<void> {
  const check = await inspectAppRole(db);
  const problems: string[] = [];
  if (!check.exists) problems.push(`role ${APP_ROLE} does not exist (run the migrations)`);
  if (check.superuser) problems.push(`role ${APP_ROLE} is a superuser`);
  if (check.bypassRls) problems.push(`role ${APP_ROLE} has BYPASSRLS`);
  if (check.ownedObjects.length) problems.push(`role ${APP_ROLE} owns ${check.ownedObjects.join(', ')}`);
  if (!check.connectedAsSuperuser && !check.connectedCanBypassRls) {
    problems.push(
      'the connecting role can neither bypass RLS nor act as superuser, so the provider-wide functions ' +
        '(tenant lists, dashboards) would see nothing: connect as the schema owner with BYPASSRLS',
    );
  }
  if (problems.length) {
    throw new UnsafeAppRoleError(`Refusing to start: ${problems.join('; ')}.`);
  }
}
