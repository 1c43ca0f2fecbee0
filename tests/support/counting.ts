import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { DB } from '@switchboard/db';

/**
 * Counts the tenant transactions opened through a database handle: every withTenant (and the retention
 * job's withRetention) sets `set_config('app.tenant_id', <tenant>, …)` in its first statement, which this plugin sees
 * go by. Pass `db` to the code under test and read `tenants` afterwards: the tenant of each transaction
 * it opened, in order. No timing, no mock: the queries still run.
 */
export function countingTenantTransactions(db: Kysely<DB>): { db: Kysely<DB>; tenants: string[] } {
  const tenants: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
      const raw = node as unknown as { kind: string; sqlFragments?: readonly string[]; parameters?: readonly { kind: string; value?: unknown }[] };
      // The tenant is the parameter right after the fragment that names app.tenant_id (withTenant sets
      // the role, the tenant and the actor in one statement).
      const at = raw.kind === 'RawNode' ? (raw.sqlFragments ?? []).findIndex((fragment) => fragment.includes("set_config('app.tenant_id'")) : -1;
      const value = at >= 0 ? raw.parameters?.[at] : undefined;
      if (value?.kind === 'ValueNode' && value.value) tenants.push(String(value.value));
      return node;
    },
    transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return Promise.resolve(result);
    },
  };
  return { db: db.withPlugin(plugin), tenants };
}
