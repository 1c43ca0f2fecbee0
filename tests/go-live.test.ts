import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import {
  actorFor,
  createHarness,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  type Client,
  type Harness,
  type TestUser,
} from './support/index.ts';
import { requireAgreement, uniqueNumber } from './support/routing.ts';

/**
 * A new company goes live alone: GET /api/t/{tenant}/go-live lists, per function it prepares or
 * delegates, what is missing to take calls; each item turns done as the thing is fixed through the
 * ordinary routes. Also: an assignment needs a skill, fewer than two operators is flagged, and a
 * brand colour close to another company's served by the same operators is warned about.
 */
let h: Harness;
let provider: TestUser;
let tenant: Tenant;
let admin: Client;
let clientAdmin: Client;
let clientMember: Client;
let supervisor: Client;
let operatorClient: Client;
let first: TestUser;
let second: TestUser;

type Item = { key: string; status: string; detail: string; code: string; params: Record<string, unknown>; fixedBy: string };
type Fn = { function: string; delegated: boolean; operatorsAble: number; understaffed: boolean; live: boolean; items: Item[] };
type GoLive = { status: string; missing: number; warnings: number; understaffed: string[]; functions: Fn[] };

const script = {
  steps: [
    { id: 'items', type: 'ask', text: 'What would you like?', answer: { type: 'text' }, next: 'save' },
    { id: 'save', type: 'capture', captures: [{ target: 'order.items', from: 'items' }], next: 'done' },
    { id: 'done', type: 'end', text: 'Thank you.', disposition: 'order_taken' },
  ],
};
const hours = { defaultSchedule: 'Service', schedules: [{ name: 'Service', week: { mon: [{ start: '09:00', end: '18:00' }] } }] };

async function checklist(who: Client = clientAdmin, slug = tenant.slug): Promise<GoLive> {
  const res = await who.get(`/api/t/${slug}/go-live`);
  expect(res.status).toBe(200);
  return res.body as GoLive;
}
const orderTaking = async (who?: Client) => (await checklist(who)).functions.find((f) => f.function === 'order_taking')!;
const item = (fn: Fn, key: string) => fn.items.find((i) => i.key === key);
const statusOf = async (key: string) => item(await orderTaking(), key)?.status;

beforeAll(async () => {
  h = await createHarness();
  provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), brandColor: '#2f6fdf' }));
  admin = await logIn(h.app, provider);
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
  first = await seedUser(h.db, { kind: 'operator', displayName: 'First Operator' });
  second = await seedUser(h.db, { kind: 'operator', displayName: 'Second Operator' });
  operatorClient = await logIn(h.app, await seedOperator(h.db, [tenant]));
  // The operator above serves another skill only, so it never counts for order taking.
  await withTenant(h.db, tenant.id, (tx) => tx.updateTable('operatorAssignments').set({ skills: ['surveys'] }).execute());
});
afterAll(() => h?.close());

describe('GET /api/t/{tenant}/go-live', () => {
  it('has nothing to check before any function is prepared, and is read by client users and provider staff, not operators', async () => {
    // Surveys have an operator with the skill, but nothing else: a skill alone does not put a function on the list.
    expect(await checklist()).toEqual({ status: 'not_started', missing: 0, warnings: 0, understaffed: [], minOperatorsPerFunction: 2, functions: [] });
    for (const who of [clientMember, admin, supervisor]) expect((await who.get(`/api/t/${tenant.slug}/go-live`)).status).toBe(200);
    const denied = await operatorClient.get(`/api/t/${tenant.slug}/go-live`);
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toContain('application/problem+json');
  });

  it('lists a function once a number rings for it, with every missing item and who fixes it', async () => {
    const number = uniqueNumber();
    expect((await admin.put(`/api/t/${tenant.slug}/phone-numbers/${encodeURIComponent(number)}`, { function: 'order_taking', label: 'Flyer' })).status).toBe(200);
    const list = await checklist();
    expect(list.status).toBe('in_progress');
    expect(list.functions.map((f) => f.function)).toEqual(['order_taking']);
    const fn = list.functions[0]!;
    expect(fn.items.map((i) => [i.key, i.status, i.fixedBy])).toEqual([
      ['script', 'missing', 'client'],
      ['wrapUpCodes', 'missing', 'client'],
      ['hours', 'missing', 'client'],
      ['phoneNumber', 'done', 'provider'],
      ['operators', 'missing', 'provider'],
      ['delegated', 'missing', 'client'],
    ]);
    expect(item(fn, 'phoneNumber')!.detail).toContain(number);
    expect(item(fn, 'phoneNumber')).toMatchObject({ code: 'phoneNumberRouted', params: { numbers: [number] } });
    expect(list.missing).toBe(5);
  });

  it('leaves out a prepared function the company explicitly keeps in-house', async () => {
    expect((await admin.put(`/api/t/${tenant.slug}/phone-numbers/${encodeURIComponent(uniqueNumber())}`, { function: 'complaints' })).status).toBe(200);
    expect((await checklist()).functions.map((f) => f.function)).toEqual(['order_taking', 'complaints']);
    expect((await clientAdmin.put(`/api/t/${tenant.slug}/delegations/complaints`, { delegated: false, inHouse: 'claims@example.com' })).status).toBe(200);
    expect((await checklist()).functions.map((f) => f.function)).toEqual(['order_taking']);
  });

  it('turns each item done as it is fixed: wrap-up codes, hours, the script (draft, then published)', async () => {
    expect((await clientAdmin.post(`/api/t/${tenant.slug}/wrap-up-codes`, { code: 'order_taken', label: 'Order taken' })).status).toBe(201);
    expect(await statusOf('wrapUpCodes')).toBe('done');

    expect(await statusOf('hours')).toBe('missing');
    expect((await clientAdmin.put(`/api/t/${tenant.slug}/hours`, hours)).status).toBe(200);
    expect(await statusOf('hours')).toBe('done');

    expect((await clientAdmin.put(`/api/t/${tenant.slug}/scripts/order_taking/draft`, script)).status).toBe(200);
    expect(item(await orderTaking(), 'script')).toMatchObject({ status: 'missing', detail: 'The order taking script is a draft: publish it.', code: 'scriptDraft', params: {} });
    expect((await clientAdmin.post(`/api/t/${tenant.slug}/scripts/order_taking/publish`)).status).toBe(201);
    expect(await statusOf('script')).toBe('done');
  });

  it('wants two operators with the skill: none is missing, one is a warning, two is done', async () => {
    expect(await statusOf('operators')).toBe('missing');
    expect((await admin.put(`/api/t/${tenant.slug}/operators/${first.id}`, { skills: ['order_taking'] })).status).toBe(200);
    expect(item(await orderTaking(), 'operators')).toMatchObject({ status: 'warning', detail: expect.stringContaining('Only one operator'), code: 'operatorsOne', params: { min: 2 } });
    expect((await admin.put(`/api/t/${tenant.slug}/operators/${second.id}`, { skills: ['order_taking'] })).status).toBe(200);
    expect(await orderTaking()).toMatchObject({ operatorsAble: 2, understaffed: false });
    expect(await statusOf('operators')).toBe('done');
  });

  it('adds signed agreements when the rules require them, counting only cleared operators', async () => {
    await requireAgreement(h.db, tenant, new Date());
    let fn = await orderTaking();
    expect(item(fn, 'agreements')).toMatchObject({
      status: 'missing',
      detail: '2 operators have not signed the confidentiality agreement your rules require.',
      code: 'agreementsUnsigned',
      params: { n: 2 },
    });
    expect(item(fn, 'operators')!.status).toBe('missing');
    const sign = (op: TestUser) => admin.put(`/api/t/${tenant.slug}/operators/${op.id}/agreement`, { signedAt: '2026-01-15T09:00:00Z' });
    expect((await sign(first)).status).toBe(200);
    fn = await orderTaking();
    expect([item(fn, 'agreements')!.status, item(fn, 'operators')!.status]).toEqual(['warning', 'warning']);
    expect((await sign(second)).status).toBe(200);
    fn = await orderTaking();
    expect([item(fn, 'agreements')!.status, item(fn, 'operators')!.status]).toEqual(['done', 'done']);
  });

  it('is live once delegated, and flags a delegated function fewer than two operators can take, here and on the wallboard', async () => {
    expect((await clientAdmin.put(`/api/t/${tenant.slug}/delegations/order_taking`, { delegated: true, expectedMonthlyVolume: 100 })).status).toBe(200);
    let list = await checklist();
    expect(list).toMatchObject({ status: 'live', missing: 0, warnings: 0, understaffed: [] });
    expect(list.functions[0]!.live).toBe(true);

    // A disabled operator account can take no call: it stops counting at once.
    await h.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', second.id).execute();
    list = await checklist();
    expect(list).toMatchObject({ status: 'live', warnings: 1, understaffed: ['order_taking'] });
    expect(list.functions[0]).toMatchObject({ operatorsAble: 1, understaffed: true });

    const board = await supervisor.get('/api/wallboard');
    expect(board.status).toBe(200);
    const queue = board.body.tenants.find((t: { slug: string }) => t.slug === tenant.slug).queues.find((q: { function: string }) => q.function === 'order_taking');
    expect(queue).toMatchObject({ operatorsAble: 1, understaffed: true });

    const summary = (await admin.get('/api/tenants')).body.tenants.find((t: { slug: string }) => t.slug === tenant.slug);
    expect(summary.goLive).toEqual({ status: 'live', missing: 0, warnings: 1, understaffed: ['order_taking'] });

    await h.db.updateTable('users').set({ status: 'active' }).where('id', '=', second.id).execute();
    expect((await checklist()).understaffed).toEqual([]);
    const again = (await supervisor.get('/api/wallboard')).body.tenants.find((t: { slug: string }) => t.slug === tenant.slug);
    expect(again.queues.find((q: { function: string }) => q.function === 'order_taking')).toMatchObject({ operatorsAble: 2, understaffed: false });
  });

  it("never shows another company's numbers or operators", async () => {
    const { tenant: other } = await seedTenant(h.db, { actor: actorFor(provider) });
    const otherNumber = uniqueNumber();
    expect((await admin.put(`/api/t/${other.slug}/phone-numbers/${encodeURIComponent(otherNumber)}`, { function: 'complaints' })).status).toBe(200);
    const third = await seedUser(h.db, { kind: 'operator' });
    for (const op of [first, second, third]) expect((await admin.put(`/api/t/${other.slug}/operators/${op.id}`, { skills: ['order_taking', 'complaints'] })).status).toBe(200);

    const mine = await checklist();
    expect(JSON.stringify(mine)).not.toContain(otherNumber);
    expect(mine.functions.map((f) => f.function)).toEqual(['order_taking']);
    expect(mine.functions[0]!.operatorsAble).toBe(2);

    const theirs = await checklist(admin, other.slug);
    expect(theirs.functions.map((f) => [f.function, f.operatorsAble])).toEqual([['complaints', 3]]);
    const theirText = JSON.stringify(theirs);
    for (const n of (await h.db.selectFrom('phoneNumbers').select('number').where('tenantId', '=', tenant.id).execute()).map((r) => r.number)) {
      expect(theirText).not.toContain(n);
    }
    // And A's client admin cannot ask for B's checklist: the same 404 as a company that does not exist.
    const probe = await clientAdmin.get(`/api/t/${other.slug}/go-live`);
    const control = await clientAdmin.get('/api/t/no-such-company/go-live');
    expect([probe.status, probe.text]).toEqual([control.status, control.text]);
    expect(probe.status).toBe(404);
  });
});

describe('assigning an operator', () => {
  it('refuses an assignment without any skill (400 naming skills), saving and auditing nothing', async () => {
    const newcomer = await seedUser(h.db, { kind: 'operator' });
    const audits = () => h.db.selectFrom('auditLog').select('id').where('tenantId', '=', tenant.id).where('targetId', '=', newcomer.id).execute();
    for (const body of [{ skills: [] }, {}, { skills: ['order\u0000taking'] }, { skills: 'order_taking' }]) {
      const res = await admin.put(`/api/t/${tenant.slug}/operators/${newcomer.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)[0]).toMatch(/^skills/);
    }
    const assigned = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('operatorAssignments').select('operatorId').where('operatorId', '=', newcomer.id).execute());
    expect(assigned).toEqual([]);
    expect(await audits()).toEqual([]);

    // Taking every skill away from an assigned operator is refused the same way; unassigning is how one stops.
    const res = await admin.put(`/api/t/${tenant.slug}/operators/${first.id}`, { skills: [] });
    expect(res.status).toBe(400);
    expect((await orderTaking()).operatorsAble).toBe(2);
  });
});

describe('GET /api/brand-colors/similar', () => {
  let red: Tenant;
  let sharedOperator: TestUser;
  const similar = (query: string, who: Client = admin) => who.get(`/api/brand-colors/similar?${query}`);

  beforeAll(async () => {
    ({ tenant: red } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Red Pizza', brandColor: '#c0392b' }));
    sharedOperator = await seedUser(h.db, { kind: 'operator' });
    expect((await admin.put(`/api/t/${red.slug}/operators/${sharedOperator.id}`, { skills: ['order_taking'] })).status).toBe(200);
  });

  it('warns about a close colour of a company served by the operators being assigned, with the distance', async () => {
    const res = await similar(`color=${encodeURIComponent('#E74C3C')}&operators=${sharedOperator.id}`);
    expect(res.status).toBe(200);
    expect(res.body.color).toBe('#e74c3c');
    expect(res.body.thresholds).toEqual({ sharedOperators: 12, anyCompany: 6 });
    expect(res.body.similar).toEqual([{ slug: red.slug, name: 'Red Pizza', brandColor: '#c0392b', distance: 10, sharesOperators: true }]);
  });

  it('only hints at a near-identical colour of a company sharing no operator, and says nothing of a merely close one', async () => {
    expect((await similar(`color=${encodeURIComponent('#e74c3c')}`)).body.similar).toEqual([]);
    const near = await similar(`color=${encodeURIComponent('#c33b2d')}`);
    expect(near.body.similar).toEqual([expect.objectContaining({ slug: red.slug, sharesOperators: false })]);
    expect(near.body.similar[0].distance).toBeLessThan(6);
  });

  it("counts the company's own operators when it is named, and leaves the company itself out", async () => {
    expect((await admin.put(`/api/t/${tenant.slug}/operators/${sharedOperator.id}`, { skills: ['information'] })).status).toBe(200);
    const res = await similar(`color=${encodeURIComponent('#e74c3c')}&tenant=${tenant.slug}`);
    expect(res.body.similar).toEqual([expect.objectContaining({ slug: red.slug, sharesOperators: true })]);
    const self = await similar(`color=${encodeURIComponent('#c0392b')}&tenant=${red.slug}`);
    expect(self.body.similar.map((s: { slug: string }) => s.slug)).not.toContain(red.slug);
    // The same check the brand colour card makes: the colour is saved anyway (a warning, not a refusal).
    const patched = await admin.patch(`/api/tenants/${tenant.slug}`, { brandColor: '#e74c3c' });
    expect(patched.status).toBe(200);
  });

  it('refuses bad input with 400 naming the field, an unknown company with 404, and anyone but provider staff with 403', async () => {
    for (const [query, path] of [
      ['color=red', 'color'],
      [`color=${encodeURIComponent('#c0392b\u0000')}`, 'color'],
      [`color=${encodeURIComponent('=HYPERLINK("x")')}`, 'color'],
      [`color=${encodeURIComponent('#c0392b')}&operators=not-a-uuid`, 'operators'],
      [`color=${encodeURIComponent('#c0392b')}&operators=${Array.from({ length: 51 }, () => sharedOperator.id).join(',')}`, 'operators'],
      [`color=${encodeURIComponent('#c0392b')}&tenant=${'x'.repeat(5000)}`, 'tenant'],
    ] as const) {
      const res = await similar(query);
      expect(res.status, query).toBe(400);
      expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([path]);
    }
    expect((await similar(`color=${encodeURIComponent('#c0392b')}&tenant=no-such-company`)).status).toBe(404);
    expect((await similar(`color=${encodeURIComponent('#c0392b')}`, supervisor)).status).toBe(200);
    for (const who of [clientAdmin, operatorClient]) expect((await similar(`color=${encodeURIComponent('#c0392b')}`, who)).status).toBe(403);
  });
});
