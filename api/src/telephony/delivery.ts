import { sql, type Kysely } from 'kysely';
import { telephony, withApp, withTenant, type DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import { startWakeable, type StopPeriodic } from '../periodic.ts';
import { loadTwilioAccount, twilioClient, type TwilioAccount, type TwilioClient } from '../twilio/client.ts';
import { executeTwilioCommand, type TwilioCommandContext } from '../twilio/executor.ts';
import type { CommandKind, CommandPayload } from './commands.ts';
import { signTelephonyRequest } from './signature.ts';
import { deliveryWakers as wakers } from './delivery-wake.ts';

/**
 * The push boundary's delivery pass (docs/telephony.md, "Push"). Commands are written to
 * `telephony_commands` in the transaction of the action (commands.ts); this pass, run by every API process,
 * sends them after commit:
 *
 * 1. claim (db/src/telephony.ts): a lease on the due commands, the first pending one of each call only, so a
 *    call's commands go out one at a time in `seq` order;
 * 2. deliver, outside any transaction: an `http` command is a signed POST to the registered adapter's
 *    callback (Idempotency-Key = the command's id), a `twilio` one is handed to the Twilio executor;
 * 3. mark it `delivered`, or put it back with a backoff (the lease cleared, the error kept); a command still
 *    pending `giveUpAfterMs` after it was written is `failed` (or `expired` if it was never tried).
 *
 * A process killed anywhere loses nothing: a command committed but not yet sent is pending, one sent but not
 * marked comes back when its lease ends (and is sent again with the same key: adapters dedupe on it). A pass
 * that fails (the database restarting) is reported and the next one runs on schedule.
 */

export interface DeliveryLimits {
  /** Commands claimed at once. */
  batch: number;
  /** How long a claim holds a command: longer than one delivery can take. */
  leaseMs: number;
  /** One push (connect, send, answer). */
  requestTimeoutMs: number;
  /** Still not delivered this long after it was written: given up (`failed`). */
  giveUpAfterMs: number;
  /** A pass claims again until nothing is due, at most this long. */
  passBudgetMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
}

export const defaultDeliveryLimits: DeliveryLimits = {
  batch: 200,
  // Longer than a pass (10 s) plus one command's slowest delivery (a Twilio command is a few requests of at most 10 s each).
  leaseMs: 120_000,
  requestTimeoutMs: 5_000,
  giveUpAfterMs: 10 * 60_000,
  passBudgetMs: 2_000,
  concurrency: 32,
};

export type TwilioExecutor = (ctx: TwilioCommandContext) => Promise<void>;

export interface DeliveryDeps {
  db: Kysely<DB>;
  config: Config;
  now: () => Date;
  limits?: Partial<DeliveryLimits>;
  /** Tests: the HTTP client and the Twilio executor. */
  fetch?: typeof fetch;
  executeTwilio?: TwilioExecutor;
}

export interface DeliveryReport {
  delivered: number;
  retried: number;
  gaveUp: number;
}

/** Backoff after the n-th failed attempt: 0.5 s, 1 s, 2 s… capped at 60 s. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000, 500 * 2 ** Math.max(0, attempts - 1));
}

/** What an adapter's callback receives (the body of the POST). */
export interface PushedCommand {
  id: string;
  seq: string;
  kind: CommandKind;
  tenant: string;
  callId: string | null;
  dialId: string | null;
  payload: unknown;
  createdAt: string;
  attempt: number;
}

/** Errors kept for the provider's health view: one line, no control characters, bounded. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 500);
}

type Loaded = {
  tenantId: string;
  slug: string;
  id: string;
  seq: string;
  adapter: 'http' | 'twilio';
  kind: string;
  callId: string | null;
  dialId: string | null;
  payload: unknown;
  attempts: number;
  createdAt: Date;
};

/** Pushes one command to the callback: signed like the adapter's own requests (v2, over the callback's path). */
export async function pushCommand(
  deps: Pick<DeliveryDeps, 'fetch' | 'now'> & { config: Pick<Config, 'telephonySecret'> },
  callbackUrl: string,
  command: PushedCommand,
  timeoutMs: number,
): Promise<void> {
  const url = new URL(callbackUrl);
  const body = JSON.stringify(command);
  const headers = signTelephonyRequest(deps.config.telephonySecret, body, deps.now(), { method: 'POST', path: url.pathname });
  const response = await (deps.fetch ?? fetch)(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': command.id, ...headers },
    body,
    // A redirect is an answer we do not follow: the callback is the address registered, nothing else.
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  // The body is never read: whatever the adapter answers (huge, hostile), only the status counts.
  await response.body?.cancel().catch(() => {});
  if (response.status < 200 || response.status > 299) throw new Error(`callback answered ${response.status}`);
}

/** The registered push adapter (the most recent registration), if any. */
export async function pushTarget(db: Kysely<DB>): Promise<{ name: string; callbackUrl: string } | undefined> {
  return withApp(db, (tx) => tx.selectFrom('telephonyAdapters').select(['name', 'callbackUrl']).orderBy('registeredAt', 'desc').limit(1).executeTakeFirst());
}

async function loadClaimed(db: Kysely<DB>, refs: telephony.ClaimedCommandRef[]): Promise<Loaded[]> {
  const byTenant = new Map<string, string[]>();
  for (const ref of refs) byTenant.set(ref.tenantId, [...(byTenant.get(ref.tenantId) ?? []), ref.id]);
  const loaded: Loaded[] = [];
  for (const [tenantId, ids] of byTenant) {
    const rows = await withTenant(db, tenantId, (tx) =>
      tx
        .selectFrom('telephonyCommands as c')
        .innerJoin('tenants as t', 't.id', 'c.tenantId')
        .select(['c.tenantId', 't.slug', 'c.id', 'c.seq', 'c.adapter', 'c.kind', 'c.callId', 'c.dialId', 'c.payload', 'c.attempts', 'c.createdAt'])
        .where('c.id', 'in', ids)
        .execute(),
    );
    for (const row of rows) loaded.push({ ...row, seq: String(row.seq), createdAt: new Date(row.createdAt) });
  }
  return loaded;
}

/** The commands delivered in one round, one statement per tenant. */
async function markDelivered(db: Kysely<DB>, commands: Loaded[], at: Date): Promise<void> {
  const byTenant = new Map<string, string[]>();
  for (const c of commands) byTenant.set(c.tenantId, [...(byTenant.get(c.tenantId) ?? []), c.id]);
  for (const [tenantId, ids] of byTenant) {
    await withTenant(db, tenantId, (tx) =>
      tx.updateTable('telephonyCommands').set({ status: 'delivered', deliveredAt: at, claimedUntil: null, lastError: null }).where('id', 'in', ids).where('status', '=', 'pending').execute(),
    );
  }
}

async function markRetry(db: Kysely<DB>, command: Loaded, error: unknown, at: Date, giveUpAfterMs: number): Promise<'retried' | 'gave_up'> {
  const next = new Date(at.getTime() + retryDelayMs(command.attempts));
  // A recording retention or erasure removed must go from Twilio too: that command is never given up on.
  const giveUp = command.kind !== 'delete_recording' && next.getTime() - command.createdAt.getTime() > giveUpAfterMs;
  await withTenant(db, command.tenantId, (tx) =>
    tx
      .updateTable('telephonyCommands')
      .set({ status: giveUp ? 'failed' : 'pending', nextAttemptAt: next, claimedUntil: null, lastError: errorText(error) })
      .where('id', '=', command.id)
      .where('status', '=', 'pending')
      .execute(),
  );
  return giveUp ? 'gave_up' : 'retried';
}

/** Runs `work` over `items`, at most `limit` at once; once `signal` aborts no item is started (its lease runs out, it comes back). */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !signal?.aborted) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/** One command to its adapter: a signed push, or the Twilio executor. Throws to be retried. */
async function deliverCommand(
  deps: DeliveryDeps,
  limits: DeliveryLimits,
  target: { name: string; callbackUrl: string } | undefined,
  twilioOf: () => Promise<{ account: TwilioAccount; client: TwilioClient } | null>,
  command: Loaded,
): Promise<void> {
  if (command.adapter === 'http') {
    await pushCommand(
      deps,
      target!.callbackUrl,
      { id: command.id, seq: command.seq, kind: command.kind as CommandKind, tenant: command.slug, callId: command.callId, dialId: command.dialId, payload: command.payload, createdAt: command.createdAt.toISOString(), attempt: command.attempts },
      limits.requestTimeoutMs,
    );
    return;
  }
  const carrier = await twilioOf();
  if (!carrier) throw new Error('twilio_not_configured: no Twilio account is connected');
  await (deps.executeTwilio ?? executeTwilioCommand)({
    db: deps.db,
    config: deps.config,
    account: carrier.account,
    client: carrier.client,
    now: deps.now(),
    tenantId: command.tenantId,
    command: { id: command.id, kind: command.kind as CommandKind, payload: command.payload as CommandPayload<CommandKind>, callId: command.callId, dialId: command.dialId },
  });
}

/** Claimed commands not tried this pass: their lease is let go (the attempt they were counted does not stand). */
async function releaseClaims(db: Kysely<DB>, commands: Loaded[]): Promise<void> {
  const byTenant = new Map<string, string[]>();
  for (const c of commands) byTenant.set(c.tenantId, [...(byTenant.get(c.tenantId) ?? []), c.id]);
  for (const [tenantId, ids] of byTenant) {
    await withTenant(db, tenantId, (tx) =>
      tx
        .updateTable('telephonyCommands')
        .set({ claimedUntil: null, attempts: sql<number>`greatest(attempts - 1, 0)` })
        .where('id', 'in', ids)
        .where('status', '=', 'pending')
        .execute(),
    );
  }
}

/** One delivery pass: claims and delivers until nothing is due, the budget is spent or `signal` aborts. */
export async function deliverOnce(deps: DeliveryDeps, signal?: AbortSignal): Promise<DeliveryReport> {
  const limits = { ...defaultDeliveryLimits, ...deps.limits };
  const report: DeliveryReport = { delivered: 0, retried: 0, gaveUp: 0 };
  const started = Date.now();
  const now = deps.now();
  report.gaveUp += await telephony.giveUpOldCommands(deps.db, now, new Date(now.getTime() - limits.giveUpAfterMs));
  const target = await pushTarget(deps.db);
  let twilio: { account: TwilioAccount; client: TwilioClient } | null | undefined;
  const twilioOf = async () => {
    if (twilio === undefined) {
      const account = await loadTwilioAccount(deps.db, deps.config.secretsKey);
      twilio = account ? { account, client: twilioClient(account, deps.config.twilioApiUrl) } : null;
    }
    return twilio;
  };
  while (!signal?.aborted && Date.now() - started < limits.passBudgetMs) {
    const at = deps.now();
    const refs = await telephony.claimDueCommands(deps.db, { now: at, leaseUntil: new Date(at.getTime() + limits.leaseMs), limit: limits.batch, includeHttp: !!target });
    if (!refs.length) break;
    const commands = await loadClaimed(deps.db, refs);
    // A call's (or dial's) claimed commands, in order: delivered one after the other in one lane.
    const runs = new Map<string, Loaded[]>();
    for (const command of commands.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1))) {
      const key = command.callId ?? command.dialId ?? command.id;
      runs.set(key, [...(runs.get(key) ?? []), command]);
    }
    await eachLimited(
      [...runs.values()],
      limits.concurrency,
      async (run) => {
        const delivered: Loaded[] = [];
        let failed: Loaded | undefined;
        for (const command of run) {
          if (signal?.aborted) break;
          try {
            await deliverCommand(deps, limits, target, twilioOf, command);
            delivered.push(command);
          } catch (error) {
            failed = command;
            const outcome = await markRetry(deps.db, command, error, deps.now(), limits.giveUpAfterMs);
            if (outcome === 'gave_up') report.gaveUp++;
            else report.retried++;
            break;
          }
        }
        // Marked as soon as the call's run is out, so a later pass never re-leases them (a process killed
        // before this sends them again: same keys). What comes after a failure or the end of the pass is let
        // go: it waits behind the failed one (its retry), or goes in the next pass.
        await markDelivered(deps.db, delivered, deps.now());
        report.delivered += delivered.length;
        const rest = run.slice(delivered.length + (failed ? 1 : 0));
        if (rest.length) await releaseClaims(deps.db, rest);
      },
      signal,
    );
  }
  if (target && (report.delivered || report.retried)) {
    await withApp(deps.db, (tx) =>
      tx
        .updateTable('telephonyAdapters')
        .set({ ...(report.delivered ? { lastDeliveryAt: deps.now() } : {}), lastError: report.retried ? 'some pushes failed; they are retried' : null })
        .where('name', '=', target.name)
        .execute(),
    );
  }
  return report;
}

export interface DeliveryLoopDeps extends DeliveryDeps {
  /** Between passes when nothing asks for one (1 s). */
  intervalMs?: number;
  /** A pass not done by then is given up on (default 10 s); the next starts on schedule. */
  passTimeoutMs?: number;
  onError?: (error: unknown) => void;
  /** Tests: the pass (default deliverOnce). */
  pass?: (deps: DeliveryDeps, signal: AbortSignal) => Promise<unknown>;
}

/** Runs the delivery pass every second and shortly after each requestDelivery(); passes never overlap. Returns stop. */
export function startDelivery(deps: DeliveryLoopDeps): StopPeriodic {
  const run = deps.pass ?? deliverOnce;
  return startWakeable({
    name: 'Telephony delivery pass',
    intervalMs: deps.intervalMs ?? 1_000,
    timeoutMs: deps.passTimeoutMs ?? 10_000,
    pass: (signal) => run(deps, signal),
    wakers,
    // After the action's commit (a few ms), and once more in case its transaction took longer.
    wakeAfterMs: [15, 150],
    resumed: 'Telephony delivery resumed.',
    ...(deps.onError && { onError: deps.onError }),
  });
}
