import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb, newId, withTenant, type DialMode, type Tenant } from '@switchboard/db';
import { dialerPass } from '@switchboard/api';
import { createClock, createHarness, logIn, seedClientUser, seedTenant, seedUser, type App, type Client, type Clock, type Harness, type TestUser } from './support/index.ts';
import { addNumber, addWrapUpCode, alwaysOpen, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * The outbound dialer's core (issue 15, docs/outbound.md), through the telephony boundary the adapter
 * uses: attempts judged at the moment of the dial, operators reserved (progressive) or claimed on answer
 * (predictive), abandonment, retries by outcome, the 4-in-30-days count across campaigns, a closed window
 * refused once per zone, an adapter that never picks a dial up, a callback first in line for its operator.
 */
let h: Harness;
let clock: Clock;
let app: App;

// Tuesday 1 December 2026, 10:00 UTC = 11:00 in Paris: inside the French calling hours.
const start = new Date('2026-12-01T10:00:00Z');

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(start);
  app = h.buildApp({ clock });
});
afterAll(() => h?.close());

const weekdays = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));

interface Seeded {
  tenant: Tenant;
  campaignId: string;
  listId: string;
  callerId: string;
}

async function seedCampaign(options: { mode: DialMode; profile?: string; tenant?: Tenant; fn?: string; maxAttempts?: number }): Promise<Seeded> {
  const tenant = options.tenant ?? (await seedTenant(h.db)).tenant;
  const fn = options.fn ?? 'telesales';
  const callerId = uniqueNumber();
  await addNumber(h.db, tenant, callerId, fn);
  for (const code of ['sale', 'not_interested', 'refused_call']) await addWrapUpCode(h.db, tenant, code, clock.now()).catch(() => undefined);
  const campaignId = newId();
  const listId = newId();
  await withTenant(h.db, tenant.id, async (tx) => {
    await tx
      .insertInto('campaigns')
      .values({
        tenantId: tenant.id,
        id: campaignId,
        name: `Campaign ${options.mode}`,
        function: fn as 'telesales',
        callerId,
        mode: options.mode,
        status: 'running',
        callingHours: jsonb(weekdays),
        retryRules: jsonb({ busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: options.maxAttempts ?? 4 }),
        dispositions: jsonb([
          { code: 'sale', outcome: 'success', usageMetric: 'sale' },
          { code: 'not_interested', outcome: 'done' },
          { code: 'refused_call', outcome: 'refused' },
        ]),
        rulesProfile: options.profile ?? 'fr',
        abandonMessage: 'Sorry, we will call you back.',
        createdAt: clock.now(),
        updatedAt: clock.now(),
        updatedBy: 'test',
      })
      .execute();
    await tx.insertInto('contactLists').values({ tenantId: tenant.id, id: listId, campaignId, name: 'List', createdAt: clock.now(), createdBy: 'test' }).execute();
  });
  return { tenant, campaignId, listId, callerId };
}

let phoneSeq = 0;
const uniquePhone = () => `+336${String(process.pid % 100).padStart(2, '0')}${String(++phoneSeq).padStart(6, '0')}`;

async function addContacts(s: Seeded, count: number, extra: { timeZone?: string; phone?: string } = {}): Promise<{ id: string; phone: string }[]> {
  const rows = Array.from({ length: count }, (_, i) => ({
    tenantId: s.tenant.id,
    id: newId(),
    campaignId: s.campaignId,
    listId: s.listId,
    lineNumber: i + 2,
    phone: extra.phone && count === 1 ? extra.phone : uniquePhone(),
    name: `Contact ${i + 1}`,
    timeZone: extra.timeZone ?? 'Europe/Paris',
    nextAttemptAt: clock.now(),
    createdAt: clock.now(),
    updatedAt: clock.now(),
  }));
  await withTenant(h.db, s.tenant.id, (tx) => tx.insertInto('campaignContacts').values(rows).execute());
  return rows.map((r) => ({ id: r.id, phone: r.phone }));
}

async function availableOperator(s: Seeded, label = 'op'): Promise<{ user: TestUser; desk: Client }> {
  const user = await seedRoutedOperator(h.db, [[s.tenant, { skills: ['telesales'] }]], label);
  const desk = await logIn(app, user);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  return { user, desk };
}

const pass = async () => {
  // An operator just made available is left to inbound routing for a second first.
  clock.advance(2_000);
  return dialerPass(h.db, clock.now());
};
const attempts = (s: Seeded) => withTenant(h.db, s.tenant.id, (tx) => tx.selectFrom('dialAttempts').selectAll().where('campaignId', '=', s.campaignId).orderBy('createdAt').execute());
const contact = (s: Seeded, id: string) => withTenant(h.db, s.tenant.id, (tx) => tx.selectFrom('campaignContacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
const presence = (operatorId: string) => h.db.selectFrom('operatorPresence').selectAll().where('operatorId', '=', operatorId).executeTakeFirstOrThrow();
const progress = (id: string, event: string) => telephony(app, clock, 'POST', `/api/telephony/dials/${id}/progress`, { event });

describe('progressive dialling', () => {
  it('reserves the free operator, hands the dial to the adapter, and connects them when a person answers', async () => {
    const s = await seedCampaign({ mode: 'progressive' });
    const [c] = await addContacts(s, 1);
    const { user, desk } = await availableOperator(s);
    const report = await pass();
    expect(report.placed).toBeGreaterThanOrEqual(1);
    const [attempt] = await attempts(s);
    expect(attempt).toMatchObject({ status: 'originating', operatorId: user.id, phone: c!.phone, callerId: s.callerId, mode: 'progressive' });
    expect(await presence(user.id)).toMatchObject({ state: 'dialing', dialAttemptId: attempt!.id, dialTenantId: s.tenant.id });
    expect((await contact(s, c!.id)).state).toBe('dialing');
    expect((await contact(s, c!.id)).attempts).toBe(1);

    const dials = await telephony(app, clock, 'GET', '/api/telephony/dials');
    expect(dials.status).toBe(200);
    expect(dials.body.dials).toContainEqual(expect.objectContaining({ id: attempt!.id, from: s.callerId, to: c!.phone, tenant: s.tenant.slug }));

    expect((await progress(attempt!.id, 'ringing')).body).toEqual({ action: 'none' });
    const answered = await progress(attempt!.id, 'answered');
    expect(answered.status).toBe(200);
    expect(answered.body.action).toBe('connect');
    // Reported twice (a retried request, signed again): the same answer, nothing more.
    clock.advance(1_000);
    expect((await progress(attempt!.id, 'answered')).body).toEqual({ action: 'connect', callId: answered.body.callId });
    expect(await presence(user.id)).toMatchObject({ state: 'on_call', callId: answered.body.callId, dialAttemptId: null });

    const call = await withTenant(h.db, s.tenant.id, (tx) => tx.selectFrom('calls').selectAll().where('id', '=', answered.body.callId).executeTakeFirstOrThrow());
    expect(call).toMatchObject({ direction: 'outbound', status: 'connected', operatorId: user.id, callerNumber: c!.phone, dialledNumber: s.callerId, function: 'telesales' });
    const usage = await withTenant(h.db, s.tenant.id, (tx) => tx.selectFrom('usageEvents').select(['metric', 'sourceId']).where('sourceId', '=', attempt!.id).execute());
    expect(usage).toEqual([{ metric: 'contact_reached', sourceId: attempt!.id }]);

    // The callee hangs up; the operator wraps up with a success: the contact is done and the sale billed.
    clock.advance(90_000);
    expect((await telephony(app, clock, 'POST', `/api/telephony/calls/${call.id}/ended`, { by: 'caller' })).status).toBe(200);
    expect((await attempts(s))[0]).toMatchObject({ status: 'ended', outcome: 'answered' });
    const wrap = await desk.post(`/api/t/${s.tenant.slug}/desk/calls/${call.id}/wrap-up`, { disposition: 'sale' });
    expect(wrap.status).toBe(200);
    expect(await contact(s, c!.id)).toMatchObject({ state: 'done', disposition: 'sale' });
    const sale = await withTenant(h.db, s.tenant.id, (tx) => tx.selectFrom('usageEvents').select('metric').where('sourceId', '=', call.id).where('metric', '=', 'sale').execute());
    expect(sale).toHaveLength(1);
    expect((await presence(user.id)).state).toBe('available');
  });

  it('retries by outcome: busy in 15 minutes, no answer in 2 hours, and stops after the maximum number of attempts', async () => {
    const s = await seedCampaign({ mode: 'progressive', maxAttempts: 2 });
    const [c] = await addContacts(s, 1);
    const { user } = await availableOperator(s);
    await pass();
    let [a] = await attempts(s);
    const busyAt = clock.now();
    expect((await progress(a!.id, 'busy')).body).toEqual({ action: 'hang_up' });
    expect(await contact(s, c!.id)).toMatchObject({ state: 'pending', lastOutcome: 'busy' });
    expect((await contact(s, c!.id)).nextAttemptAt.getTime()).toBe(busyAt.getTime() + 15 * 60_000);
    expect((await presence(user.id)).state).toBe('available');

    // Not before its time…
    expect((await pass()).placed).toBe(0);
    clock.advance(15 * 60_000);
    await pass();
    [, a] = await attempts(s);
    expect(a).toMatchObject({ status: 'originating' });
    await progress(a!.id, 'no_answer');
    // Two attempts of two: done, not tried again.
    expect(await contact(s, c!.id)).toMatchObject({ state: 'done', lastOutcome: 'no_answer', attempts: 2 });
  });

  it('closes a dial the adapter never picked up as failed, and frees its operator', async () => {
    const s = await seedCampaign({ mode: 'progressive' });
    const [c] = await addContacts(s, 1);
    const { user } = await availableOperator(s);
    await pass();
    clock.advance(31_000);
    const report = await dialerPass(h.db, clock.now());
    expect(report.closed).toBeGreaterThanOrEqual(1);
    expect((await attempts(s))[0]).toMatchObject({ status: 'ended', outcome: 'failed' });
    expect((await contact(s, c!.id)).lastOutcome).toBe('failed');
    expect((await presence(user.id)).state).not.toBe('dialing');
  });
});

describe('predictive dialling', () => {
  it('places calls without reserving anyone, connects a free operator on answer, and abandons when nobody is free', async () => {
    const s = await seedCampaign({ mode: 'predictive' });
    const contacts = await addContacts(s, 5);
    const { user } = await availableOperator(s);
    await pass();
    const placed = await attempts(s);
    expect(placed.length).toBeGreaterThanOrEqual(1);
    expect(placed.every((a) => a.operatorId === null && a.status === 'originating')).toBe(true);
    expect((await presence(user.id)).state).toBe('available');

    const first = await progress(placed[0]!.id, 'answered');
    expect(first.body.action).toBe('connect');
    expect((await presence(user.id)).state).toBe('on_call');

    // A second person answers while the only operator is busy: abandoned, the campaign's message, not called again that day.
    let second = placed[1];
    if (!second) {
      await withTenant(h.db, s.tenant.id, (tx) => tx.updateTable('campaignContacts').set({ nextAttemptAt: clock.now() }).where('campaignId', '=', s.campaignId).where('state', '=', 'pending').execute());
      // Predictive needs a free operator to place anything: a second operator, made busy before the answer.
      const other = await availableOperator(s, 'op2');
      await pass();
      second = (await attempts(s)).find((a) => a.status === 'originating');
      expect(second).toBeDefined();
      await other.desk.put('/api/desk/state', { state: 'break', breakReason: 'lunch' });
    }
    const abandoned = await progress(second!.id, 'answered');
    expect(abandoned.body).toEqual({ action: 'abandon', message: 'Sorry, we will call you back.' });
    const after = await contact(s, second!.contactId);
    expect(after).toMatchObject({ state: 'pending', lastOutcome: 'abandoned' });
    // Next midnight in Paris (UTC+1 in December).
    expect(after.nextAttemptAt.toISOString()).toBe('2026-12-01T23:00:00.000Z');
    expect(contacts.length).toBe(5);
  });
});

describe('the calling rules at the moment of the dial', () => {
  it('refuses a fifth dial in 30 days to one person, counted across the tenant’s campaigns', async () => {
    const first = await seedCampaign({ mode: 'progressive' });
    const second = await seedCampaign({ mode: 'progressive', tenant: first.tenant });
    const phone = uniquePhone();
    const [old] = await addContacts(first, 1, { phone });
    const seededAt = clock.now();
    // Four dials by the first campaign in the last 30 days.
    await withTenant(h.db, first.tenant.id, (tx) =>
      tx
        .insertInto('dialAttempts')
        .values(
          [1, 5, 9, 20].map((daysAgo) => ({
            tenantId: first.tenant.id,
            id: newId(),
            campaignId: first.campaignId,
            contactId: old!.id,
            phone,
            callerId: first.callerId,
            calleeTimeZone: 'Europe/Paris',
            mode: 'progressive' as const,
            status: 'ended' as const,
            outcome: 'no_answer' as const,
            createdAt: new Date(clock.now().getTime() - daysAgo * 86_400_000),
            dialledAt: new Date(clock.now().getTime() - daysAgo * 86_400_000),
          })),
        )
        .execute(),
    );
    await withTenant(h.db, first.tenant.id, (tx) => tx.updateTable('campaignContacts').set({ state: 'done' }).where('id', '=', old!.id).execute());
    const [c] = await addContacts(second, 1, { phone });
    const { user } = await availableOperator(second);
    const report = await pass();
    expect(report.refused).toBeGreaterThanOrEqual(1);
    expect(await attempts(second)).toEqual([]);
    const refusals = await withTenant(h.db, second.tenant.id, (tx) => tx.selectFrom('dialRefusals').select(['rule', 'phone', 'contactId']).where('campaignId', '=', second.campaignId).execute());
    expect(refusals).toEqual([{ rule: 'frequency', phone, contactId: c!.id }]);
    // Tried again when the oldest of the four leaves the 30 days.
    const later = await contact(second, c!.id);
    expect(later.nextAttemptAt.getTime()).toBe(seededAt.getTime() - 20 * 86_400_000 + 30 * 86_400_000);
    expect((await presence(user.id)).state).toBe('available');
  });

  it('excludes a number on the tenant’s do-not-call list, and refuses a closed window once for every contact of that zone', async () => {
    const s = await seedCampaign({ mode: 'progressive' });
    const [blocked] = await addContacts(s, 1);
    await withTenant(h.db, s.tenant.id, (tx) => tx.insertInto('doNotCall').values({ tenantId: s.tenant.id, phone: blocked!.phone, source: 'portal', note: null, addedAt: clock.now(), addedBy: 'test' }).execute());
    await availableOperator(s);
    await pass();
    expect(await contact(s, blocked!.id)).toMatchObject({ state: 'excluded', lastOutcome: 'refused:do_not_call' });

    // 13:30 in Paris: the lunch break of the French rules. Ten contacts, one refusal logged.
    const lunch = await seedCampaign({ mode: 'progressive' });
    const many = await addContacts(lunch, 10);
    await availableOperator(lunch, 'lunch-op');
    const saved = clock.now();
    clock.advance(new Date('2026-12-01T12:30:00Z').getTime() - saved.getTime());
    await withTenant(h.db, lunch.tenant.id, (tx) => tx.updateTable('campaignContacts').set({ nextAttemptAt: clock.now() }).where('campaignId', '=', lunch.campaignId).execute());
    await pass();
    const refusals = await withTenant(h.db, lunch.tenant.id, (tx) => tx.selectFrom('dialRefusals').select('rule').where('campaignId', '=', lunch.campaignId).execute());
    expect(refusals).toEqual([{ rule: 'hours' }]);
    const due = await withTenant(h.db, lunch.tenant.id, (tx) => tx.selectFrom('campaignContacts').select('nextAttemptAt').where('campaignId', '=', lunch.campaignId).execute());
    expect(due).toHaveLength(many.length);
    expect(due.every((d) => d.nextAttemptAt.getTime() > clock.now().getTime())).toBe(true);
    expect(await attempts(lunch)).toEqual([]);
  });
});

describe('callbacks', () => {
  it('puts a callback for one operator first in line for them, at its time', async () => {
    const s = await seedCampaign({ mode: 'progressive', profile: 'none' });
    const [first, wanted] = await addContacts(s, 2);
    const { user } = await availableOperator(s);
    await withTenant(h.db, s.tenant.id, (tx) =>
      tx.updateTable('campaignContacts').set({ callbackAt: new Date(clock.now().getTime() + 60_000), callbackOperatorId: user.id, nextAttemptAt: new Date(clock.now().getTime() + 60_000) }).where('id', '=', wanted!.id).execute(),
    );
    clock.advance(60_000);
    await pass();
    const [a] = await attempts(s);
    expect(a).toMatchObject({ contactId: wanted!.id, operatorId: user.id, mode: 'callback' });
    expect(first).toBeDefined();
  });
});

describe('callback requests', () => {
  it('turns an after-hours callback request into a callback due when the function opens, and marks it done once the caller is reached', async () => {
    const { tenant } = await seedTenant(h.db);
    const number = uniqueNumber();
    await addNumber(h.db, tenant, number, 'order_taking');
    // Open 09:00–18:00 in Paris; after hours: take a callback request.
    const office = [{ start: '09:00', end: '18:00' }];
    const { replaceHours, HoursDefinitionSchema } = await import('@switchboard/api');
    await withTenant(h.db, tenant.id, (tx) =>
      replaceHours(
        tx,
        tenant.id,
        null,
        HoursDefinitionSchema.parse({
          defaultSchedule: 'Office',
          schedules: [{ name: 'Office', week: { mon: office, tue: office, wed: office, thu: office, fri: office, sat: [], sun: [] } }],
          functionSchedules: [{ function: 'order_taking', afterHours: { action: 'callback' } }],
        }),
      ),
    );
    // Tuesday 1 December 2026, 20:00 in Paris: closed.
    const evening = new Date('2026-12-01T19:00:00Z');
    clock.advance(evening.getTime() - clock.now().getTime());
    const caller = uniquePhone();
    const res = await telephony(app, clock, 'POST', '/api/telephony/calls', { callId: `CA-cb-${Date.now()}`, dialled: number, caller });
    expect(res.body.outcome).toBe('callback');
    const due = await withTenant(h.db, tenant.id, (tx) =>
      tx
        .selectFrom('campaignContacts as k')
        .innerJoin('campaigns as c', (j) => j.onRef('c.tenantId', '=', 'k.tenantId').onRef('c.id', '=', 'k.campaignId'))
        .select(['k.id', 'k.phone', 'k.callbackAt', 'k.callbackRequestId', 'c.kind', 'c.function', 'c.callerId', 'c.mode', 'c.status'])
        .execute(),
    );
    expect(due).toHaveLength(1);
    // Wednesday 09:00 in Paris.
    expect(due[0]).toMatchObject({ phone: caller, kind: 'callbacks', function: 'order_taking', callerId: number, mode: 'progressive', status: 'running' });
    expect(due[0]!.callbackAt!.toISOString()).toBe('2026-12-02T08:00:00.000Z');

    const op = await seedRoutedOperator(h.db, [[tenant, { skills: ['order_taking'] }]], 'callback-op');
    const desk = await logIn(app, op);
    await desk.put('/api/desk/state', { state: 'available' });
    await pass();
    expect(await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('dialAttempts').select('id').execute())).toEqual([]);
    clock.advance(new Date('2026-12-02T08:00:00Z').getTime() - clock.now().getTime());
    await pass();
    const [attempt] = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('dialAttempts').selectAll().execute());
    expect(attempt).toMatchObject({ phone: caller, operatorId: op.id, mode: 'callback', status: 'originating' });
    expect((await progress(attempt!.id, 'answered')).body.action).toBe('connect');
    const request = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callbackRequests').select('status').where('id', '=', due[0]!.callbackRequestId!).executeTakeFirstOrThrow());
    expect(request.status).toBe('done');
  });
});

describe('retention', () => {
  it("removes a contact, its dials and refusals once past the company's period, and keeps the last 31 days of dials whatever the period", async () => {
    const s = await seedCampaign({ mode: 'progressive', profile: 'none' });
    const [old, recent] = await addContacts(s, 2);
    const longAgo = new Date(clock.now().getTime() - 400 * 86_400_000);
    const lastWeek = new Date(clock.now().getTime() - 7 * 86_400_000);
    await withTenant(h.db, s.tenant.id, async (tx) => {
      await tx.updateTable('campaignContacts').set({ state: 'done', updatedAt: longAgo }).where('id', '=', old!.id).execute();
      // The recent contact is untouched for the period too, but was dialled last week: the dial and the contact stay.
      await tx.updateTable('campaignContacts').set({ state: 'done', updatedAt: longAgo }).where('id', '=', recent!.id).execute();
      for (const [c, at] of [[old!, longAgo], [recent!, lastWeek]] as const) {
        await tx
          .insertInto('dialAttempts')
          .values({ tenantId: s.tenant.id, id: newId(), campaignId: s.campaignId, contactId: c.id, phone: c.phone, callerId: s.callerId, calleeTimeZone: 'Europe/Paris', mode: 'progressive', status: 'ended', outcome: 'busy', createdAt: at, dialledAt: at, endedAt: at })
          .execute();
        await tx.insertInto('dialRefusals').values({ tenantId: s.tenant.id, id: newId(), campaignId: s.campaignId, contactId: c.id, phone: c.phone, at, rule: 'hours', detail: 'closed' }).execute();
      }
    });
    const { replaceRules, rules, runRetentionOnce } = await import('@switchboard/api');
    // A period of 5 days: shorter than the rules' 30, which still win for the dials.
    await withTenant(h.db, s.tenant.id, (tx) => replaceRules(tx, s.tenant.id, null, { ...rules.defaultRules(), retention: { personalDataDays: 5, recordingsDays: 90 } }, clock.now()));
    await runRetentionOnce({ db: h.db, now: () => clock.now(), onError: (error) => { throw error; } });
    const left = await withTenant(h.db, s.tenant.id, async (tx) => ({
      contacts: (await tx.selectFrom('campaignContacts').select('id').where('campaignId', '=', s.campaignId).execute()).map((r) => r.id),
      dials: (await tx.selectFrom('dialAttempts').select('contactId').where('campaignId', '=', s.campaignId).execute()).map((r) => r.contactId),
      refusals: (await tx.selectFrom('dialRefusals').select('contactId').where('campaignId', '=', s.campaignId).execute()).map((r) => r.contactId),
    }));
    expect(left).toEqual({ contacts: [recent!.id], dials: [recent!.id], refusals: [recent!.id] });
  });
});

describe('what the review found', () => {
  it('judges a callback due outside the hours once, not at every pass, and retries a busy callback after the busy delay', async () => {
    const s = await seedCampaign({ mode: 'progressive' });
    const [c] = await addContacts(s, 1);
    const { user } = await availableOperator(s);
    // Thursday 3 December 2026, 20:30 in Paris: past the French hours.
    clock.advance(new Date('2026-12-03T19:30:00Z').getTime() - clock.now().getTime());
    await withTenant(h.db, s.tenant.id, (tx) => tx.updateTable('campaignContacts').set({ callbackAt: clock.now(), nextAttemptAt: clock.now() }).where('id', '=', c!.id).execute());
    await pass();
    await pass();
    const refusals = await withTenant(h.db, s.tenant.id, (tx) => tx.selectFrom('dialRefusals').select('rule').where('campaignId', '=', s.campaignId).execute());
    expect(refusals).toEqual([{ rule: 'hours' }]);
    // Friday 10:00: the callback is placed, rings busy, and waits 15 minutes like any busy number.
    clock.advance(new Date('2026-12-04T09:00:00Z').getTime() - clock.now().getTime());
    await pass();
    const [a] = await attempts(s);
    expect(a).toMatchObject({ mode: 'callback', operatorId: user.id });
    await progress(a!.id, 'busy');
    await pass();
    expect(await attempts(s)).toHaveLength(1);
    clock.advance(15 * 60_000);
    await pass();
    expect(await attempts(s)).toHaveLength(2);
  });

  it('leaves a contact excluded while its dial was in flight excluded when the dial ends', async () => {
    const s = await seedCampaign({ mode: 'progressive', profile: 'none' });
    const [c] = await addContacts(s, 1);
    await availableOperator(s);
    await pass();
    const [a] = await attempts(s);
    // The person's erasure (or the do-not-call key) lands while the phone rings.
    await withTenant(h.db, s.tenant.id, (tx) => tx.updateTable('campaignContacts').set({ state: 'excluded' }).where('id', '=', c!.id).execute());
    await progress(a!.id, 'busy');
    expect((await contact(s, c!.id)).state).toBe('excluded');
    clock.advance(60 * 60_000);
    await pass();
    expect(await attempts(s)).toHaveLength(1);
  });

  it('keeps a preview dialled after a minute of reading, closes one left open ten minutes, and refuses to dial one whose campaign was paused', async () => {
    const s = await seedCampaign({ mode: 'preview', profile: 'none' });
    const [first, second, third] = await addContacts(s, 3);
    const { user, desk } = await availableOperator(s);
    await pass();
    let [a] = await attempts(s);
    expect(a).toMatchObject({ status: 'preview', operatorId: user.id, contactId: first!.id });
    clock.advance(60_000);
    expect((await desk.post(`/api/desk/dialing/${a!.id}/dial`, {})).body).toMatchObject({ status: 'originating' });
    clock.advance(1_000);
    await dialerPass(h.db, clock.now());
    expect((await attempts(s))[0]).toMatchObject({ status: 'originating' });
    await progress(a!.id, 'no_answer');

    // The next card is left open: after ten minutes it goes back and the operator is free again.
    await pass();
    a = (await attempts(s)).find((x) => x.status === 'preview');
    expect(a?.contactId).toBe(second!.id);
    clock.advance(10 * 60_000 + 1_000);
    await dialerPass(h.db, clock.now());
    expect((await attempts(s)).find((x) => x.id === a!.id)).toMatchObject({ status: 'ended', outcome: 'cancelled' });

    // A card open when the campaign is paused cannot be dialled.
    await pass();
    a = (await attempts(s)).find((x) => x.status === 'preview');
    expect(a).toBeDefined();
    await withTenant(h.db, s.tenant.id, (tx) => tx.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', s.campaignId).execute());
    expect((await desk.post(`/api/desk/dialing/${a!.id}/dial`, {})).status).toBe(409);
    expect((await attempts(s)).filter((x) => x.status === 'originating')).toEqual([]);
    expect(third).toBeDefined();
  });
});

describe('abandonment across campaigns', () => {
  it('does not call a person whose call was abandoned today again that day, from any campaign of the company', async () => {
    const a = await seedCampaign({ mode: 'predictive', profile: 'none' });
    const b = await seedCampaign({ mode: 'progressive', profile: 'none', tenant: a.tenant });
    const phone = uniquePhone();
    const [old] = await addContacts(a, 1, { phone });
    // Friday 4 December 2026, 15:00 in Paris: campaign A's call to the person found nobody free an hour ago.
    clock.advance(new Date('2026-12-04T14:00:00Z').getTime() - clock.now().getTime());
    const hourAgo = new Date(clock.now().getTime() - 3_600_000);
    await withTenant(h.db, a.tenant.id, async (tx) => {
      await tx
        .insertInto('dialAttempts')
        .values({ tenantId: a.tenant.id, id: newId(), campaignId: a.campaignId, contactId: old!.id, phone, callerId: a.callerId, calleeTimeZone: 'Europe/Paris', mode: 'predictive', status: 'ended', outcome: 'abandoned', createdAt: hourAgo, dialledAt: hourAgo, answeredAt: hourAgo, endedAt: hourAgo })
        .execute();
      await tx.updateTable('campaignContacts').set({ state: 'done' }).where('id', '=', old!.id).execute();
    });
    const [c] = await addContacts(b, 1, { phone });
    await availableOperator(b, 'abandon-op');
    await pass();
    expect(await attempts(b)).toEqual([]);
    const refusals = await withTenant(h.db, a.tenant.id, (tx) => tx.selectFrom('dialRefusals').select(['rule', 'contactId']).where('campaignId', '=', b.campaignId).execute());
    expect(refusals).toEqual([{ rule: 'abandoned', contactId: c!.id }]);
    // Saturday 00:00 in Paris.
    expect((await contact(b, c!.id)).nextAttemptAt.toISOString()).toBe('2026-12-04T23:00:00.000Z');
  });
});

describe('callbacks in predictive campaigns', () => {
  it('places a callback promised to one operator for that operator, not for whoever answers', async () => {
    const s = await seedCampaign({ mode: 'predictive', profile: 'none' });
    const [promised] = await addContacts(s, 1);
    const { user } = await availableOperator(s, 'promised-op');
    await withTenant(h.db, s.tenant.id, (tx) => tx.updateTable('campaignContacts').set({ callbackAt: clock.now(), callbackOperatorId: user.id, nextAttemptAt: clock.now() }).where('id', '=', promised!.id).execute());
    await pass();
    const [a] = await attempts(s);
    expect(a).toMatchObject({ contactId: promised!.id, operatorId: user.id, mode: 'callback', status: 'originating' });
    expect((await presence(user.id)).state).toBe('dialing');
  });
});

describe('a caller ID the provider moves to another company', () => {
  let provider: Client;
  beforeAll(async () => {
    provider = await logIn(app, await seedUser(h.db, { kind: 'provider_admin' }));
  });
  const move = async (number: string, from: Tenant, to: Tenant) => {
    expect((await provider.delete(`/api/t/${from.slug}/phone-numbers/${encodeURIComponent(number)}`)).status).toBe(204);
    expect((await provider.put(`/api/t/${to.slug}/phone-numbers/${encodeURIComponent(number)}`, { function: 'telesales', label: 'Moved' })).status).toBe(200);
  };
  const campaignRow = (s: Seeded) => withTenant(h.db, s.tenant.id, (tx) => tx.selectFrom('campaigns').selectAll().where('id', '=', s.campaignId).executeTakeFirstOrThrow());
  const audits = (s: Seeded, action: string) => h.db.selectFrom('auditLog').selectAll().where('tenantId', '=', s.tenant.id).where('action', '=', action).where('targetId', '=', s.campaignId).execute();
  const originates = (s: Seeded) =>
    withTenant(h.db, s.tenant.id, (tx) => tx.selectFrom('telephonyCommands').select('payload').where('kind', '=', 'originate').execute()).then((rows) => rows.map((r) => r.payload as { from?: string }));

  it('pauses the campaign at its next turn, dials nothing in the other company\'s name, and lets it run again only with one of its own numbers', async () => {
    const s = await seedCampaign({ mode: 'progressive', profile: 'none' });
    await addContacts(s, 2);
    await availableOperator(s);
    const { tenant: other } = await seedTenant(h.db);
    await move(s.callerId, s.tenant, other);

    const report = await pass();
    expect(report.placed).toBe(0);
    expect(await attempts(s)).toEqual([]);
    expect(await originates(s)).toEqual([]);
    expect(await campaignRow(s)).toMatchObject({ status: 'paused', updatedBy: 'dialer', callerId: s.callerId });
    const [paused] = await audits(s, 'campaign.pause');
    expect(paused).toMatchObject({ actorLabel: 'system', before: { status: 'running', callerId: s.callerId }, after: { status: 'paused', reason: 'caller_id_not_owned' } });

    // The client sees why, and cannot resume it on a number that is now another company's.
    const admin = await logIn(app, await seedClientUser(h.db, s.tenant, 'client_admin'));
    const path = `/api/t/${s.tenant.slug}/campaigns/${s.campaignId}`;
    expect((await admin.get(path)).body).toMatchObject({ status: 'paused', callerIdOwned: false, callerId: s.callerId });
    const refused = await admin.post(`${path}/resume`);
    expect(refused.status).toBe(409);
    expect(refused.body.params.missing).toContain('callerId');
    const taken = await admin.patch(path, { callerId: s.callerId });
    expect(taken.status).toBe(400);
    expect(taken.body.errors).toMatchObject([{ path: 'callerId' }]);
    expect((await campaignRow(s)).status).toBe('paused');

    // Another of its own numbers: the campaign reads as owned again (the script it lacks is the only thing left).
    const own = uniqueNumber();
    await addNumber(h.db, s.tenant, own, 'telesales');
    const fixed = await admin.patch(path, { callerId: own });
    expect(fixed.status, fixed.text).toBe(200);
    expect(fixed.body).toMatchObject({ callerId: own, callerIdOwned: true });
    expect((await admin.post(`${path}/resume`)).body.params?.missing ?? []).not.toContain('callerId');
  });

  it("moves the company's callback campaign to its own number for the function; with none left it waits, and calls again from the next number assigned", async () => {
    const s = await seedCampaign({ mode: 'progressive', profile: 'none' });
    await withTenant(h.db, s.tenant.id, (tx) => tx.updateTable('campaigns').set({ kind: 'callbacks' }).where('id', '=', s.campaignId).execute());
    await setHours(h.db, s.tenant, alwaysOpen);
    const [c] = await addContacts(s, 1);
    await availableOperator(s);
    const info = uniqueNumber();
    const sales = uniqueNumber();
    await addNumber(h.db, s.tenant, info, 'information');
    await addNumber(h.db, s.tenant, sales, 'telesales');
    const { tenant: other } = await seedTenant(h.db);
    await move(s.callerId, s.tenant, other);

    await pass();
    expect(await campaignRow(s)).toMatchObject({ status: 'running', callerId: sales });
    expect((await audits(s, 'campaign.caller_id_moved'))[0]).toMatchObject({ before: { callerId: s.callerId }, after: { callerId: sales, reason: 'caller_id_not_owned' } });
    expect(await attempts(s)).toMatchObject([{ contactId: c!.id, callerId: sales }]);
    expect((await originates(s)).map((p) => p.from)).toEqual([sales]);

    // No number left at all: the callback waits (nothing dialled, the campaign never paused: nobody could resume it).
    for (const n of [info, sales]) expect((await provider.delete(`/api/t/${s.tenant.slug}/phone-numbers/${encodeURIComponent(n)}`)).status).toBe(204);
    await progress((await attempts(s))[0]!.id, 'busy');
    clock.advance(20 * 60_000);
    await pass();
    expect(await campaignRow(s)).toMatchObject({ status: 'running', callerId: sales });
    expect(await attempts(s)).toHaveLength(1);
    // A number assigned again: the callback is placed from it.
    const fresh = uniqueNumber();
    expect((await provider.put(`/api/t/${s.tenant.slug}/phone-numbers/${encodeURIComponent(fresh)}`, { function: 'information', label: 'New line' })).status).toBe(200);
    await pass();
    expect(await campaignRow(s)).toMatchObject({ status: 'running', callerId: fresh });
    expect((await attempts(s)).map((a) => a.callerId)).toEqual([sales, fresh]);
  });

  it('refuses a preview the operator dials after the move, and keeps the contact for later', async () => {
    const s = await seedCampaign({ mode: 'preview', profile: 'none' });
    const [c] = await addContacts(s, 1);
    const { desk } = await availableOperator(s);
    await pass();
    const [card] = await attempts(s);
    expect(card).toMatchObject({ status: 'preview', contactId: c!.id });
    const { tenant: other } = await seedTenant(h.db);
    await move(s.callerId, s.tenant, other);

    const dialled = await desk.post(`/api/desk/dialing/${card!.id}/dial`, {});
    expect(dialled.status).toBe(200);
    expect(dialled.body).toEqual({ status: 'refused', rule: 'caller_id' });
    expect((await attempts(s)).filter((a) => a.status === 'originating')).toEqual([]);
    expect(await originates(s)).toEqual([]);
    expect((await contact(s, c!.id)).state).toBe('pending');
    await pass();
    expect((await campaignRow(s)).status).toBe('paused');
  });
});
