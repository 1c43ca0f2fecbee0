import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerStaffKinds, withTenant, type Tenant } from '@switchboard/db';
import {
  actorFor,
  countRows,
  createHarness,
  describeOp,
  insertListPrice,
  logIn,
  seedClientUser,
  seedOperator,
  seedBillingRecords,
  seedTenant,
  seedUser,
  snapshotTenant,
  tenantTables,
  uniqueEmail,
  uniqueSlug,
  urlFor,
  uuidsOfTenant,
  writeThroughDocumentedRoutes,
  type ApiOperation,
  type Client,
  type Harness,
  type Snapshot,
} from './support/index.ts';
import { seedCallRecords } from './support/routing.ts';
import { seedCampaign } from './support/campaigns.ts';
import { seedOutboundRecords } from './support/outbound.ts';
import { seedKpiRecords } from './support/kpis.ts';
import { seedIvrRecords } from './support/ivr.ts';
import { runRetentionOnce } from '@switchboard/api';

/**
 * DESIGN.md tenancy rules 2–5, end to end: tenant A's users, through every documented route that
 * names a tenant, can neither see nor change tenant B, nor learn whether B's objects exist.
 */
let h: Harness;
let a: Tenant;
let b: Tenant;
let admin: Client;
let clientOfA: Client;
let operatorOfA: Client;
/** Every uuid found in B's rows, gathered generically from every tenant table. */
let idsOfB: string[];
/** Provider staff accounts are global, not B's objects: a provider admin may legitimately act on them in A. */
let staffIds: Set<string>;
let tenantRoutes: ApiOperation[];
let before: Snapshot;

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  const tenants: Tenant[] = [];
  for (const label of ['alpha', 'bravo']) {
    const { tenant } = await seedTenant(h.db, {
      slug: uniqueSlug(label),
      actor: actorFor(provider),
      clientAdmin: { email: uniqueEmail(`first-admin-${label}`), displayName: `First admin ${label}` },
    });
    tenants.push(tenant);
  }
  [a, b] = tenants as [Tenant, Tenant];
  const clientA = await seedClientUser(h.db, a, 'client_admin');
  await seedClientUser(h.db, b, 'client_admin');
  const operatorA = await seedOperator(h.db, [a]);
  const operatorB = await seedOperator(h.db, [b]);

  // Rows the routes write themselves too: members, assignments and their audit rows in both tenants.
  admin = await logIn(h.app, provider);
  for (const [tenant, operator] of [[a, operatorA], [b, operatorB]] as const) {
    const invited = await admin.post(`/api/t/${tenant.slug}/members`, {
      email: uniqueEmail('invited'),
      displayName: 'Invited member',
      role: 'client_member',
    });
    expect(invited.status).toBe(201);
    const assigned = await admin.put(`/api/t/${tenant.slug}/operators/${operator.id}`, { skills: ['complaints', 'order_taking'] });
    expect(assigned.status).toBe(200);
  }

  // Every other documented write, in both tenants (see writeThroughDocumentedRoutes).
  const operations = await writeThroughDocumentedRoutes(h.app, admin, [a, b]);
  // Calls arrive through the telephony boundary, not a tenant route: their records are seeded.
  for (const tenant of [a, b]) await seedCallRecords(h.db, tenant);
  // A campaign with a contact list in both (issue 15): it needs a number, a delegated function and a published script first.
  for (const tenant of [a, b]) await seedCampaign(h.db, admin, tenant, h.clock.now());
  // Outbound (issue 15): campaigns, their contacts, attempts and refusals come from the dialer, not a tenant route.
  for (const tenant of [a, b]) await seedOutboundRecords(h.db, tenant);
  // Contracts, interval statistics, credits and quality (issue 16).
  for (const tenant of [a, b]) await seedKpiRecords(h.db, tenant);
  // Keypad menus and their recordings (issue 17).
  for (const tenant of [a, b]) await seedIvrRecords(h.db, tenant);
  // Billing rows in both: negotiated price, account, a billed order (with its outbox row), last month closed and invoiced.
  await insertListPrice(h.db, { function: 'order_taking', metric: 'order', unitAmountMinor: 120 });
  await seedBillingRecords(h.db, [a, b]);
  // A retention run in both (retention_runs): nothing is old enough to remove, but each run is recorded.
  await runRetentionOnce({ db: h.db, now: h.clock.now });

  clientOfA = await logIn(h.app, clientA);
  operatorOfA = await logIn(h.app, operatorA);
  idsOfB = await uuidsOfTenant(h.db, b.id);
  const staff = await h.db.selectFrom('users').select('id').where('kind', 'in', [...providerStaffKinds]).execute();
  staffIds = new Set(staff.map((s) => s.id));
  tenantRoutes = operations.filter((op) => op.pathParams.includes('tenant'));
  before = await snapshotTenant(h.db, b.id);
});

afterAll(() => h?.close());

/** The tenant routes that read billing data (issue 5), each swept below like every other tenant route. */
const billingReads = ['billing/prices', 'billing/account', 'usage', 'statements', 'statements/{period}', 'invoices'];

const sameAnswer = (res: { status: number; contentType: string | null; text: string }) => ({
  status: res.status,
  contentType: res.contentType,
  body: res.text,
});

// Each sweep tries every tenant route as two users; it grows with the API (about 20 s alone on PGlite,
// several times that when the machine is busy with the other test files).
const SWEEP_TIMEOUT_MS = 300_000;

describe('tenant isolation', () => {
  it('has rows of both tenants in every tenant table, so every table is really tried', async () => {
    const tables = await tenantTables(h.db);
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['audit_log', 'operator_assignments', 'tenant_members']));
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['tenant_prices', 'billing_accounts', 'statements', 'statement_lines', 'invoices', 'billing_outbox', 'usage_events']),
    );
    // Issue 14: the answers and the survey counts kept from them (migration 0028), seeded through the counting triggers.
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['call_answer_sets', 'call_answers', 'survey_tallies', 'survey_question_counts', 'survey_value_counts', 'survey_word_counts']),
    );
    for (const table of tables) {
      expect(await countRows(h.db, table, a.id), `${table.label} has rows of A`).toBeGreaterThan(0);
      expect(await countRows(h.db, table, b.id), `${table.label} has rows of B (seed some in this file)`).toBeGreaterThan(0);
    }
    expect(idsOfB).toContain(b.id);
  });

  it('sees B without the role switch, and nothing of B inside withTenant(A)', async () => {
    for (const table of await tenantTables(h.db)) {
      // The connecting role is a superuser (PGlite, and the test server): it skips RLS, even forced.
      expect(await countRows(h.db, table, b.id), `${table.label} as the connecting role`).toBeGreaterThan(0);
      const asA = await withTenant(h.db, a.id, async (tx) => ({
        ofB: await countRows(tx, table, b.id),
        all: await countRows(tx, table),
      }));
      expect(asA.ofB, `${table.label}: B's rows seen as A`).toBe(0);
      expect(asA.all, `${table.label}: A sees exactly its own rows`).toBe(await countRows(h.db, table, a.id));
      const fromB = await withTenant(h.db, b.id, (tx) => countRows(tx, table, b.id));
      expect(fromB, `${table.label}: B sees its own rows`).toBe(await countRows(h.db, table, b.id));
    }
  });

  it('finds the tenant routes in the OpenAPI document, and B is there to be seen by the provider', async () => {
    expect(tenantRoutes.map(describeOp)).toEqual(
      expect.arrayContaining(['GET /api/tenants/{tenant}', 'GET /api/t/{tenant}/members', 'DELETE /api/t/{tenant}/members/{userId}']),
    );
    expect(tenantRoutes.map(describeOp)).toEqual(expect.arrayContaining(billingReads.map((path) => `GET /api/t/{tenant}/${path}`)));
    expect(tenantRoutes.map(describeOp)).toContain('GET /api/t/{tenant}/go-live');
    // Issue 16, quality: settings, samples and calibration sessions are swept like every other tenant route.
    expect(tenantRoutes.map(describeOp)).toEqual(
      expect.arrayContaining([
        'GET /api/t/{tenant}/quality/settings',
        'PUT /api/t/{tenant}/quality/settings',
        'GET /api/t/{tenant}/quality/samples',
        'POST /api/t/{tenant}/quality/samples/run',
        'GET /api/t/{tenant}/quality/calibrations',
        'GET /api/t/{tenant}/quality/calibration-options',
        'POST /api/t/{tenant}/quality/calibrations',
        'GET /api/t/{tenant}/quality/calibrations/{id}',
        'POST /api/t/{tenant}/quality/calibrations/{id}/close',
      ]),
    );
    expect(tenantRoutes.map(describeOp)).toEqual(
      expect.arrayContaining(['POST /api/t/{tenant}/billing/prices', 'DELETE /api/t/{tenant}/billing/prices/{id}', 'PUT /api/t/{tenant}/billing/account', 'POST /api/billing/tenants/{tenant}/suspend', 'POST /api/t/{tenant}/invoices/{id}/payment']),
    );
    expect((await admin.get(`/api/tenants/${b.slug}`)).status).toBe(200);
    expect((await admin.get(`/api/t/${b.slug}/members`)).status).toBe(200);
    expect((await clientOfA.get(`/api/t/${a.slug}/members`)).status).toBe(200);
    expect((await operatorOfA.get(`/api/t/${a.slug}/operators`)).status).toBe(200);
  });

  it("answers B's slug to A's client user and A's operator exactly as a slug that does not exist", async () => {
    const missingSlug = uniqueSlug('missing');
    const mismatches: string[] = [];
    let tries = 0;
    for (const [who, client] of [['client of A', clientOfA], ['operator of A', operatorOfA]] as const) {
      for (const op of tenantRoutes) {
        const others = op.pathParams.filter((p) => p !== 'tenant');
        const idSets = others.length ? [...idsOfB, randomUUID()] : [undefined];
        for (const id of idSets) {
          const values = Object.fromEntries(others.map((p) => [p, id ?? '']));
          const probe = await client.request(op.method, urlFor(op, { ...values, tenant: b.slug }), op.body);
          const control = await client.request(op.method, urlFor(op, { ...values, tenant: missingSlug }), op.body);
          tries++;
          if (probe.status !== 404 || JSON.stringify(sameAnswer(probe)) !== JSON.stringify(sameAnswer(control))) {
            mismatches.push(`${who} ${describeOp(op)} ${id ?? ''}: ${probe.status} ${probe.text} vs ${control.status} ${control.text}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(tries).toBeGreaterThan(tenantRoutes.length);
  }, SWEEP_TIMEOUT_MS);

  it("answers B's object ids under A's slug exactly as an id that exists nowhere", async () => {
    const routesWithIds = tenantRoutes.filter((op) => op.pathParams.some((p) => p !== 'tenant'));
    expect(routesWithIds.length).toBeGreaterThan(0);
    const mismatches: string[] = [];
    const users = [
      ['client of A', clientOfA, idsOfB],
      ['operator of A', operatorOfA, idsOfB],
      ['provider admin', admin, idsOfB.filter((id) => !staffIds.has(id))],
    ] as const;
    for (const [who, client, ids] of users) {
      for (const op of routesWithIds) {
        const nowhere = randomUUID();
        const reference = await client.request(op.method, urlFor(op, { tenant: a.slug }, nowhere), op.body);
        const expected = JSON.stringify(sameAnswer(reference)).replaceAll(nowhere, '<id>');
        for (const id of ids) {
          const probe = await client.request(op.method, urlFor(op, { tenant: a.slug }, id), op.body);
          const got = JSON.stringify(sameAnswer(probe)).replaceAll(id, '<id>');
          if (got !== expected) mismatches.push(`${who} ${describeOp(op)} ${id}: ${got} vs ${expected}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, SWEEP_TIMEOUT_MS);

  it("never shows B's billing data in A's prices, account, usage, statements and invoices", async () => {
    const ofA = new Set(await uuidsOfTenant(h.db, a.id));
    const listPrices = new Set((await h.db.selectFrom('prices').select('id').execute()).map((p) => p.id));
    // B's own ids: not A's too, not a global list price both were rated at, not a staff account.
    const onlyOfB = idsOfB.filter((id) => !ofA.has(id) && !listPrices.has(id) && !staffIds.has(id));
    const invoiceNumbersOfB = (await h.db.selectFrom('invoices').select('number').where('tenantId', '=', b.id).execute()).map((i) => i.number!);
    expect(invoiceNumbersOfB.length).toBeGreaterThan(0);
    const closedOfA = await h.db.selectFrom('statements').select('period').where('tenantId', '=', a.id).execute();
    expect(closedOfA.length).toBeGreaterThan(0);
    const month = closedOfA[0]!.period.slice(0, 7);
    const leaks: string[] = [];
    for (const [who, client] of [['client admin of A', clientOfA], ['provider admin', admin]] as const) {
      for (const path of [...billingReads.filter((p) => !p.includes('{')), `statements/${month}`, `usage?period=${month}`]) {
        const res = await client.get(`/api/t/${a.slug}/${path}`);
        if (res.status !== 200) leaks.push(`${who} GET ${path}: ${res.status} ${res.text}`);
        for (const secret of [...onlyOfB, ...invoiceNumbersOfB, b.slug]) if (res.text.includes(secret)) leaks.push(`${who} GET ${path} shows ${secret}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it("never shows B's figures in A's reports, Overview or exports (issue 16)", async () => {
    const paths = ['service-level', 'service-level?by=interval', 'volumes', 'operators', 'campaigns'];
    const month = h.clock.now().toISOString().slice(0, 7);
    const range = `from=${month}-01&to=${h.clock.now().toISOString().slice(0, 10)}`;
    expect(tenantRoutes.map(describeOp)).toEqual(expect.arrayContaining(['GET /api/t/{tenant}/reports/service-level', 'GET /api/t/{tenant}/reports/operators', 'GET /api/t/{tenant}/reports/export', 'GET /api/t/{tenant}/reports/overview']));
    const ofA = new Set(await uuidsOfTenant(h.db, a.id));
    const onlyOfB = idsOfB.filter((id) => !ofA.has(id) && !staffIds.has(id));
    const leaks: string[] = [];
    for (const [who, client] of [['client admin of A', clientOfA], ['provider admin', admin]] as const) {
      const urls = [
        ...paths.map((p) => `/api/t/${a.slug}/reports/${p}${p.includes('?') ? '&' : '?'}${range}`),
        `/api/t/${a.slug}/reports/overview`,
        ...['service_level', 'volumes', 'operators', 'campaigns'].map((r) => `/api/t/${a.slug}/reports/export?report=${r}&${range}`),
      ];
      for (const url of urls) {
        const res = await client.get(url);
        if (res.status !== 200) leaks.push(`${who} GET ${url}: ${res.status} ${res.text}`);
        for (const secret of [...onlyOfB, b.slug, b.name]) if (res.text.includes(secret)) leaks.push(`${who} GET ${url} shows ${secret}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  // Runs after the tries above (a file's tests run in order).
  it("leaves B's data byte-for-byte unchanged after every try", async () => {
    expect(await snapshotTenant(h.db, b.id)).toEqual(before);
    expect(before['public.tenants']).toHaveLength(1);
  });
});

describe('row-level security itself', () => {
  it("refuses to write B's rows from A's transaction, and cannot touch them", async () => {
    const auditOfB = (await tenantTables(h.db)).find((t) => t.name === 'audit_log')!;
    const countBefore = await countRows(h.db, auditOfB, b.id);
    await expect(
      withTenant(h.db, a.id, (tx) =>
        tx
          .insertInto('auditLog')
          .values({ tenantId: b.id, id: randomUUID(), actorLabel: 'intruder', action: 'intrusion', targetType: 'tenant' })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    const changed = await withTenant(h.db, a.id, async (tx) => {
      const members = await tx.updateTable('tenantMembers').set({ role: 'client_admin' }).where('tenantId', '=', b.id).executeTakeFirst();
      const gone = await tx.deleteFrom('operatorAssignments').where('tenantId', '=', b.id).executeTakeFirst();
      return Number(members.numUpdatedRows) + Number(gone.numDeletedRows);
    });
    expect(changed).toBe(0);
    expect(await countRows(h.db, auditOfB, b.id)).toBe(countBefore);
    expect(await snapshotTenant(h.db, b.id)).toEqual(before);
  });
});
