import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

/**
 * A statement whose shape never changes, built and compiled by Kysely once per process: each run sends
 * the same SQL with its own values. Kysely otherwise builds, transforms (CamelCasePlugin) and compiles
 * the query tree on every run, which was a tenth of the CPU of reading one order. `build` is given one
 * placeholder per value; each must come out as exactly one parameter of the compiled statement (a value
 * that changes the SQL itself, an `in` list say, cannot be compiled once: `build` would not be shape-only).
 * The statement is compiled with the plugins of the first Kysely that runs it (every Kysely of the app
 * has the same ones: CamelCasePlugin); a plugin that rewrites queries only on another would be skipped.
 */
export function compiledOnce<Values extends string[], Row>(
  build: (db: Kysely<DB>, ...values: Values) => Compilable<Row>,
): (db: Kysely<DB>, ...values: Values) => Promise<Row[]> {
  let compiled: { query: CompiledQuery<Row>; slots: number[] } | undefined;
  return async (db, ...values) => {
    // Each later run is a query of its own to plugins (a fresh id: StatementCounter counts it by its result).
    let queryId = compiled ? createQueryId() : undefined;
    if (!compiled) {
      const placeholders = values.map((_, i) => `\u0000compiled-once ${i}\u0000`) as Values;
      const query = build(db, ...placeholders).compile();
      const slots = placeholders.map((p) => query.parameters.indexOf(p));
      const uses = query.parameters.filter((p) => typeof p === 'string' && p.startsWith('\u0000compiled-once ')).length;
      if (slots.some((slot) => slot < 0) || uses !== placeholders.length) {
        throw new Error(`compiledOnce: each value must be one parameter of the statement (${query.sql})`);
      }
      compiled = { query, slots };
      queryId = query.queryId;
    }
    const parameters = [...compiled.query.parameters];
    compiled.slots.forEach((slot, i) => (parameters[slot] = values[i]));
    const { rows } = await db.executeQuery<Row>({ ...compiled.query, queryId: queryId!, parameters });
    return rows;
  };
}
