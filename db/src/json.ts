import { sql, type RawBuilder } from 'kysely';

/**
 * A value for a jsonb column, cast from JSON text in SQL. Handing the text itself to a jsonb
 * parameter would store a JSON *string* on PostgreSQL, since postgres.js encodes json parameters
 * again (PGlite does not); the column types accept only this, so the mistake cannot compile.
 */
export function jsonb(value: unknown): RawBuilder<JsonColumnValue> | null {
  return value === undefined ? null : sql<JsonColumnValue>`cast(${JSON.stringify(value)}::text as jsonb)`;
}

declare const jsonColumnBrand: unique symbol;
export type JsonColumnValue = { readonly [jsonColumnBrand]: true };
