import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { DB } from '@switchboard/db';

/** How many statements went to the database through a counted Kysely, BEGIN and COMMIT included. */
export interface StatementCount {
  statements: number;
  transactions: number;
}

/**
 * A Kysely that counts every statement it sends (the routing benchmark and its statement-budget test).
 * A statement is counted when its result comes back; each transaction our helpers open (withTenant,
 * withApp: they begin with `select set_config('role', …)`, db/src/context.ts's enterScope) adds its BEGIN and COMMIT, which Kysely sends outside plugins.
 */
export function countStatements(db: Kysely<DB>): { db: Kysely<DB>; count: StatementCount; reset(): StatementCount } {
  const count: StatementCount = { statements: 0, transactions: 0 };
  const opensTransaction = new WeakSet<object>();
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      const node = args.node as RootOperationNode & { sqlFragments?: readonly string[] };
      if (node.kind === 'RawNode' && node.sqlFragments?.[0]?.startsWith("select set_config('role'")) opensTransaction.add(args.queryId);
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      count.statements++;
      if (opensTransaction.has(args.queryId)) {
        count.transactions++;
        count.statements += 2;
      }
      return args.result;
    },
  };
  return {
    db: db.withPlugin(plugin),
    count,
    reset() {
      const before = { ...count };
      count.statements = 0;
      count.transactions = 0;
      return before;
    },
  };
}
