import { sql } from 'kysely';
import { connect, migrateToLatest, newId, withTenant, type Database } from '@switchboard/db';
import { createTenant } from '@switchboard/api';
import { foldCallsBatch } from '../../api/src/kpis/fold.ts';
import { readOperatorSums, readQueueSums } from '../../api/src/kpis/read.ts';
import { assertNodeVersion } from './node-version.ts';

assertNodeVersion();

const usage = `pnpm bench:reports [--calls 1000000] [--batch 5000] [--runs 5]

A month of a large company's calls (October 2026, Europe/Paris; three inbound functions, 40 operators): N
finished calls and their timelines' key events written by the server in bulk (generate_series) — answered
and wrapped up, abandoned (some short), transferred between two operators, after hours; callers drawn from a
pool so first-contact resolution has repeats — then folded into the quarter-hour statistics through the
KPI engine itself (api/src/kpis/fold.ts), batch after batch as the loop does: calls folded per second, i.e.
the incremental update's cost per call. Then the month's report reads (api/src/kpis/read.ts: queue sums by
day and by function, operator sums by operator), each the median of --runs runs after a warm-up, against a
raw SQL aggregate of the same month over the calls table on the same database in the same run.

With DATABASE_URL: a new database on that server, dropped afterwards. Without: embedded PGlite in memory
(slow: use --calls 20000). REPORTS_BENCH_CALLS sets the default of --calls. Figures only: nothing is asserted.`;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
if (process.argv.includes('--help')) {
  console.log(usage);
  process.exit(0);
}
const calls = arg('calls', Number(process.env.REPORTS_BENCH_CALLS ?? 1_000_000));
const batchSize = arg('batch', 5000);
const runs = arg('runs', 5);
const TIME_ZONE = 'Europe/Paris';
// October 2026 in Paris (31 days, one of them 25 hours long).
const monthStart = new Date('2026-09-30T22:00:00Z');
const monthEnd = new Date('2026-10-31T23:00:00Z');

const serverUrl = process.env.DATABASE_URL;
let database: Database;
let drop: (() => Promise<void>) | null = null;
if (serverUrl) {
  const name = `switchboard_bench_reports_${Date.now().toString(36)}`;
  const admin = await connect({ url: serverUrl, maxConnections: 1 });
  await sql.raw(`create database ${name}`).execute(admin.db);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  database = await connect({ url: url.toString(), maxConnections: 2 });
  drop = async () => {
    await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
    await admin.close();
  };
  // Interrupted (Ctrl-C, a timeout's SIGTERM): the month of calls is not left on the server.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: dropping ${name}`);
      void database
        .close()
        .catch(() => {})
        .then(() => drop?.())
        .finally(() => process.exit(130));
    });
  }
  console.log(`PostgreSQL (${name}, dropped afterwards)`);
} else {
  database = await connect({ dataDir: 'memory://' });
  console.log('Embedded PGlite in memory (set DATABASE_URL for PostgreSQL)');
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(work: () => Promise<unknown>): Promise<number> {
  await work();
  const took: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    await work();
    took.push(performance.now() - began);
  }
  return median(took);
}

try {
  const seedStart = performance.now();
  await migrateToLatest(database.db);
  const { tenant } = await createTenant(
    database.db,
    null,
    { slug: 'bench-reports', name: 'Bench Reports', legalName: 'Bench Reports SAS', timeZone: TIME_ZONE, locale: 'fr-FR', currency: 'EUR' },
    new Date(),
  );
  const operators = Array.from({ length: 40 }, () => newId());
  for (const [i, id] of operators.entries()) {
    await sql`insert into users (id, email, display_name, kind, password_hash) values (${id}::uuid, ${`bench-operator-${i}@switchboard.test`}, ${`Operator ${i + 1}`}, 'operator', 'bench-no-login')`.execute(database.db);
  }
  await withTenant(database.db, tenant.id, (tx) =>
    tx
      .insertInto('serviceContracts')
      .values({ tenantId: tenant.id, id: newId(), function: null, effectiveFrom: '2026-01-01', serviceLevelPercent: 80, serviceLevelSeconds: 20, createdAt: new Date(), updatedAt: new Date(), updatedBy: 'bench' })
      .execute(),
  );
  // Each call g: offered at an even spread over the month; kind by g % 100 — 0–1 after hours, 2–7 abandoned
  // (a third of them short), 8–12 transferred between two operators, the rest answered and wrapped up.
  const spreadMs = (monthEnd.getTime() - monthStart.getTime()) / calls;
  const chunk = 25_000;
  const ops = sql`(string_to_array(${operators.join(',')}, ',')::uuid[])`;
  for (let start = 0; start < calls; start += chunk) {
    const n = Math.min(chunk, calls - start);
    await withTenant(database.db, tenant.id, async (tx) => {
      await sql`
        create temporary table bench_calls on commit drop as
        select gen_random_uuid() as id, g, g % 100 as k,
               ${monthStart}::timestamptz + (g * ${spreadMs}::float8) * interval '1 millisecond' as t,
               (array['order_taking', 'information', 'complaints'])[1 + g % 3] as fn,
               '+3361' || lpad(((hashint4(g) & 2147483647) % 300000)::text, 7, '0') as caller,
               ${ops}[1 + g % 40] as op_a, ${ops}[1 + (g + 7) % 40] as op_b,
               5 + (hashint4(g + 1) & 2147483647) % 40 as wait_s, 60 + (hashint4(g + 2) & 2147483647) % 300 as talk_s, 5 + (hashint4(g + 3) & 2147483647) % 60 as wrap_s
          from generate_series(${start}::int, ${start + n - 1}::int) g`.execute(tx);
      await sql`
        insert into calls (tenant_id, id, external_id, function, dialled_number, caller_number, status, operator_id, offered_at, answered_at, ended_at, ended_by, wrap_up_ended_at, after_hours_action)
        select ${tenant.id}::uuid, id, 'bench-' || g, fn, '+33140000000', caller,
               case when k < 2 then 'after_hours' when k < 8 then 'abandoned' else 'completed' end,
               case when k < 8 then null when k < 13 then op_b else op_a end,
               t,
               case when k < 8 then null else t + wait_s * interval '1 second' end,
               case when k < 2 then t when k < 5 then t + 3 * interval '1 second' when k < 8 then t + wait_s * interval '1 second'
                    else t + (wait_s + talk_s) * interval '1 second' end,
               case when k < 2 then 'system' when k < 8 then 'caller' else 'caller' end,
               case when k < 8 then null else t + (wait_s + talk_s + wrap_s) * interval '1 second' end,
               case when k < 2 then 'message' else null end
          from bench_calls`.execute(tx);
      // The key events of each timeline, as the call paths write them.
      await sql`
        insert into call_events (tenant_id, id, call_id, at, kind, operator_id, detail)
        select ${tenant.id}::uuid, gen_random_uuid(), c.id, e.at, e.kind, e.op, '{}'::jsonb
          from bench_calls c, lateral (values
            (c.t, 'offered', null::uuid, true),
            (c.t, 'after_hours', null, c.k < 2),
            (c.t + 3 * interval '1 second', 'abandoned', null, c.k between 2 and 4),
            (c.t + c.wait_s * interval '1 second', 'abandoned', null, c.k between 5 and 7),
            (c.t + c.wait_s * interval '1 second', 'answered', c.op_a, c.k >= 8),
            (c.t + (c.wait_s + 30) * interval '1 second', 'transfer_requested', c.op_a, c.k between 8 and 12),
            (c.t + (c.wait_s + 40) * interval '1 second', 'answered', c.op_b, c.k between 8 and 12),
            (c.t + (c.wait_s + 50) * interval '1 second', 'wrap_up_done', c.op_a, c.k between 8 and 12),
            (c.t + (c.wait_s + c.talk_s) * interval '1 second', 'ended', case when c.k < 13 then c.op_b else c.op_a end, c.k >= 8),
            (c.t + (c.wait_s + c.talk_s + c.wrap_s) * interval '1 second', 'wrap_up_done', case when c.k < 13 then c.op_b else c.op_a end, c.k >= 8)
          ) as e(at, kind, op, keep)
         where e.keep`.execute(tx);
    });
    process.stdout.write(`\r  seeded ${(start + n).toLocaleString('en')} of ${calls.toLocaleString('en')} calls`);
  }
  await sql`analyze`.execute(database.db);
  console.log(`\n  seeding took ${seconds(performance.now() - seedStart)} s`);

  // The fold, batch after batch, each its own transaction, as the loop runs it.
  const foldStart = performance.now();
  let folded = 0;
  const now = new Date('2026-11-01T00:00:00Z');
  for (;;) {
    const result = await withTenant(database.db, tenant.id, (tx) => foldCallsBatch(tx, tenant.id, now, { batchSize }));
    folded += result.calls;
    process.stdout.write(`\r  folded ${folded.toLocaleString('en')} calls`);
    if (result.calls < batchSize) break;
  }
  const foldMs = performance.now() - foldStart;
  await sql`analyze`.execute(database.db);
  const rows = await withTenant(database.db, tenant.id, async (tx) => ({
    queue: Number((await sql<{ n: string }>`select count(*) as n from queue_intervals`.execute(tx)).rows[0]!.n),
    operators: Number((await sql<{ n: string }>`select count(*) as n from operator_intervals`.execute(tx)).rows[0]!.n),
  }));
  console.log(
    `\n  fold: ${folded.toLocaleString('en')} calls in ${seconds(foldMs)} s — ${Math.round(folded / (foldMs / 1000)).toLocaleString('en')} calls/s, ` +
      `${((foldMs * 1000) / folded).toFixed(0)} µs per call (batches of ${batchSize}); ${rows.queue.toLocaleString('en')} queue rows, ${rows.operators.toLocaleString('en')} operator rows\n`,
  );

  const month = { from: monthStart, to: monthEnd, timeZone: TIME_ZONE };
  let shape = '';
  const byDay = await time(() =>
    withTenant(database.db, tenant.id, async (tx) => {
      const days = await readQueueSums(tx, { ...month, groupBy: 'day' });
      shape = `${days.length} days, ${days.reduce((a, d) => a + d.sums.offered, 0).toLocaleString('en')} offered`;
    }),
  );
  const byFunction = await time(() => withTenant(database.db, tenant.id, (tx) => readQueueSums(tx, { ...month, groupBy: 'function' })));
  const byOperator = await time(() => withTenant(database.db, tenant.id, (tx) => readOperatorSums(tx, { ...month, groupBy: 'operator' })));
  const report = await time(() =>
    withTenant(database.db, tenant.id, async (tx) => {
      await readQueueSums(tx, { ...month, groupBy: 'day' });
      await readQueueSums(tx, { ...month, groupBy: 'function' });
      await readOperatorSums(tx, { ...month, groupBy: 'operator' });
    }),
  );
  // The same month as one raw aggregate over the calls themselves (what a report would cost without the intervals).
  const rawCalls = await time(() =>
    withTenant(database.db, tenant.id, async (tx) => {
      await sql`
        select to_char(offered_at at time zone ${TIME_ZONE}, 'YYYY-MM-DD') as day, count(*) filter (where status <> 'after_hours') as offered,
               count(answered_at) as answered, count(*) filter (where answered_at - offered_at <= interval '20 seconds') as in_target,
               count(*) filter (where status = 'abandoned') as abandoned,
               sum(extract(epoch from answered_at - offered_at)) as wait, sum(extract(epoch from wrap_up_ended_at - answered_at)) as handle
          from calls where offered_at >= ${monthStart} and offered_at < ${monthEnd}
         group by 1`.execute(tx);
    }),
  );
  console.log(`Month's report (October 2026, ${shape}), median of ${runs}:`);
  console.log(`  queue sums by day             ${byDay.toFixed(1)} ms`);
  console.log(`  queue sums by function        ${byFunction.toFixed(1)} ms`);
  console.log(`  operator sums by operator     ${byOperator.toFixed(1)} ms`);
  console.log(`  all three, one transaction    ${report.toFixed(1)} ms`);
  console.log(`  raw SQL over the calls (by day, one aggregate)  ${rawCalls.toFixed(1)} ms — ${(rawCalls / byDay).toFixed(0)}× the folded read by day`);
} finally {
  await database.close();
  await drop?.();
}
