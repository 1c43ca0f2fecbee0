import { type Kysely, sql } from 'kysely';

/** Runs DDL one statement at a time: the extended protocol (postgres.js, PGlite) takes one per query. */
export async function runStatements(db: Kysely<any>, statements: string[]): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

type Privilege = 'select' | 'insert' | 'update' | 'delete';

/**
 * The statements every tenant table gets (DESIGN.md, tenancy rule 2): RLS enabled and forced,
 * one policy through app.current_tenant_id(), and the app role's privileges.
 */
export function tenantTableStatements(table: string, privileges: Privilege[]): string[] {
  return [
    `alter table ${table} enable row level security`,
    `alter table ${table} force row level security`,
    `create policy tenant_isolation on ${table}
       using (tenant_id = app.current_tenant_id())
       with check (tenant_id = app.current_tenant_id())`,
    `grant ${privileges.join(', ')} on ${table} to switchboard_app`,
  ];
}
