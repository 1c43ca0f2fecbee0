import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { DB } from '@switchboard/db';

/**
 * Counts the tenant transactions opened through a database handle: every withTenant (and the retention
 * job's withRetention) begins with `set_config('app.tenant_id', <tenant>, …)`, which this plugin sees
 * go by. Pass `db` to the code under test and read `tenants` afterwards: the tenant of each transaction
 * it opened, in order. No timing, no mock: the queries still run.
 */
export function countingTenantTransactions(db: Kysely<DB>): { db: Kysely<DB>; tenants: string[] } {
  const tenants: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
      const raw = node as unknown as { kind: string; sqlFragments?: readonly string[]; parameters?: readonly { kind: string; value?: unknown }[] };
      if (raw.kind === 'RawNode' && raw.sqlFragments?.[0]?.includes("set_config('app.tenant_id'")) {
        const first = raw.parameters?.[0];
        if (first?.kind === 'ValueNode' && first.value) tenants.push(String(first.value));
      }
      return node;
    },
    transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return Promise.resolve(result);
    },
  };
  return { db: db.withPlugin(plugin), tenants };
}
