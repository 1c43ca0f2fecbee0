import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { housekeeping, telephony, withApp, withTenant, type DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import { startPeriodic } from '../periodic.ts';
import { SIGNATURE_WINDOW_SECONDS } from '../telephony/signature.ts';

/**
 * Housekeeping: what is kept only to answer for a while is deleted once that while is over, so the
 * tables stop growing — sessions past their inactivity or absolute age, login-throttle rows whose
 * window and lock are over, idempotency keys after 24 hours (a retry comes within minutes), and
 * telephony signatures once their timestamp would be refused anyway, keypad-menu visits after 400 days. Every process may run it:
 * a delete is idempotent (two processes picking the same rows: the second waits for the first's
 * commit, then finds them gone and deletes nothing), and nothing else reads these rows once expired. A pass deletes at most maxBatches batches per table, so a large
 * backlog is worked off over several passes instead of in one long transaction.
 */

export const IDEMPOTENCY_KEY_HOURS = 24;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export interface PurgeLimits {
  batchSize: number;
  maxBatches: number;
}

export interface HousekeepingDeps {
  db: Kysely<DB>;
  config: Pick<Config, 'sessionInactivityDays' | 'sessionAbsoluteDays' | 'loginLockMinutes'>;
  now: () => Date;
  limits?: Partial<PurgeLimits>;
}

export interface PurgeReport {
  sessions: number;
  loginThrottle: number;
  idempotencyKeys: number;
  telephonySignatures: number;
  telephonyCommands: number;
  menuVisits: number;
}

/** The push boundary's commands are kept a day once finished (delivered, failed, expired): enough to look into a delivery. */
export const TELEPHONY_COMMAND_HOURS = 24;

const defaultLimits: PurgeLimits = { batchSize: 1000, maxBatches: 20 };
/** Each delete is refused by the server past this, on top of the pass's own deadline. */
const STATEMENT_TIMEOUT_MS = 20_000;

/** Deletes with `batch` until a batch comes short, the batches run out or the pass is aborted; the rows deleted. */
async function inBatches(limits: PurgeLimits, signal: AbortSignal | undefined, batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < limits.maxBatches && !signal?.aborted; i++) {
    const deleted = await batch();
    total += deleted;
    if (deleted < limits.batchSize) break;
  }
  return total;
}

async function deleted(tx: Transaction<DB>, statement: RawBuilder<unknown>): Promise<number> {
  await sql`select set_config('statement_timeout', ${String(STATEMENT_TIMEOUT_MS)}, true)`.execute(tx);
  return (await statement.execute(tx)).rows.length;
}

export async function purgeSessions(deps: HousekeepingDeps, limits: PurgeLimits, signal?: AbortSignal): Promise<number> {
  const now = deps.now().getTime();
  const inactiveSince = new Date(now - deps.config.sessionInactivityDays * DAY_MS);
  const createdBefore = new Date(now - deps.config.sessionAbsoluteDays * DAY_MS);
  return inBatches(limits, signal, () =>
    withApp(deps.db, (tx) =>
      deleted(
        tx,
        sql`delete from sessions where id in (
              select id from sessions where last_verified_at < ${inactiveSince} or created_at < ${createdBefore}
              limit ${limits.batchSize})
            returning 1`,
      ),
    ),
  );
}

export async function purgeLoginThrottle(deps: HousekeepingDeps, limits: PurgeLimits, signal?: AbortSignal): Promise<number> {
  const now = deps.now();
  // A row whose window began before this counts nothing any more (recordFailure starts a new window).
  const windowOver = new Date(now.getTime() - deps.config.loginLockMinutes * 60_000);
  return inBatches(limits, signal, () =>
    withApp(deps.db, (tx) =>
      deleted(
        tx,
        sql`delete from login_throttle where key in (
              select key from login_throttle
              where window_started_at < ${windowOver} and (locked_until is null or locked_until <= ${now})
              limit ${limits.batchSize})
            returning 1`,
      ),
    ),
  );
}

export async function purgeTelephonySignatures(deps: HousekeepingDeps, limits: PurgeLimits, signal?: AbortSignal): Promise<number> {
  // Twice the window: a signature is refused as stale by then, whichever side of our clock its timestamp was.
  const seenBefore = new Date(deps.now().getTime() - 2 * SIGNATURE_WINDOW_SECONDS * 1000);
  return inBatches(limits, signal, () =>
    withApp(deps.db, (tx) =>
      deleted(
        tx,
        sql`delete from telephony_signatures where signature in (
              select signature from telephony_signatures where seen_at < ${seenBefore}
              limit ${limits.batchSize})
            returning 1`,
      ),
    ),
  );
}

/**
 * Tenant by tenant, under each tenant's own context (RLS): the tenants with rows to purge come from one
 * named cross-tenant read, then one bounded delete per tenant, until nothing is left, the batches are spent
 * or `signal` aborts.
 */
async function purgeTenantByTenant(
  deps: HousekeepingDeps,
  limits: PurgeLimits,
  signal: AbortSignal | undefined,
  tenantsWithRows: (limit: number) => Promise<string[]>,
  deleteBatch: RawBuilder<unknown>,
): Promise<number> {
  let total = 0;
  let batches = 0;
  while (batches < limits.maxBatches && !signal?.aborted) {
    const tenantIds = await tenantsWithRows(limits.maxBatches - batches);
    if (!tenantIds.length) break;
    for (const tenantId of tenantIds) {
      if (batches >= limits.maxBatches || signal?.aborted) break;
      batches++;
      total += await withTenant(deps.db, tenantId, (tx) => deleted(tx, deleteBatch));
    }
  }
  return total;
}

export async function purgeIdempotencyKeys(deps: HousekeepingDeps, limits: PurgeLimits, signal?: AbortSignal): Promise<number> {
  const createdBefore = new Date(deps.now().getTime() - IDEMPOTENCY_KEY_HOURS * HOUR_MS);
  return purgeTenantByTenant(
    deps,
    limits,
    signal,
    (limit) => housekeeping.tenantsWithIdempotencyKeysBefore(deps.db, createdBefore, limit),
    sql`delete from idempotency_keys where (tenant_id, scope, key) in (
          select tenant_id, scope, key from idempotency_keys where created_at < ${createdBefore}
          limit ${limits.batchSize})
        returning 1`,
  );
}

/** Finished commands (they carry numbers: a forward's target, a callee) a day after they were written. */
export async function purgeTelephonyCommands(deps: HousekeepingDeps, limits: PurgeLimits, signal?: AbortSignal): Promise<number> {
  const createdBefore = new Date(deps.now().getTime() - TELEPHONY_COMMAND_HOURS * HOUR_MS);
  return purgeTenantByTenant(
    deps,
    limits,
    signal,
    (limit) => telephony.tenantsWithFinishedCommandsBefore(deps.db, createdBefore, limit),
    sql`delete from telephony_commands where (tenant_id, id) in (
          select tenant_id, id from telephony_commands where status <> 'pending' and created_at < ${createdBefore}
          limit ${limits.batchSize})
        returning 1`,
  );
}

/** What callers did in a keypad menu is kept 400 days: a year of figures to compare a menu change against. */
export const MENU_VISIT_DAYS = 400;

export async function purgeMenuVisits(deps: HousekeepingDeps, limits: PurgeLimits, signal?: AbortSignal): Promise<number> {
  const startedBefore = new Date(deps.now().getTime() - MENU_VISIT_DAYS * DAY_MS);
  return purgeTenantByTenant(
    deps,
    limits,
    signal,
    (limit) => housekeeping.tenantsWithMenuVisitsBefore(deps.db, startedBefore, limit),
    sql`delete from menu_visits where (tenant_id, id) in (
          select tenant_id, id from menu_visits where started_at < ${startedBefore}
          limit ${limits.batchSize})
        returning 1`,
  );
}

/** One pass over every table; a table that fails does not keep the others from being purged. */
export async function housekeepOnce(deps: HousekeepingDeps, signal?: AbortSignal): Promise<PurgeReport> {
  const limits = { ...defaultLimits, ...deps.limits };
  const errors: unknown[] = [];
  const run = async (purge: (deps: HousekeepingDeps, limits: PurgeLimits, signal?: AbortSignal) => Promise<number>) => {
    try {
      return await purge(deps, limits, signal);
    } catch (error) {
      errors.push(error);
      return 0;
    }
  };
  const report: PurgeReport = {
    sessions: await run(purgeSessions),
    loginThrottle: await run(purgeLoginThrottle),
    idempotencyKeys: await run(purgeIdempotencyKeys),
    telephonySignatures: await run(purgeTelephonySignatures),
    telephonyCommands: await run(purgeTelephonyCommands),
    menuVisits: await run(purgeMenuVisits),
  };
  if (errors.length) throw new AggregateError(errors, `Housekeeping: ${errors.length} purge(s) failed`);
  return report;
}

export interface HousekeepingLoopDeps extends HousekeepingDeps {
  intervalMs?: number;
  timeoutMs?: number;
  onError?: (error: unknown) => void;
}

/** Purges every 10 minutes (the first pass a minute after start), each pass within 2 minutes. Returns stop. */
export function startHousekeeping(deps: HousekeepingLoopDeps): () => Promise<void> {
  return startPeriodic({
    name: 'Housekeeping',
    intervalMs: deps.intervalMs ?? 10 * 60_000,
    firstPassAfterMs: 60_000,
    timeoutMs: deps.timeoutMs ?? 2 * 60_000,
    pass: (signal) => housekeepOnce(deps, signal),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
