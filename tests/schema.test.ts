import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROLE, assertAppRoleIsSafe, UnsafeAppRoleError, type DB } from '@switchboard/db';
import { createHarness, type Harness } from './support/index.ts';

/**
 * DESIGN.md tenancy rules 1–3 read from pg_catalog: every table with a tenant_id column, every
 * function in the app's schemas and the app role, whatever migrations add later.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

const appSchemas = sql`(select oid from pg_namespace
  where nspname not in ('pg_catalog', 'information_schema') and nspname not like 'pg\\_toast%' and nspname not like 'pg\\_temp%')`;

const POLICY = 'tenant_id = app.current_tenant_id()';
const unwrap = (expr: string | null) => (expr ?? '').replace(/^\((.*)\)$/s, '$1').trim();

/** Every breach of the tenancy rules the catalog shows, one readable line each; [] when the schema is sound. */
async function tenancyViolations(db: Kysely<any>): Promise<string[]> {
  const problems: string[] = [];
  const tables = await sql<{ oid: number; name: string; rls: boolean; forced: boolean; pkFirst: boolean }>`
    select c.oid::int as oid, c.oid::regclass::text as name, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
           exists (select 1 from pg_constraint p where p.conrelid = c.oid and p.contype = 'p' and p.conkey[1] = a.attnum) as pk_first
    from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
    where c.relkind in ('r', 'p') and c.relnamespace in ${appSchemas}
    order by 2`.execute(db);
  for (const t of tables.rows) {
    if (!t.rls || !t.forced) problems.push(`${t.name}: row-level security not enabled and forced`);
    if (!t.pkFirst) problems.push(`${t.name}: primary key does not start with tenant_id`);
  }

  const policies = await sql<{ table: string; name: string; cmd: string; permissive: boolean; toPublic: boolean; using: string | null; check: string | null }>`
    select c.oid::regclass::text as table, p.polname as name, p.polcmd::text as cmd, p.polpermissive as permissive,
           p.polroles = '{0}'::oid[] as to_public, pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as check
    from pg_policy p join pg_class c on c.oid = p.polrelid`.execute(db);
  for (const t of tables.rows) {
    const own = policies.rows.filter((p) => p.table === t.name);
    const [only] = own;
    const sound =
      own.length === 1 && only && only.cmd === '*' && only.permissive && only.toPublic && unwrap(only.using) === POLICY && (only.check === null || unwrap(only.check) === POLICY);
    if (!sound) problems.push(`${t.name}: needs exactly one policy, for all commands and roles, ${POLICY} (has ${JSON.stringify(own)})`);
  }

  const fks = await sql<{ name: string; table: string }>`
    select con.conname as name, con.conrelid::regclass::text as table
    from pg_constraint con
    join pg_attribute ca on ca.attrelid = con.conrelid and ca.attname = 'tenant_id' and not ca.attisdropped
    join pg_attribute fa on fa.attrelid = con.confrelid and fa.attname = 'tenant_id' and not fa.attisdropped
    where con.contype = 'f' and con.connamespace in ${appSchemas}
      and not exists (select 1 from generate_subscripts(con.conkey, 1) i where con.conkey[i] = ca.attnum and con.confkey[i] = fa.attnum)`.execute(db);
  for (const fk of fks.rows) problems.push(`${fk.table}: foreign key ${fk.name} to a tenant table does not pair tenant_id with tenant_id`);

  const uniques = await sql<{ name: string; table: string }>`
    select i.indexrelid::regclass::text as name, i.indrelid::regclass::text as table
    from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attname = 'tenant_id' and not a.attisdropped
    where i.indisunique and not (a.attnum = any (i.indkey::int2[]))
      and i.indrelid in (select oid from pg_class where relnamespace in ${appSchemas})`.execute(db);
  for (const u of uniques.rows) problems.push(`${u.table}: unique index ${u.name} does not include tenant_id`);

  const definers = await sql<{ name: string }>`
    select p.oid::regprocedure::text as name from pg_proc p where p.prosecdef and p.pronamespace in ${appSchemas}`.execute(db);
  for (const f of definers.rows) problems.push(`function ${f.name} is SECURITY DEFINER`);

  const views = await sql<{ name: string }>`
    select c.oid::regclass::text as name from pg_class c
    where c.relkind = 'v' and c.relnamespace in ${appSchemas}
      and not coalesce('security_invoker=true' = any (c.reloptions) or 'security_invoker=on' = any (c.reloptions), false)`.execute(db);
  for (const v of views.rows) problems.push(`view ${v.name} is not security_invoker`);

  const role = await sql<{ superuser: boolean; bypassRls: boolean; memberOf: number }>`
    select rolsuper as superuser, rolbypassrls as bypass_rls,
           (select count(*)::int from pg_auth_members m where m.member = r.oid) as member_of
    from pg_roles r where rolname = ${APP_ROLE}`.execute(db);
  const app = role.rows[0];
  if (!app) problems.push(`role ${APP_ROLE} is missing`);
  else {
    if (app.superuser) problems.push(`${APP_ROLE} is a superuser`);
    if (app.bypassRls) problems.push(`${APP_ROLE} has BYPASSRLS`);
    if (app.memberOf) problems.push(`${APP_ROLE} is a member of another role`);
  }
  const owned = await sql<{ what: string }>`
    select 'table ' || c.oid::regclass::text as what from pg_class c where c.relowner = (select oid from pg_roles where rolname = ${APP_ROLE})
    union all select 'function ' || p.oid::regprocedure::text from pg_proc p where p.proowner = (select oid from pg_roles where rolname = ${APP_ROLE})
    union all select 'schema ' || n.nspname from pg_namespace n where n.nspowner = (select oid from pg_roles where rolname = ${APP_ROLE})`.execute(db);
  for (const o of owned.rows) problems.push(`${APP_ROLE} owns ${o.what}`);
  return problems;
}

/** Runs fn in a transaction that is always rolled back, so catalog changes never outlive the test. */
async function inRolledBackTransaction<T>(db: Kysely<DB>, fn: (tx: Kysely<DB>) => Promise<T>): Promise<T> {
  let result: T | undefined;
  const rollback = new Error('rollback');
  await expect(
    db.transaction().execute(async (tx) => {
      result = await fn(tx);
      throw rollback;
    }),
  ).rejects.toBe(rollback);
  return result as T;
}

describe('tenancy rules in the catalog', () => {
  it('finds the tenant tables it checks', async () => {
    const { rows } = await sql<{ name: string }>`
      select distinct table_name as name from information_schema.columns where column_name = 'tenant_id' order by 1`.execute(h.db);
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['audit_log', 'operator_assignments', 'tenant_members']));
  });

  it('holds for every tenant table, function and the app role', async () => {
    expect(await tenancyViolations(h.db)).toEqual([]);
  });

  it('has app.current_tenant_id() STABLE, not SECURITY DEFINER, reading app.tenant_id with no subquery', async () => {
    const { rows } = await sql<{ volatility: string; definer: boolean; result: string; body: string }>`
      select p.provolatile::text as volatility, p.prosecdef as definer, pg_get_function_result(p.oid) as result, p.prosrc as body
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'app' and p.proname = 'current_tenant_id'`.execute(h.db);
    expect(rows).toHaveLength(1);
    const fn = rows[0]!;
    expect(fn).toMatchObject({ volatility: 's', definer: false, result: 'uuid' });
    expect(fn.body.replace(/\s+/g, ' ')).toContain("nullif(current_setting('app.tenant_id', true), '')::uuid");
    expect(fn.body).not.toMatch(/\bfrom\b/i);
  });

  it('catches each kind of breach (so an empty list above means something)', async () => {
    const found = await inRolledBackTransaction(h.db, async (tx) => {
      for (const statement of [
        `create table bad_no_rls (tenant_id uuid not null, id uuid not null, primary key (tenant_id, id))`,
        `create unique index bad_no_rls_id on bad_no_rls (id)`,
        `create table bad_keys (tenant_id uuid not null, id uuid primary key, code text unique,
           member_id uuid references bad_no_rls (id))`,
        `alter table bad_keys enable row level security`,
        `alter table bad_keys force row level security`,
        `create policy one on bad_keys using (tenant_id = app.current_tenant_id())`,
        `create policy two on bad_keys using (true)`,
        `create function app.sneaky() returns int language sql security definer as $$ select 1 $$`,
        `create view bad_view as select * from bad_no_rls`,
        `alter table bad_no_rls owner to ${APP_ROLE}`,
      ]) {
        await sql.raw(statement).execute(tx);
      }
      return tenancyViolations(tx);
    });
    const expected = [
      /bad_no_rls: row-level security not enabled and forced/,
      /bad_no_rls: needs exactly one policy/,
      /bad_no_rls: unique index bad_no_rls_id does not include tenant_id/,
      /bad_keys: primary key does not start with tenant_id/,
      /bad_keys: needs exactly one policy/,
      /bad_keys: unique index bad_keys_code_key does not include tenant_id/,
      /bad_keys: foreign key bad_keys_member_id_fkey to a tenant table does not pair tenant_id/,
      /function app.sneaky\(\) is SECURITY DEFINER/,
      /view bad_view is not security_invoker/,
      new RegExp(`${APP_ROLE} owns table bad_no_rls`),
    ];
    for (const pattern of expected) expect(found.some((line) => pattern.test(line)), `${pattern} in ${found.join('\n')}`).toBe(true);
    expect(await tenancyViolations(h.db)).toEqual([]);
  });
});

describe('assertAppRoleIsSafe', () => {
  it('passes on the migrated database', async () => {
    await expect(assertAppRoleIsSafe(h.db)).resolves.toBeUndefined();
  });

  // Roles are cluster-wide and other files run in parallel on a real server: each change is rolled back.
  for (const [change, message] of [
    [`alter role ${APP_ROLE} bypassrls`, /has BYPASSRLS/],
    [`alter role ${APP_ROLE} superuser`, /is a superuser/],
    [`alter table audit_log owner to ${APP_ROLE}`, /owns .*\baudit_log\b/],
  ] as const) {
    it(`refuses to start after: ${change}`, async () => {
      const error = await inRolledBackTransaction(h.db, async (tx) => {
        await sql.raw(change).execute(tx);
        return assertAppRoleIsSafe(tx).then(
          () => undefined,
          (e: unknown) => e,
        );
      });
      expect(error).toBeInstanceOf(UnsafeAppRoleError);
      expect((error as Error).message).toMatch(message);
      await expect(assertAppRoleIsSafe(h.db)).resolves.toBeUndefined();
    });
  }
});
