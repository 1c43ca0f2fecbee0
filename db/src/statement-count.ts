import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/**
 * Counts the statements a Kysely instance sends (`db.withPlugin(counter)`), for the round-trip budget
 * test and `pnpm bench:api`. BEGIN and COMMIT do not pass through plugins: every transaction the app
 * opens (withTenant, withApp, the request's own) starts with the statement that sets the role, so
 * those are counted as transactions, and a transaction's round trips are its statements plus two.
 */
export class StatementCounter implements KyselyPlugin {
  statements = 0;
  transactions = 0;
  readonly log: string[] = [];
  constructor(private readonly keepLog = false) {}

  // Counted when the statement is built, as it goes out (a statement that fails counts too); a statement
  // compiled once (compiled-once.ts) skips transformQuery on its later runs, so it is counted when its
  // result comes back instead: a result whose statement this counter never saw built.
  readonly #seen = new WeakSet<object>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#seen.add(args.queryId);
    const node = args.node as RootOperationNode & { kind: string; sqlFragments?: readonly string[] };
    this.#count(node.kind === 'RawNode' ? (node.sqlFragments ?? []).join('?') : node.kind);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (!this.#seen.has(args.queryId)) this.#count('a statement compiled once');
    return args.result;
  }

  #count(text: string): void {
    this.statements += 1;
    if (/set_config\('role'|set local role/i.test(text)) this.transactions += 1;
    if (this.keepLog) this.log.push(text.replace(/\s+/g, ' ').slice(0, 120));
  }

  /** Statements plus BEGIN and COMMIT of each transaction. */
  get roundTrips(): number {
    return this.statements + 2 * this.transactions;
  }

  reset(): void {
    this.statements = 0;
    this.transactions = 0;
    this.log.length = 0;
  }
}
