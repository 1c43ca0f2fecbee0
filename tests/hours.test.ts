import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, type Client, type Harness } from './support/index.ts';

/** The hours API: one document read and replaced as a whole, validated in full, audited, and a status computed from it. */
let h: Harness;
let tenant: Tenant;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let providerAdmin: Client;

const weekdays = { start: '08:00', end: '20:00' };
const bank = {
  defaultSchedule: 'Branch hours',
  schedules: [
    {
      name: 'Branch hours',
      week: { mon: [weekdays], tue: [weekdays], wed: [weekdays], thu: [weekdays], fri: [weekdays], sat: [{ start: '09:00', end: '13:00' }] },
    },
    { name: 'Late line', week: { fri: [{ start: '22:00', end: '02:00' }], sat: [{ start: '12:00', end: '18:00' }] } },
  ],
  overrides: [
    { from: '2026-12-24', to: '2026-12-26', label: 'Christmas', closed: true },
    { from: '2026-12-31', to: '2026-12-31', label: "New Year's Eve", closed: false, intervals: [{ start: '08:00', end: '12:00' }] },
  ],
  functionSchedules: [
    { function: 'complaints', schedule: 'Late line', afterHours: { action: 'forward', forwardTo: 'beschwerden@banque-horizon.test' } },
    { function: 'information', afterHours: { action: 'announcement', announcement: 'Our lines are closed.' } },
  ],
};

async function auditCount(action: string): Promise<number> {
  const rows = await h.db.selectFrom('auditLog').select('id').where('tenantId', '=', tenant.id).where('action', '=', action).execute();
  return rows.length;
}

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), timeZone: 'Europe/Berlin' }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  operator = await logIn(h.app, await seedOperator(h.db, [tenant]));
  providerAdmin = await logIn(h.app, provider);
});
afterAll(() => h?.close());

describe('hours', () => {
  it('starts empty, and is closed for want of a schedule', async () => {
    const res = await clientMember.get(`/api/t/${tenant.slug}/hours`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ timeZone: 'Europe/Berlin', hours: { schedules: [], overrides: [], functionSchedules: [] } });
    const status = await operator.get(`/api/t/${tenant.slug}/hours/status?function=information&at=2026-06-10T10:00:00Z`);
    expect(status.body).toMatchObject({ open: false, schedule: null, nextChange: null });
  });

  it('replaces the hours as a whole, normalized, with one audit row holding before and after; the same again writes nothing', async () => {
    const res = await clientAdmin.put(`/api/t/${tenant.slug}/hours`, bank);
    expect(res.status).toBe(200);
    expect(res.body.hours.schedules.map((s: { name: string }) => s.name)).toEqual(['Branch hours', 'Late line']);
    expect(res.body.hours.schedules[0].week.sun).toEqual([]);
    expect(res.body.hours.overrides[0]).toEqual({ from: '2026-12-24', to: '2026-12-26', label: 'Christmas', closed: true, intervals: [] });
    expect(res.body.hours.functionSchedules.map((f: { function: string }) => f.function)).toEqual(['information', 'complaints']);
    expect((await clientMember.get(`/api/t/${tenant.slug}/hours`)).body).toEqual(res.body);

    const [row] = await h.db.selectFrom('auditLog').selectAll().where('tenantId', '=', tenant.id).where('action', '=', 'hours.replaced').execute();
    expect(row).toMatchObject({ targetType: 'hours', before: { schedules: [], overrides: [], functionSchedules: [] }, after: res.body.hours });
    expect(await auditCount('hours.replaced')).toBe(1);

    const again = await providerAdmin.put(`/api/t/${tenant.slug}/hours`, bank);
    expect(again.status).toBe(200);
    expect(await auditCount('hours.replaced')).toBe(1);
  });

  it('answers the status per function: its own schedule, the default one, an override, and the after-hours action', async () => {
    const status = (fn: string, at: string) => clientMember.get(`/api/t/${tenant.slug}/hours/status?function=${fn}&at=${at}`);
    // Friday 2026-06-12 23:30 CEST: the late line (Friday 22:00–02:00) is open, branch hours are not.
    const late = await status('complaints', '2026-06-12T21:30:00Z');
    expect(late.body).toMatchObject({ open: true, schedule: 'Late line', inForce: { kind: 'weekly', day: 'fri', start: '22:00', end: '02:00' } });
    expect(late.body.nextChange).toEqual({ at: '2026-06-13T00:00:00Z', local: '2026-06-13T02:00+02:00', opens: false });
    const info = await status('information', '2026-06-12T21:30:00Z');
    expect(info.body).toMatchObject({ open: false, schedule: 'Branch hours', afterHours: { action: 'announcement', announcement: 'Our lines are closed.' } });
    expect(info.body.nextChange).toMatchObject({ local: '2026-06-13T09:00+02:00', opens: true });
    // Unlisted: the default schedule, no after-hours action of its own.
    expect((await status('telesales', '2026-06-12T10:00:00Z')).body).toMatchObject({ open: true, schedule: 'Branch hours', afterHours: null });
    const christmas = await status('information', '2026-12-24T10:00:00Z');
    expect(christmas.body).toMatchObject({ open: false, inForce: { kind: 'override', label: 'Christmas', closed: true } });
    expect(christmas.body.nextChange).toMatchObject({ local: '2026-12-28T08:00+01:00', opens: true });
    const eve = await status('information', '2026-12-31T10:00:00Z');
    expect(eve.body).toMatchObject({ open: true, inForce: { kind: 'override', label: "New Year's Eve", start: '08:00', end: '12:00' } });
  });

  it('uses the clock when `at` is left out, and refuses an unknown function or a bad instant with their paths', async () => {
    expect((await clientMember.get(`/api/t/${tenant.slug}/hours/status`)).status).toBe(200);
    const bad = await clientMember.get(`/api/t/${tenant.slug}/hours/status?function=juggling&at=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['at', 'function']);
  });

  it('lists every problem with its path and saves nothing', async () => {
    const before = (await clientMember.get(`/api/t/${tenant.slug}/hours`)).body;
    const audits = await auditCount('hours.replaced');
    const res = await clientAdmin.put(`/api/t/${tenant.slug}/hours`, {
      defaultSchedule: 'Nowhere',
      schedules: [
        {
          name: 'Week',
          week: {
            mon: [{ start: '22:00', end: '03:00' }],
            tue: [{ start: '02:00', end: '06:00' }, { start: '10:00', end: '12:00' }, { start: '11:30', end: '13:00' }],
            sun: [{ start: '23:00', end: '00:30' }],
          },
        },
        { name: 'Week', week: {} },
      ],
      overrides: [
        { from: '2026-12-24', to: '2026-12-26', label: 'Christmas', closed: true },
        { from: '2026-12-26', to: '2026-12-26', label: 'Boxing Day', closed: true },
        { from: '2026-05-01', to: '2026-05-01', label: 'Labour Day', closed: false },
      ],
      functionSchedules: [
        { function: 'complaints', schedule: 'Late', afterHours: { action: 'message', forwardTo: '+4930123456' } },
        { function: 'complaints', afterHours: { action: 'announcement' } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'schedules.0.week.tue.0',
      'schedules.0.week.tue.2',
      'schedules.1.name',
      'defaultSchedule',
      'overrides.1.from',
      'overrides.2.intervals',
      'functionSchedules.0.schedule',
      'functionSchedules.0.afterHours.forwardTo',
      'functionSchedules.1.function',
      'functionSchedules.1.afterHours.announcement',
    ]);
    expect(res.body.errors[0].message).toBe('Overlaps mon 22:00–03:00.');

    const format = await clientAdmin.put(`/api/t/${tenant.slug}/hours`, {
      schedules: [{ name: 'x', week: { mon: [{ start: '9:00', end: '25:00' }, { start: '10:00', end: '10:00' }], funday: [] } }],
      functionSchedules: [{ function: 'juggling', afterHours: { action: 'forward', forwardTo: '0142' } }],
    });
    expect(format.status).toBe(400);
    expect(format.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining([
        'schedules.0.week.mon.0.start',
        'schedules.0.week.mon.0.end',
        'schedules.0.week.mon.1.end',
        'schedules.0.week',
        'functionSchedules.0.function',
        'functionSchedules.0.afterHours.forwardTo',
      ]),
    );
    // A part with the wrong shape does not hide the cross-field problems of the parts that parsed,
    // each reported where it stands in the document that was sent.
    const shape = await clientAdmin.put(`/api/t/${tenant.slug}/hours`, {
      defaultSchedule: 'Nowhere',
      schedules: [
        { name: 'Broken', week: { mon: 5 } },
        { name: 'Day', week: { tue: [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '13:00' }] } },
        { name: 'Day', week: {} },
      ],
      overrides: ['Christmas', { from: '2026-05-02', to: '2026-05-01', label: 'Backwards', closed: true }],
      functionSchedules: [
        { function: 'complaints', schedule: 'Broken', afterHours: { action: 'callback' } },
        { function: 'information', schedule: 'Late', afterHours: { action: 'message' } },
      ],
    });
    expect(shape.status).toBe(400);
    expect(shape.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'schedules.0.week.mon',
      'overrides.0',
      'schedules.1.week.tue.1',
      'schedules.2.name',
      'defaultSchedule',
      'overrides.1.to',
      'functionSchedules.1.schedule',
    ]);
    expect(shape.body.errors[3].message).toBe('"Day" is already the name of schedules[1].');

    // Sunday night runs into Monday morning.
    const wrap = await clientAdmin.put(`/api/t/${tenant.slug}/hours`, {
      schedules: [{ name: 'w', week: { mon: [{ start: '01:00', end: '05:00' }], sun: [{ start: '23:00', end: '02:00' }] } }],
    });
    expect(wrap.body.errors).toMatchObject([{ path: 'schedules.0.week.sun.0', message: 'Overlaps mon 01:00–05:00.' }]);

    expect((await clientMember.get(`/api/t/${tenant.slug}/hours`)).body).toEqual(before);
    expect(await auditCount('hours.replaced')).toBe(audits);
  });

  it('lets only client admins and provider admins change the hours', async () => {
    for (const who of [clientMember, operator]) {
      const res = await who.put(`/api/t/${tenant.slug}/hours`, { schedules: [] });
      expect(res.status).toBe(403);
    }
    expect((await clientMember.get(`/api/t/${tenant.slug}/hours`)).body.hours.schedules).toHaveLength(2);
  });
});
