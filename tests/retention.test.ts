import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { closePeriodsOnce, recordUsage, replaceRules, rules, retentionPlan, runRetentionOnce, type RetentionDeps } from '@switchboard/api';
import { jsonb, newId, retention, withTenant, type DB, type Tenant } from '@switchboard/db';
import { DAY, MINUTE, createHarness, insertListPrice, logIn, seedClientUser, seedTenant, seedUser, type Client, type Harness } from './support/index.ts';

/**
 * The retention job (issue 11): personal data past a tenant's periods is removed once a day, whatever
 * the number of processes, and what billing and the audit need stays exactly as it was.
 *
 * One timeline: records are written 60 days (old) and 5 days (recent) before "now"; a call 20 days old
 * has a recording. `short` keeps personal data 30 days and recordings 10; `long` keeps both 400 days.
 */
let h: Harness;
let short: Tenant;
let long: Tenant;
let never: Tenant;
let shortAdmin: Client;
let shortMember: Client;
let longAdmin: Client;
let supervisor: Client;

const deps = (extra: Partial<RetentionDeps> = {}): RetentionDeps => ({ db: h.db, now: h.clock.now, onError: (e) => { throw e; }, ...extra });

/** What a person left with the tenant: every value is unique, so finding it anywhere afterwards is a leak. */
function personOf(label: string, tenant: Tenant) {
  const tag = `${label}-${tenant.slug}`;
  const digits = String(Math.floor(Math.random() * 9_000_000) + 1_000_000);
  return {
    phone: `+3361${digits}`,
    name: `Name ${tag}`,
    email: `${tag}@example.org`,
    address: `1 rue ${tag}`,
    note: `Note ${tag}`,
    answer: `Answer ${tag}`,
    draft: `Draft ${tag}`,
    transferNote: `Transfer ${tag}`,
    delivery: `Delivery ${tag}`,
    reference: `REF-${digits}`,
    complaint: `Complaint ${tag}`,
    resolution: `Resolution ${tag}`,
    question: `Question ${tag}`,
    reply: `Reply ${tag}`,
    recording: `rec-${tag}`,
  };
}
type Person = ReturnType<typeof personOf>;
const secretsOf = (p: Person) => Object.values(p);

/** One contact with everything a person leaves: customer, call (timeline, draft, recording), order, complaint, request, callback. */
async function seedPerson(tenant: Tenant, p: Person, at: Date, recordingAt: Date = at): Promise<{ callId: string; orderId: string }> {
  const customerId = newId();
  const callId = newId();
  const recordingCallId = newId();
  const orderId = newId();
  await withTenant(h.db, tenant.id, async (tx) => {
    await tx
      .insertInto('customers')
      .values({ tenantId: tenant.id, id: customerId, phone: p.phone, name: p.name, email: p.email, address: p.address, birthDate: '1980-02-03', accountNumber: p.reference, createdAt: at, updatedAt: at })
      .execute();
    const call = (id: string, offeredAt: Date, recordingRef: string | null) => ({
      tenantId: tenant.id,
      id,
      externalId: `sim-${id}`,
      function: 'order_taking',
      dialledNumber: '+33140000000',
      callerNumber: p.phone,
      status: 'completed' as const,
      customerId,
      notes: p.note,
      recordingRef,
      offeredAt,
      answeredAt: new Date(offeredAt.getTime() + 5000),
      endedAt: new Date(offeredAt.getTime() + 65_000),
      endedBy: 'caller' as const,
      disposition: null,
      draftNotes: p.draft,
      draftScriptAnswers: jsonb({ step1: p.answer }),
      draftSavedAt: offeredAt,
    });
    await tx.insertInto('calls').values(call(callId, at, null)).execute();
    await tx.insertInto('calls').values(call(recordingCallId, recordingAt, p.recording)).execute();
    const event = (cid: string, kind: string, when: Date, detail: Record<string, unknown>) => ({ tenantId: tenant.id, id: newId(), callId: cid, at: when, kind, detail: jsonb(detail) });
    await tx
      .insertInto('callEvents')
      .values([
        event(callId, 'answered', at, {}),
        event(callId, 'transfer_requested', at, { target: { kind: 'skill', skill: 'order_taking' }, note: p.transferNote }),
        event(callId, 'wrap_up_done', at, { disposition: 'sale', notes: p.note, scriptAnswers: { step1: p.answer } }),
        event(recordingCallId, 'recording', recordingAt, { ref: p.recording }),
      ])
      .execute();
    await tx.insertInto('callbackRequests').values({ tenantId: tenant.id, id: newId(), callId, function: 'order_taking', callerNumber: p.phone, requestedAt: at }).execute();
    const number = Number((await tx.selectFrom('orders').select((eb) => eb.fn.max('number').as('n')).executeTakeFirst())?.n ?? 0) + 1;
    await tx
      .insertInto('orders')
      .values({
        tenantId: tenant.id,
        id: orderId,
        number,
        callId,
        customerId,
        items: jsonb([{ sku: 'PIZZA', name: 'Margherita', quantity: 2, unitPriceMinor: 950, lineTotalMinor: 1900 }]),
        currency: 'EUR',
        subtotalMinor: 1900,
        totalMinor: 1900,
        deliveryAddress: p.delivery,
        paymentMethod: 'invoice',
        paymentReference: p.reference,
        notes: p.note,
        createdAt: at,
        updatedAt: at,
      })
      .execute();
    await recordUsage(tx, { tenantId: tenant.id, function: 'order_taking', metric: 'order', quantity: 1, sourceType: 'order', sourceId: orderId, occurredAt: at });
    await tx
      .insertInto('complaints')
      .values({ tenantId: tenant.id, id: newId(), number, callId, customerId, category: 'Delivery', severity: 'medium', description: p.complaint, desiredResolution: p.resolution, dueAt: at, createdAt: at, updatedAt: at })
      .execute();
    await tx
      .insertInto('informationRequests')
      .values({ tenantId: tenant.id, id: newId(), callId, customerId, topic: 'Opening hours', question: p.question, answer: p.reply, createdAt: at })
      .execute();
  });
  return { callId, orderId };
}

/** Every row of every tenant table of a tenant, as text, read as the connecting role (no RLS): where a leak would show. */
async function everyRowOf(db: Kysely<DB>, tenantId: string): Promise<string[]> {
  const tables = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id'
    where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace order by 1`.execute(db);
  const rows: string[] = [];
  for (const { name } of tables.rows) {
    const found = await sql<{ row: string }>`select t::text as row from ${sql.table(name)} t where t.tenant_id = ${tenantId}`.execute(db);
    rows.push(...found.rows.map((r) => `${name}: ${r.row}`));
  }
  return rows;
}

const leaks = (rows: string[], secrets: string[]) => rows.filter((row) => secrets.some((s) => row.includes(s)));

/** What billing rests on, as stored: usage, statements and their lines, invoices, and every order's figures. */
async function billingOf(db: Kysely<DB>, tenantId: string) {
  const read = (table: string, order: string) => sql<{ row: string }>`select t::text as row from ${sql.table(table)} t where tenant_id = ${tenantId} order by ${sql.raw(order)}`.execute(db).then((r) => r.rows.map((x) => x.row));
  return {
    usage: await read('usage_events', 'id'),
    statements: await read('statements', 'period'),
    lines: await read('statement_lines', 'period, line_no'),
    invoices: await read('invoices', 'id'),
    orders: (await sql<{ row: string }>`select (number, status, items, currency, subtotal_minor, discount_minor, total_minor, payment_method, created_at)::text as row from orders where tenant_id = ${tenantId} order by number`.execute(db)).rows.map((r) => r.row),
    complaints: (await sql<{ row: string }>`select (number, category, severity, status, due_at, created_at)::text as row from complaints where tenant_id = ${tenantId} order by number`.execute(db)).rows.map((r) => r.row),
    calls: (await sql<{ row: string }>`select (id, function, status, offered_at, answered_at, ended_at)::text as row from calls where tenant_id = ${tenantId} order by id`.execute(db)).rows.map((r) => r.row),
  };
}

let oldShort: Person;
let recentShort: Person;
let oldLong: Person;
let beforeShort: Awaited<ReturnType<typeof billingOf>>;
let beforeLong: string[];

beforeAll(async () => {
  h = await createHarness();
  h.clock.advance(new Date('2026-06-15T10:00:00Z').getTime() - h.clock.now().getTime());
  const now = h.clock.now();
  const created = new Date(now.getTime() - 90 * DAY);
  short = (await seedTenant(h.db, { now: created })).tenant;
  long = (await seedTenant(h.db, { now: created })).tenant;
  never = (await seedTenant(h.db, { now: created })).tenant;
  for (const [tenant, days] of [[short, { personalDataDays: 30, recordingsDays: 10 }], [long, { personalDataDays: 400, recordingsDays: 400 }]] as const) {
    await withTenant(h.db, tenant.id, (tx) => replaceRules(tx, tenant.id, null, rules.RulesSchema.parse({ retention: days }), now));
  }
  await insertListPrice(h.db, { function: 'order_taking', metric: 'order', unitAmountMinor: 250 });
  oldShort = personOf('old', short);
  recentShort = personOf('recent', short);
  oldLong = personOf('old', long);
  // The old call's recording is 60 days old; the recent person's is 20 days: past the 10-day recording period, within the 30-day one.
  await seedPerson(short, oldShort, new Date(now.getTime() - 60 * DAY));
  await seedPerson(short, recentShort, new Date(now.getTime() - 5 * DAY), new Date(now.getTime() - 20 * DAY));
  await seedPerson(long, oldLong, new Date(now.getTime() - 60 * DAY));
  // The months the old records fall in are closed and invoiced: statements that must not change.
  await closePeriodsOnce({ db: h.db, now: h.clock.now });
  const admin = await seedUser(h.db, { kind: 'provider_admin' });
  void admin;
  const staff = await seedUser(h.db, { kind: 'supervisor' });
  supervisor = await logIn(h.app, staff);
  shortAdmin = await logIn(h.app, await seedClientUser(h.db, short, 'client_admin'));
  shortMember = await logIn(h.app, await seedClientUser(h.db, short, 'client_member'));
  longAdmin = await logIn(h.app, await seedClientUser(h.db, long, 'client_admin'));
  beforeShort = await billingOf(h.db, short.id);
  beforeLong = await everyRowOf(h.db, long.id);
});
afterAll(() => h?.close());

describe('retention', () => {
  it('shows the periods and "never run" before the first run', async () => {
    const res = await shortAdmin.get(`/api/t/${short.slug}/retention`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ personalDataDays: 30, recordingsDays: 10, runs: [] });
    expect((await supervisor.get(`/api/t/${never.slug}/retention`)).body).toEqual({ personalDataDays: 365, recordingsDays: 90, runs: [] });
    // The seeded data really is there to be found (so the checks below can fail).
    expect(leaks(await everyRowOf(h.db, short.id), secretsOf(oldShort)).length).toBeGreaterThan(5);
    expect(beforeShort.statements.length).toBeGreaterThan(0);
    expect(beforeShort.usage.join()).toContain('250');
  });

  it('two processes running at once remove the old personal data once, and leave billing exactly as it was', async () => {
    const [a, b] = await Promise.all([runRetentionOnce(deps({ batchSize: 1 })), runRetentionOnce(deps({ batchSize: 1 }))]);
    const done = [...a, ...b].filter((o) => o.tenantId === short.id);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ finished: true });
    // The old person: one call, one recording call; the recent person's 20-day-old recording is past the 10-day period.
    expect(done[0]!.removed).toEqual({ calls: 2, callEvents: 2, callbackRequests: 1, orders: 1, complaints: 1, informationRequests: 1, recordings: 2, customers: 1, campaignContacts: 0 });
    const runs = await h.db.selectFrom('retentionRuns').selectAll().where('tenantId', '=', short.id).execute();
    expect(runs).toHaveLength(1);
    const audits = await h.db.selectFrom('auditLog').selectAll().where('tenantId', '=', short.id).where('action', '=', 'retention.completed').execute();
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits[0]!.after)).not.toMatch(/Name|Note|\+33/);

    const rows = await everyRowOf(h.db, short.id);
    expect(leaks(rows, secretsOf(oldShort))).toEqual([]);
    // Billing and the records' figures: unchanged, row for row.
    expect(await billingOf(h.db, short.id)).toEqual(beforeShort);
  });

  it('leaves what is within the period, and a tenant with a longer period, untouched', async () => {
    const rows = await everyRowOf(h.db, short.id);
    const recent = secretsOf(recentShort).filter((s) => s !== recentShort.recording);
    for (const secret of recent) expect(rows.some((r) => r.includes(secret)), secret).toBe(true);
    // Only its recording was past the (shorter) recording period.
    expect(rows.some((r) => r.includes(recentShort.recording))).toBe(false);
    // The job's own bookkeeping aside (its run row, its audit row of counts), the other tenant's rows are as they were.
    const own = (row: string) => row.startsWith('retention_runs:') || row.includes('retention.completed');
    expect((await everyRowOf(h.db, long.id)).filter((r) => !own(r))).toEqual(beforeLong);
    expect(leaks(beforeLong, secretsOf(oldLong)).length).toBeGreaterThan(5);
  });

  it('runs once a day: again the same day does nothing, the next day finds nothing left', async () => {
    expect(await runRetentionOnce(deps())).toEqual([]);
    h.clock.advance(DAY);
    const next = (await runRetentionOnce(deps())).find((o) => o.tenantId === short.id);
    expect(next?.finished).toBe(true);
    expect(Object.values(next!.removed).every((n) => n === 0)).toBe(true);
  });

  it('a run cut off midway (its process died) is resumed by another and does the work once', async () => {
    h.clock.advance(DAY);
    const p = personOf('crash', short);
    await seedPerson(short, p, new Date(h.clock.now().getTime() - 45 * DAY));
    // The process dies after two batches: its third renewal never happens.
    let calls = 0;
    const dying = () => {
      calls += 1;
      if (calls > 3) throw new Error('process died');
      return h.clock.now();
    };
    await expect(runRetentionOnce({ db: h.db, now: dying, batchSize: 1, onError: (e) => { throw e; } })).rejects.toThrow('process died');
    const half = await h.db.selectFrom('retentionRuns').selectAll().where('tenantId', '=', short.id).where('finishedAt', 'is', null).executeTakeFirstOrThrow();
    expect(Number((half.removed as Record<string, number>).calls)).toBeGreaterThan(0);
    // Another process, before the lease runs out: leaves it; after: takes it over and finishes it.
    expect((await runRetentionOnce(deps())).filter((o) => o.tenantId === short.id)).toEqual([]);
    h.clock.advance(11 * MINUTE);
    const resumed = (await runRetentionOnce(deps())).find((o) => o.tenantId === short.id);
    expect(resumed?.finished).toBe(true);
    expect(resumed!.removed).toEqual({ calls: 2, callEvents: 2, callbackRequests: 1, orders: 1, complaints: 1, informationRequests: 1, recordings: 1, customers: 1, campaignContacts: 0 });
    const run = await h.db.selectFrom('retentionRuns').select(['attempts']).where('tenantId', '=', short.id).where('runOn', '=', half.runOn).executeTakeFirstOrThrow();
    expect(run.attempts).toBe(2);
    expect(leaks(await everyRowOf(h.db, short.id), secretsOf(p))).toEqual([]);
  });

  it('shows the client admin and provider staff when it ran and what it removed, counts only; others may not see it', async () => {
    const res = await shortAdmin.get(`/api/t/${short.slug}/retention`);
    expect(res.status).toBe(200);
    expect(res.body.runs).toHaveLength(3);
    expect(res.body.runs[0]).toMatchObject({ status: 'finished', personalDataDays: 30, recordingDays: 10, removed: { calls: 2, customers: 1 } });
    expect(res.body.runs[2].removed).toMatchObject({ calls: 2, customers: 1, recordings: 2 });
    expect(res.text).not.toMatch(/Name |Note |rec-/);
    expect((await supervisor.get(`/api/t/${short.slug}/retention`)).status).toBe(200);
    expect((await shortMember.get(`/api/t/${short.slug}/retention`)).status).toBe(403);
    expect((await longAdmin.get(`/api/t/${short.slug}/retention`)).status).toBe(404);
  });

  it('runs as a role held to one tenant by row-level security, that may not touch amounts or anything else', async () => {
    const { rows } = await sql<{ super: boolean; bypass: boolean; login: boolean; owns: number }>`
      select rolsuper as super, rolbypassrls as bypass, rolcanlogin as login,
             (select count(*)::int from pg_class c where c.relowner = r.oid) as owns
      from pg_roles r where rolname = ${retention.RETENTION_ROLE}`.execute(h.db);
    expect(rows).toEqual([{ super: false, bypass: false, login: false, owns: 0 }]);
    // As the retention role for one tenant, the other tenant's rows are invisible (the connecting role sees both).
    const seen = await retention.withRetention(h.db, short.id, (tx) => tx.selectFrom('customers').select('tenantId').distinct().execute());
    expect(seen.map((r) => r.tenantId)).toEqual([short.id]);
    expect((await h.db.selectFrom('customers').select('tenantId').distinct().execute()).length).toBeGreaterThan(1);
    // Amounts, usage and the audit trail are out of its reach.
    for (const attempt of [
      sql`update orders set total_minor = 0`,
      sql`update usage_events set amount_minor = 0`,
      sql`delete from statements`,
      sql`update audit_log set after = null`,
      sql`delete from orders`,
    ]) {
      await expect(retention.withRetention(h.db, short.id, (tx) => attempt.execute(tx))).rejects.toThrow(/permission denied/);
    }
  });

  it('lists every text column of the tables it cleans, as removed or kept with a reason', async () => {
    const tables = ['calls', 'call_events', 'callback_requests', 'customers', 'orders', 'complaints', 'information_requests', 'quality_evaluations'];
    const { rows } = await sql<{ table: string; column: string }>`
      select table_name as table, column_name as column from information_schema.columns
      where table_schema = 'public' and table_name in (${sql.join(tables)}) and data_type in ('text', 'jsonb') order by 1, 2`.execute(h.db);
    const listed = new Set<string>();
    for (const step of retentionPlan.steps) for (const c of step.columns.columns) listed.add(`${step.columns.table}.${c.split('.')[0]}`);
    for (const k of retentionPlan.kept) for (const t of k.table.split(', ')) for (const c of k.columns) listed.add(`${t}.${c.split(' ')[0]}`);
    expect(rows.map((r) => `${r.table}.${r.column}`).filter((c) => !listed.has(c))).toEqual([]);
  });
});
