import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsonb, newId, withApp, withTenant, type Tenant } from '@switchboard/db';
import { EventHub, publish, type BusEvent } from '@switchboard/api';
import { createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, type Harness, type TestUser } from './support/index.ts';
import { insertCall } from './support/records.ts';

/**
 * Issue 15, the live campaign board: the figures of a hand-built day (known dials, answers, abandons,
 * successes, refusals, operators on it) in the tenant's zone; the provider's list of running campaigns is
 * for staff only; the hub tells the tenant's client users and the provider's staff that a campaign's
 * figures changed — never another tenant's users, never operators.
 */
let h: Harness;
let mine: Tenant;
let theirs: Tenant;
let admin: TestUser;
let member: TestUser;
let stranger: TestUser;
let supervisor: TestUser;
let opX: TestUser;
let opY: TestUser;
let campaignId: string;
let theirCampaignId: string;

// 16:07 in Paris (CET): today began at 23:00 UTC the day before.
const now = new Date('2026-03-10T15:07:00Z');
const dayStart = new Date('2026-03-09T23:00:00Z');
const at = (iso: string) => new Date(iso);

async function seedCampaign(tenant: Tenant, name: string, contacts: ('pending' | 'done' | 'excluded')[]) {
  const id = newId();
  const listId = newId();
  const contactIds: string[] = [];
  await withTenant(h.db, tenant.id, async (tx) => {
    await tx
      .insertInto('campaigns')
      .values({
        tenantId: tenant.id,
        id,
        name,
        function: 'telesales',
        scriptId: null,
        callerId: '+33140000000',
        mode: 'progressive',
        status: 'running',
        callingHours: jsonb({}),
        retryRules: jsonb({ busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 }),
        dispositions: jsonb([
          { code: 'sale', outcome: 'success', usageMetric: 'sale' },
          { code: 'no_interest', outcome: 'refused' },
        ]),
        abandonCapPercent: 3,
        abandonMessage: 'Sorry, we will call you back.',
        createdAt: now,
        updatedAt: now,
        updatedBy: 'test',
      })
      .execute();
    await tx.insertInto('contactLists').values({ tenantId: tenant.id, id: listId, campaignId: id, name: 'List', rowCount: contacts.length, createdAt: now, createdBy: 'test' }).execute();
    for (const [i, state] of contacts.entries()) {
      const contactId = newId();
      contactIds.push(contactId);
      await tx
        .insertInto('campaignContacts')
        .values({
          tenantId: tenant.id,
          id: contactId,
          campaignId: id,
          listId,
          lineNumber: i + 1,
          phone: `+336000000${String(i).padStart(2, '0')}`,
          timeZone: 'Europe/Paris',
          fields: jsonb({}),
          state,
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
    }
  });
  return { id, contactIds };
}

interface AttemptFixture {
  dialledAt: Date;
  status: 'originating' | 'ringing' | 'connected' | 'ended';
  outcome?: 'answered' | 'no_answer' | 'busy' | 'abandoned';
  callId?: string;
  operatorId?: string;
  endedAfterSeconds?: number;
}

async function attempt(tenant: Tenant, campaign: string, contactId: string, f: AttemptFixture): Promise<string> {
  const id = newId();
  const answered = f.callId ? new Date(f.dialledAt.getTime() + 10_000) : null;
  await withTenant(h.db, tenant.id, (tx) =>
    tx
      .insertInto('dialAttempts')
      .values({
        tenantId: tenant.id,
        id,
        campaignId: campaign,
        contactId,
        phone: '+33600000000',
        callerId: '+33140000000',
        calleeTimeZone: 'Europe/Paris',
        mode: 'progressive',
        operatorId: f.operatorId ?? null,
        status: f.status,
        outcome: f.outcome ?? null,
        callId: f.callId ?? null,
        createdAt: f.dialledAt,
        dialledAt: f.dialledAt,
        answeredAt: answered,
        endedAt: f.status === 'ended' ? new Date(f.dialledAt.getTime() + (f.endedAfterSeconds ?? 30) * 1000) : null,
      })
      .execute(),
  );
  return id;
}

async function refusal(tenant: Tenant, campaign: string, rule: string, when: Date) {
  await withTenant(h.db, tenant.id, (tx) =>
    tx.insertInto('dialRefusals').values({ tenantId: tenant.id, id: newId(), campaignId: campaign, contactId: null, phone: '+33600000099', at: when, rule, detail: 'test' }).execute(),
  );
}

const call = (tenant: Tenant, dialledAt: Date, disposition: string | null, status: 'completed' | 'connected' = 'completed', operatorId: string | null = null) =>
  insertCall(h.db, tenant, { offeredAt: dialledAt, answeredAfterSeconds: 10, talkSeconds: status === 'connected' ? null! : 90, function: 'telesales', disposition, status, operatorId });

beforeAll(async () => {
  h = await createHarness();
  mine = (await seedTenant(h.db)).tenant;
  theirs = (await seedTenant(h.db)).tenant;
  admin = await seedClientUser(h.db, mine, 'client_admin');
  member = await seedClientUser(h.db, mine, 'client_member');
  stranger = await seedClientUser(h.db, theirs, 'client_admin');
  supervisor = await seedUser(h.db, { kind: 'supervisor' });
  opX = await seedOperator(h.db, [mine], { displayName: 'Xavier Op' });
  opY = await seedOperator(h.db, [mine], { displayName: 'Yvonne Op' });
  await seedOperator(h.db, [mine], { displayName: 'Zoé Idle' });

  const campaign = await seedCampaign(mine, 'Spring offer', ['pending', 'pending', 'pending', 'done', 'done', 'excluded']);
  campaignId = campaign.id;
  const [c1, c2, c3, c4, c5, c6] = campaign.contactIds as [string, string, string, string, string, string];
  // Yesterday 23:30 in Paris: not today.
  await attempt(mine, campaignId, c1, { dialledAt: at('2026-03-09T22:30:00Z'), status: 'ended', outcome: 'busy' });
  // 08:00 no answer; 09:05 a sale; 09:10 a refusal.
  await attempt(mine, campaignId, c1, { dialledAt: at('2026-03-10T07:00:00Z'), status: 'ended', outcome: 'no_answer' });
  const sale = await call(mine, at('2026-03-10T08:05:00Z'), 'sale');
  await attempt(mine, campaignId, c2, { dialledAt: at('2026-03-10T08:05:00Z'), status: 'ended', outcome: 'answered', callId: sale });
  const refused = await call(mine, at('2026-03-10T08:10:00Z'), 'no_interest');
  await attempt(mine, campaignId, c3, { dialledAt: at('2026-03-10T08:10:00Z'), status: 'ended', outcome: 'answered', callId: refused });
  // The last hour: a call on now with X, an abandon, a dial ringing for Y.
  const live = await call(mine, at('2026-03-10T14:30:00Z'), null, 'connected', opX.id);
  await attempt(mine, campaignId, c4, { dialledAt: at('2026-03-10T14:30:00Z'), status: 'connected', callId: live, operatorId: opX.id });
  await attempt(mine, campaignId, c5, { dialledAt: at('2026-03-10T14:40:00Z'), status: 'ended', outcome: 'abandoned', endedAfterSeconds: 12 });
  const ringing = await attempt(mine, campaignId, c6, { dialledAt: at('2026-03-10T15:00:00Z'), status: 'ringing', operatorId: opY.id });
  await refusal(mine, campaignId, 'hours', at('2026-03-10T06:00:00Z'));
  await refusal(mine, campaignId, 'hours', at('2026-03-10T06:01:00Z'));
  await refusal(mine, campaignId, 'do_not_call', at('2026-03-10T10:00:00Z'));
  await refusal(mine, campaignId, 'frequency', at('2026-03-09T20:00:00Z'));
  await withApp(h.db, async (tx) => {
    await tx.insertInto('operatorPresence').values({ operatorId: opX.id, state: 'on_call', since: now, updatedAt: now, callTenantId: mine.id, callId: live }).execute();
    await tx.insertInto('operatorPresence').values({ operatorId: opY.id, state: 'dialing', since: now, updatedAt: now, dialTenantId: mine.id, dialAttemptId: ringing }).execute();
  });

  theirCampaignId = (await seedCampaign(theirs, 'Their survey', ['pending'])).id;
});

afterAll(async () => {
  await h?.close();
});

describe('the board', () => {
  it("counts a hand-built day in the tenant's zone: contacts, dials, contact rate, conversion, the last hour's abandonment against the cap, operators on it, refusals by rule, 15-minute slots", async () => {
    const app = h.buildApp({ clock: { now: () => now, advance: () => {} } });
    for (const user of [admin, member, supervisor]) {
      const res = await (await logIn(app, user)).get(`/api/t/${mine.slug}/campaigns/${campaignId}/board`);
      expect(res.status, res.text).toBe(200);
      const board = res.body;
      expect(board.campaign).toMatchObject({ id: campaignId, name: 'Spring offer', mode: 'progressive', status: 'running', abandonCapPercent: 3 });
      expect(board.todayStartsAt).toBe(dayStart.toISOString());
      expect(board.contacts).toEqual({ pending: 3, dialing: 0, done: 2, excluded: 1, total: 6 });
      expect(board.today).toEqual({ dials: 6, reached: 3, successes: 1, abandoned: 1, contactRate: 50, conversion: 33.3 });
      expect(board.lastHour).toEqual({ dials: 3, reached: 1, abandoned: 1, abandonRate: 50, overCap: true });
      expect(board.callsPerHour).toBe(3);
      expect(board.inFlight).toBe(1);
      expect(board.operators).toEqual([
        { id: opX.id, name: 'Xavier Op', state: 'on_call' },
        { id: opY.id, name: 'Yvonne Op', state: 'dialing' },
      ]);
      expect(board.refusalsToday).toEqual([
        { rule: 'hours', count: 2 },
        { rule: 'do_not_call', count: 1 },
      ]);
      // 16 h 07 min of today: 65 slots, from local midnight.
      expect(board.series).toHaveLength(65);
      expect(board.series[0].at).toBe(dayStart.toISOString());
      const slot = (iso: string) => board.series[Math.floor((Date.parse(iso) - dayStart.getTime()) / 900_000)];
      expect(slot('2026-03-10T07:00:00Z')).toMatchObject({ dials: 1, reached: 0, successes: 0, abandoned: 0 });
      expect(slot('2026-03-10T08:05:00Z')).toMatchObject({ dials: 2, reached: 2, successes: 1, abandoned: 0 });
      expect(slot('2026-03-10T14:40:00Z')).toMatchObject({ dials: 2, reached: 1, abandoned: 1 });
      const sum = board.series.reduce((s: number, p: { dials: number }) => s + p.dials, 0);
      expect(sum).toBe(6);
    }
  });

  it('answers 404 for a campaign of another tenant and 403 for operators; another tenant’s users see nothing of it', async () => {
    const own = await (await logIn(h.app, admin)).get(`/api/t/${mine.slug}/campaigns/${theirCampaignId}/board`);
    expect(own.status).toBe(404);
    const operator = await (await logIn(h.app, opX)).get(`/api/t/${mine.slug}/campaigns/${campaignId}/board`);
    expect(operator.status).toBe(403);
    const foreign = await (await logIn(h.app, stranger)).get(`/api/t/${mine.slug}/campaigns/${campaignId}/board`);
    expect([403, 404]).toContain(foreign.status);
    expect(JSON.stringify(foreign.body)).not.toContain('Spring offer');
  });
});

describe('the provider’s live list', () => {
  it("lists every tenant's running campaigns with headline figures for staff", async () => {
    const app = h.buildApp({ clock: { now: () => now, advance: () => {} } });
    const res = await (await logIn(app, supervisor)).get('/api/campaigns/live');
    expect(res.status, res.text).toBe(200);
    const ours = res.body.items.find((c: { id: string }) => c.id === campaignId);
    expect(ours).toMatchObject({
      tenant: { slug: mine.slug },
      name: 'Spring offer',
      pending: 3,
      dialsToday: 6,
      reachedToday: 3,
      successesToday: 1,
      abandonRate: 50,
      abandonCapPercent: 3,
      callsPerHour: 3,
      operators: 2,
    });
    expect(res.body.items.find((c: { id: string }) => c.id === theirCampaignId)).toMatchObject({ tenant: { slug: theirs.slug }, pending: 1, dialsToday: 0, abandonRate: null });
  });

  it('is for provider staff only: 403 for client users and operators', async () => {
    for (const user of [admin, member, stranger, opX]) {
      const res = await (await logIn(h.app, user)).get('/api/campaigns/live');
      expect(res.status).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain('Spring offer');
    }
  });
});

describe('live events', () => {
  it("tell the tenant's client users and provider staff once per batch that a campaign changed; not another tenant's users, not operators", async () => {
    const hub = new EventHub({ db: h.database.db, listen: h.database.listen, now: h.clock.now }, { wallboardIntervalMs: 60_000 });
    const users = [admin, member, stranger, supervisor, opX];
    const heard = new Map<string, { event: string; data: any }[]>(users.map((u) => [u.id, []]));
    for (const user of users) {
      await hub.subscribe({ userId: user.id, kind: user.kind, address: '192.0.2.7', send: (event: string, data: unknown) => void heard.get(user.id)!.push({ event, data }), close: () => {} });
    }
    const committed = (tenant: Tenant, events: BusEvent[]) =>
      withTenant(h.db, tenant.id, async (tx) => {
        for (const event of events) await publish(tx, event);
      });
    // Another tenant's campaign id published as this tenant's: the re-read under it finds nothing.
    await committed(mine, [{ kind: 'campaign', tenantId: mine.id, campaignId: theirCampaignId }]);
    await hub.caughtUp();
    await committed(theirs, [{ kind: 'campaign', tenantId: theirs.id, campaignId: theirCampaignId }]);
    await hub.caughtUp();
    // A dialer pass names the campaign many times in one commit: heard once.
    await committed(mine, Array.from({ length: 5 }, () => ({ kind: 'campaign', tenantId: mine.id, campaignId }) as const));
    await vi.waitFor(() => expect(heard.get(member.id)).toHaveLength(1));
    await hub.settled();
    const campaignsHeard = (user: TestUser) => heard.get(user.id)!.filter((m) => m.event === 'campaign');
    expect(campaignsHeard(admin)).toEqual([{ event: 'campaign', data: { tenant: mine.slug, campaignId } }]);
    expect(campaignsHeard(member)).toEqual([{ event: 'campaign', data: { tenant: mine.slug, campaignId } }]);
    expect(campaignsHeard(stranger)).toEqual([{ event: 'campaign', data: { tenant: theirs.slug, campaignId: theirCampaignId } }]);
    expect(campaignsHeard(supervisor)).toEqual([
      { event: 'campaign', data: { tenant: theirs.slug, campaignId: theirCampaignId } },
      { event: 'campaign', data: { tenant: mine.slug, campaignId } },
    ]);
    expect(campaignsHeard(opX)).toEqual([]);
    await hub.stop();
  });
});
