import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type Database } from '@switchboard/db';
import { applyProvider, applyTenant, exportTenant, parseDefinitionFile, parseProviderYaml, parseTenantYaml, tenantToYaml } from './index.ts';

/** Prices in definition files: the provider's list (with scheduled changes) and a tenant's `billing` section. */
let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const day1 = new Date('2026-03-10T09:00:00Z');
const day2 = new Date('2026-03-11T09:00:00Z');
const day3 = new Date('2026-04-02T09:00:00Z');

const provider = (prices: string) => `staff: []\nprices:\n${prices}`;
const tenantFile = (billing: string) => `tenant:
  slug: fleurs-lyon
  name: Fleurs de Lyon
  legalName: Fleurs de Lyon SARL
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
${billing}`;

const listVersions = async () =>
  (
    await database.db
      .selectFrom('prices')
      .select(['function', 'metric', 'currency', 'unitAmountMinor', 'rounding', 'effectiveFrom', 'effectiveTo'])
      .orderBy('metric')
      .orderBy('currency')
      .orderBy('effectiveFrom')
      .execute()
  ).map((v) => ({ ...v, unitAmountMinor: Number(v.unitAmountMinor) }));

describe('prices in the provider file', () => {
  it('reads issue-3 entries as they were, defaulting talk time to per started minute', () => {
    const parsed = parseProviderYaml(provider('  - {function: information, metric: handled_minute, unitPriceMinor: 95, currency: EUR}\n'));
    expect(parsed.prices).toEqual([{ function: 'information', metric: 'handled_minute', currency: 'EUR', unitPriceMinor: 95, rounding: 'per_started_minute' }]);
  });

  it('reports every invalid entry with its path, with the API’s own rules', () => {
    const { errors } = parseDefinitionFile(
      provider(`  - {function: order_taking, metric: order, unitPriceMinor: -1, currency: EUR}
  - {function: order_taking, metric: order, unitPriceMinor: 120, currency: XYZ, rounding: per_second}
  - {function: information, metric: platform_fee, unitPriceMinor: 4900, currency: EUR}
  - {function: surveys, metric: completed_survey, unitPriceMinor: 350, currency: EUR}
  - {function: surveys, metric: completed_survey, unitPriceMinor: 360, currency: EUR}
  - {function: telesales, metric: order, unitPriceMinor: 10, currency: EUR, effectiveTo: "2026-05-01"}
  - {function: telesales, metric: order, unitPriceMinor: 12, currency: EUR, effectiveFrom: "2026-04-01"}
`),
      'provider.yaml',
    );
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'prices[0].unitPriceMinor: A price cannot be negative.',
      'prices[1].currency: Use an ISO 4217 currency code such as EUR.',
      'prices[1].rounding: Only handled minutes are rounded: leave rounding out of an order price.',
      'prices[2].function: A platform fee is priced per tenant and month, not per function: set function to null.',
      'prices[4].effectiveFrom: surveys completed_survey EUR already has a price in effect at [3]: give this one the day it starts (effectiveFrom).',
      'prices[5].effectiveTo: Overlaps [6], which starts on 2026-04-01.',
    ]);
  });

  it('applies the prices in effect and the scheduled ones; again, nothing changes; the past is never rewritten', async () => {
    const file = parseProviderYaml(
      provider(`  - {function: order_taking, metric: order, unitPriceMinor: 120, currency: EUR}
  - {function: order_taking, metric: order, unitPriceMinor: 130, currency: EUR, effectiveFrom: "2026-04-01"}
  - {function: telesales, metric: handled_minute, unitPriceMinor: 110, currency: EUR, rounding: per_second}
  - {metric: platform_fee, unitPriceMinor: 4900, currency: EUR}
`),
    );
    const first = await applyProvider(database.db, file, { now: day1 });
    expect(first.outcome).toBe('applied');
    expect(first.prices).toBe('changed');
    expect(first.priceChanges).toEqual([
      'order_taking order EUR: 1.20 EUR from 2026-03-10',
      'order_taking order EUR: 1.30 EUR scheduled from 2026-04-01',
      'telesales handled_minute EUR: 1.10 EUR per second from 2026-03-10',
      'platform_fee EUR: 49.00 EUR from 2026-03-10',
    ]);
    expect(await listVersions()).toEqual([
      { function: 'telesales', metric: 'handled_minute', currency: 'EUR', unitAmountMinor: 110, rounding: 'per_second', effectiveFrom: '2026-03-10', effectiveTo: null },
      { function: 'order_taking', metric: 'order', currency: 'EUR', unitAmountMinor: 120, rounding: null, effectiveFrom: '2026-03-10', effectiveTo: '2026-04-01' },
      { function: 'order_taking', metric: 'order', currency: 'EUR', unitAmountMinor: 130, rounding: null, effectiveFrom: '2026-04-01', effectiveTo: null },
      { function: null, metric: 'platform_fee', currency: 'EUR', unitAmountMinor: 4900, rounding: null, effectiveFrom: '2026-03-10', effectiveTo: null },
    ]);
    expect((await applyProvider(database.db, file, { now: day1 })).prices).toBe('unchanged');
    // Once the scheduled day has come, the same file still says exactly what is stored.
    expect((await applyProvider(database.db, file, { now: day3 })).prices).toBe('unchanged');

    // A new file the next day: a changed price starts that day, a price left out ends that day, a scheduled one goes.
    const changed = parseProviderYaml(
      provider(`  - {function: order_taking, metric: order, unitPriceMinor: 125, currency: EUR}
  - {metric: platform_fee, unitPriceMinor: 4900, currency: EUR}
`),
    );
    const second = await applyProvider(database.db, changed, { now: day2 });
    expect(second.priceChanges).toEqual([
      'order_taking order EUR: 1.20 EUR → 1.25 EUR from 2026-03-11',
      'order_taking order EUR: scheduled 1.30 EUR from 2026-04-01 removed',
      'telesales handled_minute EUR: 1.10 EUR per second ends 2026-03-11',
    ]);
    expect((await listVersions()).filter((v) => v.metric !== 'platform_fee').map((v) => [v.function, v.unitAmountMinor, v.effectiveFrom, v.effectiveTo])).toEqual([
      ['telesales', 110, '2026-03-10', '2026-03-11'],
      ['order_taking', 120, '2026-03-10', '2026-03-11'],
      ['order_taking', 125, '2026-03-11', null],
    ]);
    const audit = await database.db.selectFrom('platformAuditLog').select('action').where('action', 'like', 'prices.%').execute();
    expect(audit).toEqual([{ action: 'prices.changed' }, { action: 'prices.changed' }]);
  });

  it('starts a price never set before on the past day its entry names, but a change to it only today', async () => {
    const moveIn = (amount: number) => parseProviderYaml(provider(`  - {function: surveys, metric: completed_survey, unitPriceMinor: ${amount}, currency: RUB, effectiveFrom: "2026-01-01"}
`));
    const surveys = async () => (await listVersions()).filter((v) => v.metric === 'completed_survey').map((v) => [v.unitAmountMinor, v.effectiveFrom, v.effectiveTo]);
    expect((await applyProvider(database.db, moveIn(25000), { now: day2 })).priceChanges).toContain('surveys completed_survey RUB: 250.00 RUB from 2026-01-01');
    expect(await surveys()).toEqual([[25000, '2026-01-01', null]]);
    // Now that it has a past, the same entry with another amount cannot rewrite it: the change starts today.
    await applyProvider(database.db, moveIn(26000), { now: day3 });
    expect(await surveys()).toEqual([
      [25000, '2026-01-01', '2026-04-02'],
      [26000, '2026-04-02', null],
    ]);
  });
});

describe('the billing section of a tenant file', () => {
  const billing = `billing:
  minimumCommitmentMinor: 150000
  dedicatedSeats: 2
  prices:
    - {function: order_taking, metric: order, unitPriceMinor: 95}
    - {function: order_taking, metric: order, unitPriceMinor: 90, effectiveFrom: "2026-05-01", effectiveTo: "2026-06-01"}
    - {function: information, metric: handled_minute, unitPriceMinor: 80}
`;

  it('refuses a currency (a tenant’s prices are in its own) and bad values, with their paths', () => {
    const { errors } = parseDefinitionFile(
      tenantFile(`billing:
  minimumCommitmentMinor: -5
  dedicatedSeats: 1.5
  prices:
    - {function: order_taking, metric: order, unitPriceMinor: 95, currency: EUR}
    - {metric: seat, unitPriceMinor: 300000, rounding: per_second}
`),
      'fleurs.yaml',
    );
    expect(errors.map((e) => e.path)).toEqual(['billing.minimumCommitmentMinor', 'billing.dedicatedSeats', 'billing.prices[0].currency', 'billing.prices[1].rounding']);
  });

  it('applies the account and negotiated prices, exports them back, and applying the export changes nothing', async () => {
    const definition = parseTenantYaml(tenantFile(billing));
    const applied = await applyTenant(database.db, definition, { now: day2 });
    expect(applied.outcome, applied.errors.join('\n')).toBe('created');
    expect(applied.changes.filter((c) => c.startsWith('billing'))).toEqual([
      'billing.minimumCommitmentMinor: 0 → 150000',
      'billing.dedicatedSeats: 0 → 2',
      'billing.prices: information handled_minute EUR: 0.80 EUR per started minute from 2026-03-11',
      'billing.prices: order_taking order EUR: 0.95 EUR from 2026-03-11',
      'billing.prices: order_taking order EUR: 0.90 EUR scheduled from 2026-05-01 until 2026-06-01',
    ]);

    const exported = await exportTenant(database.db, 'fleurs-lyon', { now: day2 });
    expect(exported?.billing).toEqual(definition.billing);
    expect(parseTenantYaml(tenantToYaml(exported!))).toEqual(exported);
    expect(tenantToYaml(exported!)).toContain('- {function: order_taking, metric: order, unitPriceMinor: 90, effectiveFrom: "2026-05-01", effectiveTo: "2026-06-01"}');

    const again = await applyTenant(database.db, exported!, { now: day2 });
    expect([again.outcome, again.changes]).toEqual(['unchanged', []]);
    const rows = await database.db.selectFrom('tenantPrices').select(['function', 'unitAmountMinor', 'effectiveFrom', 'effectiveTo']).orderBy('effectiveFrom').execute();
    expect(rows).toHaveLength(3);
  });

  it('leaves what a section does not mention alone', async () => {
    const result = await applyTenant(database.db, parseTenantYaml(tenantFile('billing:\n  dedicatedSeats: 3\n')), { now: day2 });
    expect(result.changes).toEqual(['billing.dedicatedSeats: 2 → 3']);
    const exported = await exportTenant(database.db, 'fleurs-lyon', { now: day2 });
    expect(exported?.billing).toMatchObject({ minimumCommitmentMinor: 150000, dedicatedSeats: 3 });
    expect(exported?.billing?.prices).toHaveLength(3);
  });
});
