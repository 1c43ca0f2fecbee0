import { sql, type Kysely } from 'kysely';
import type { DB } from '@switchboard/db';

/**
 * What the database holds, read as the connecting role (a superuser, which skips RLS): the tenant
 * tables found from information_schema, a tenant's ids and a byte-for-byte picture of its rows.
 * New tables are picked up without editing any test.
 */
export interface TenantTable {
  schema: string;
  name: string;
  uuidColumns: string[];
  label: string;
}

const systemSchemas = sql`('pg_catalog', 'information_schema')`;

export async function tenantTables(db: Kysely<DB>): Promise<TenantTable[]> {
  const { rows } = await sql<{ schema: string; name: string; uuidColumns: string[] | null }>`
    select c.table_schema as schema, c.table_name as name,
           (select array_agg(u.column_name::text order by u.ordinal_position) from information_schema.columns u
             where u.table_schema = c.table_schema and u.table_name = c.table_name
               and (u.data_type = 'uuid' or u.udt_name = '_uuid')) as uuid_columns
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE' and c.table_schema not in ${systemSchemas}
    order by 1, 2`.execute(db);
  return rows.map((r) => ({ ...r, uuidColumns: r.uuidColumns ?? [], label: `${r.schema}.${r.name}` }));
}

const tableRef = (t: { schema: string; name: string }) => sql.id(t.schema, t.name);

export async function countRows(db: Kysely<any>, table: TenantTable, tenantId?: string): Promise<number> {
  const where = tenantId ? sql`where tenant_id = ${tenantId}` : sql``;
  const { rows } = await sql<{ n: string | number }>`select count(*) as n from ${tableRef(table)} ${where}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Every uuid held in any uuid (or uuid[]) column of the tenant's rows, in every tenant table. */
export async function uuidsOfTenant(db: Kysely<DB>, tenantId: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const table of await tenantTables(db)) {
    for (const column of table.uuidColumns) {
      const { rows } = await sql<{ value: string }>`
        select distinct v::text as value
        from ${tableRef(table)} t, unnest(array[]::uuid[] || t.${sql.id(column)}) as v
        where t.tenant_id = ${tenantId} and v is not null`.execute(db);
      for (const row of rows) ids.add(row.value);
    }
  }
  return [...ids].sort();
}

export type Snapshot = Record<string, string[]>;

async function rowsAsText(db: Kysely<DB>, table: { schema: string; name: string }, where = sql``): Promise<string[]> {
  const { rows } = await sql<{ row: string }>`select t::text as row from ${tableRef(table)} t ${where} order by 1`.execute(db);
  return rows.map((r) => r.row);
}

/** The tenant's row and all its rows in every tenant table, as text. */
export async function snapshotTenant(db: Kysely<DB>, tenantId: string): Promise<Snapshot> {
  const snapshot: Snapshot = {
    'public.tenants': await rowsAsText(db, { schema: 'public', name: 'tenants' }, sql`where id = ${tenantId}`),
  };
  for (const table of await tenantTables(db)) snapshot[table.label] = await rowsAsText(db, table, sql`where tenant_id = ${tenantId}`);
  return snapshot;
}

/** Every row of every table, as text (sessions are left out when asked: reading with a session may touch it). */
export async function snapshotDatabase(db: Kysely<DB>, options: { except?: string[] } = {}): Promise<Snapshot> {
  const { rows } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ${systemSchemas} order by 1, 2`.execute(db);
  const snapshot: Snapshot = {};
  for (const table of rows) {
    if (options.except?.includes(table.name)) continue;
    snapshot[`${table.schema}.${table.name}`] = await rowsAsText(db, table);
  }
  return snapshot;
}
