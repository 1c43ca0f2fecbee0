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

  // Counted when the result comes back: a statement compiled once (compiled-once.ts) skips transformQuery
  // on its later runs, but every run's result passes here. Its text is known from the run that built it.
  readonly #texts = new WeakMap<object, string>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as RootOperationNode & { kind: string; sqlFragments?: readonly string[] };
    this.#texts.set(args.queryId, node.kind === 'RawNode' ? (node.sqlFragments ?? []).join('?') : node.kind);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.statements += 1;
    const text = this.#texts.get(args.queryId) ?? 'a statement compiled once';
    if (/set_config\('role'|set local role/i.test(text)) this.transactions += 1;
    if (this.keepLog) this.log.push(text.replace(/\s+/g, ' ').slice(0, 120));
    return args.result;
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
