import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createTenant, closePeriodsOnce, loadStatement, recordUsage, usageReport } from '@switchboard/api';
import { createTestDatabase, newId, withTenant, type Tenant } from '@switchboard/db';
import { assertNodeVersion } from './node-version.ts';

assertNodeVersion();

const usage = `pnpm bench:billing [--ratings N] [--volumes 10000,50000,200000]

Measures billing on a fresh database (embedded PGlite in memory, or — with DATABASE_URL — a new database
on that server, dropped afterwards, which needs CREATEDB):
  1. rating: N usage events written one per transaction through recordUsage, as a request writes them
     (price lookup, period, outbox row): events/s and latency per transaction;
  2. statements at each volume of usage events in one tenant's month (bulk-loaded, already rated):
     the open statement and the usage chart as the portal reads them (median of 5), then closing the
     month (freeze + local invoice) and reading the frozen statement;
  and the process's RSS. It prints figures; it asserts nothing.`;

const { values } = parseArgs({
  options: { ratings: { type: 'string', default: '2000' }, volumes: { type: 'string', default: '10000,50000,200000' }, help: { type: 'boolean' } },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const ratings = Number(values.ratings);
const volumes = values.volumes.split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const rss = () => `${Math.round(process.memoryUsage().rss / 1024 / 1024)} MB`;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await fn();
  return [performance.now() - started, result];
}

async function median(times: number, fn: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < times; i++) runs.push((await timed(fn))[0]);
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}

if (process.env.DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
const database = await createTestDatabase();
try {
  const db = database.db;
  // The month being measured: March 2025 in Paris, "now" on the 20th.
  const now = new Date('2025-03-20T12:00:00Z');
  const { tenant } = await createTenant(
    db,
    null,
    { slug: 'bench-billing', name: 'Bench Billing', legalName: 'Bench Billing SAS', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' },
    new Date('2025-01-01T00:00:00Z'),
  );
  const price = (fn: string | null, metric: string, amount: number, rounding: string | null = null) => ({
    id: newId(),
    function: fn,
    metric: metric as 'order',
    currency: 'EUR',
    unitAmountMinor: amount,
    rounding: rounding as null,
    effectiveFrom: '2000-01-01',
    createdBy: 'bench',
  });
  await db
    .insertInto('prices')
    .values([
      price('order_taking', 'handled_minute', 90, 'per_started_minute'),
      price('order_taking', 'order', 120),
      price('information', 'handled_minute', 80, 'per_second'),
      price('complaints', 'complaint', 450),
      price(null, 'platform_fee', 4900),
    ])
    .execute();

  console.log(`Billing benchmark on ${database.kind === 'pglite' ? 'embedded PGlite (in memory)' : `PostgreSQL (${database.location})`}, Node ${process.versions.node}`);

  // 1. Rating, one event per transaction as requests write them.
  const latencies: number[] = [];
  const kinds = [
    { function: 'order_taking', metric: 'talk_seconds' as const, quantity: () => 30 + Math.floor(Math.random() * 300) },
    { function: 'order_taking', metric: 'order' as const, quantity: () => 1 },
    { function: 'information', metric: 'talk_seconds' as const, quantity: () => 20 + Math.floor(Math.random() * 400) },
    { function: 'complaints', metric: 'complaint' as const, quantity: () => 1 },
  ];
  const ratingStarted = performance.now();
  for (let i = 0; i < ratings; i++) {
    const kind = kinds[i % kinds.length]!;
    const [took] = await timed(() =>
      withTenant(db, tenant.id, (tx) =>
        recordUsage(tx, { ...kind, quantity: kind.quantity(), sourceType: 'bench', sourceId: newId(), occurredAt: new Date(now.getTime() - (i % 400) * 3_600_000) }),
      ),
    );
    latencies.push(took);
  }
  const ratingSeconds = (performance.now() - ratingStarted) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `\nRating: ${ratings} usage events, one transaction each: ${(ratings / ratingSeconds).toFixed(0)} events/s, ` +
      `p50 ${ms(quantile(latencies, 0.5))}, p99 ${ms(quantile(latencies, 0.99))} per transaction (rss ${rss()})`,
  );

  // 2. Statements at growing volumes of (already rated) usage in the month.
  const billing: Pick<Tenant, 'id' | 'slug' | 'name' | 'timeZone' | 'currency' | 'createdAt'> = tenant;
  const count = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from usage_events where tenant_id = ${tenant.id} and billing_period = '2025-03-01'`.execute(db)).rows[0]!.n);
  console.log('\n| usage events in the month | open statement | usage chart | close (freeze + invoice) | frozen statement | rss |');
  console.log('|---|---|---|---|---|---|');
  for (const volume of volumes) {
    let have = await count();
    while (have < volume) {
      const batch = Math.min(2000, volume - have);
      await sql`
        insert into usage_events (tenant_id, id, occurred_at, function, metric, quantity, source_type, source_id,
                                  price_id, price_source, unit_amount_minor, rounding, billed_quantity, amount_minor, currency, billing_period)
        select ${tenant.id}::uuid, gen_random_uuid(), ${now}::timestamptz - (g % 400) * interval '1 hour',
               'order_taking', 'talk_seconds', 125, 'bulk', gen_random_uuid(),
               (select id from prices where function = 'order_taking' and metric = 'handled_minute'), 'list', 90, 'per_started_minute', 3, 270, 'EUR', '2025-03-01'
        from generate_series(1, ${batch}) g`.execute(db);
      have += batch;
    }
    const open = await median(5, () => withTenant(db, tenant.id, (tx) => loadStatement(tx, billing, '2025-03-01', now)));
    const chart = await median(5, () => withTenant(db, tenant.id, (tx) => usageReport(tx, billing, '2025-03-01', now)));
    console.log(`| ${have} | ${ms(open)} | ${ms(chart)} | | | ${rss()} |`);
  }
  // Close March (April 1st in Paris has begun), then read it back frozen.
  const [close] = await timed(() => closePeriodsOnce({ db, now: () => new Date('2025-04-01T00:30:00Z') }));
  const frozen = await median(5, () => withTenant(db, tenant.id, (tx) => loadStatement(tx, billing, '2025-03-01', now)));
  console.log(`| ${await count()} | | | ${ms(close)} | ${ms(frozen)} | ${rss()} |`);
  console.log('\nOpen statement and chart: summed from the rated events at each read (index on tenant, period, time).');
} finally {
  await database.close();
}
