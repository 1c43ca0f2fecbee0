import { describe, expect, it } from 'vitest';
import { HoursDefinitionSchema, type HoursDefinitionInput } from './definition.ts';
import { hoursStatus, type TenantHours } from './status.ts';

const every = (start: string, end: string) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start, end }]]));

function paris(input: HoursDefinitionInput): TenantHours {
  return { timeZone: 'Europe/Paris', definition: HoursDefinitionSchema.parse(input) };
}

/** A bar open every night 22:00–02:00, a kitchen whose night shift starts inside the hour skipped in spring. */
const nights = paris({
  defaultSchedule: 'Nights',
  schedules: [
    { name: 'Nights', week: every('22:00', '02:00') },
    { name: 'Early', week: { sun: [{ start: '02:30', end: '06:00' }] } },
    { name: 'Weekdays', week: { mon: [{ start: '09:00', end: '18:00' }], tue: [{ start: '09:00', end: '18:00' }] } },
  ],
  overrides: [{ from: '2026-12-25', to: '2026-12-25', label: 'Christmas', closed: true }],
  functionSchedules: [
    { function: 'order_taking', schedule: 'Early', afterHours: { action: 'callback' } },
    { function: 'complaints', schedule: 'Weekdays', afterHours: { action: 'forward', forwardTo: '+33142868200' } },
    { function: 'surveys', afterHours: { action: 'announcement', announcement: 'We are closed.' } },
  ],
});

const at = (iso: string) => new Date(iso);

describe('hours status across daylight-saving changes (Europe/Paris)', () => {
  it('keeps an overnight slot open through the spring-forward night: 22:00 CET to 02:00 local, which is 03:00 CEST', () => {
    // 2026-03-28 23:30 CET (22:30Z): open since 22:00, closing at 02:00 local, which the clock never shows.
    const s = hoursStatus(nights, null, at('2026-03-28T22:30:00Z'));
    expect(s).toMatchObject({ open: true, schedule: 'Nights', local: '2026-03-28T23:30+01:00' });
    expect(s.inForce).toMatchObject({ kind: 'weekly', day: 'sat', start: '22:00', end: '02:00' });
    // The clock jumps 02:00 → 03:00 at 01:00Z; the first instant it shows 02:00 or later is that jump.
    expect(s.nextChange).toEqual({ at: '2026-03-29T01:00:00Z', local: '2026-03-29T03:00+02:00', opens: false });
    const after = hoursStatus(nights, null, at('2026-03-29T01:00:00Z'));
    expect(after.open).toBe(false);
    expect(after.nextChange).toEqual({ at: '2026-03-29T20:00:00Z', local: '2026-03-29T22:00+02:00', opens: true });
  });

  it('opens a slot that starts inside the skipped hour (02:30) when the clock jumps to 03:00', () => {
    const before = hoursStatus(nights, 'order_taking', at('2026-03-29T00:45:00Z'));
    expect(before).toMatchObject({ open: false, schedule: 'Early', local: '2026-03-29T01:45+01:00' });
    expect(before.nextChange).toEqual({ at: '2026-03-29T01:00:00Z', local: '2026-03-29T03:00+02:00', opens: true });
    const open = hoursStatus(nights, 'order_taking', at('2026-03-29T01:10:00Z'));
    expect(open).toMatchObject({ open: true, inForce: { kind: 'weekly', day: 'sun', start: '02:30', end: '06:00' } });
    expect(open.nextChange).toEqual({ at: '2026-03-29T04:00:00Z', local: '2026-03-29T06:00+02:00', opens: false });
    // A week later, an ordinary Sunday: 02:30 CEST.
    expect(hoursStatus(nights, 'order_taking', at('2026-03-30T12:00:00Z')).nextChange?.at).toBe('2026-04-05T00:30:00Z');
  });

  it('keeps an overnight slot open for the repeated hour of the fall-back night, closing at the first 02:00', () => {
    // Saturday 2026-10-24 22:00 CEST = 20:00Z; the clock goes 03:00 CEST → 02:00 CET at 01:00Z.
    const s = hoursStatus(nights, null, at('2026-10-24T23:30:00Z'));
    expect(s).toMatchObject({ open: true, local: '2026-10-25T01:30+02:00' });
    expect(s.nextChange).toEqual({ at: '2026-10-25T00:00:00Z', local: '2026-10-25T02:00+02:00', opens: false });
    // In the repeated hour (02:30 CET, after the first 02:00) it is closed until 22:00 CET.
    const repeated = hoursStatus(nights, null, at('2026-10-25T01:30:00Z'));
    expect(repeated).toMatchObject({ open: false, local: '2026-10-25T02:30+01:00' });
    expect(repeated.nextChange).toEqual({ at: '2026-10-25T21:00:00Z', local: '2026-10-25T22:00+01:00', opens: true });
  });

  it('closes for a holiday override, while the night before still runs into it', () => {
    const eve = hoursStatus(nights, null, at('2026-12-24T23:30:00Z'));
    expect(eve).toMatchObject({ open: true, inForce: { kind: 'weekly', day: 'thu', start: '22:00' } });
    const christmas = hoursStatus(nights, null, at('2026-12-25T20:00:00Z'));
    expect(christmas).toMatchObject({ open: false, inForce: { kind: 'override', label: 'Christmas', closed: true, date: '2026-12-25' } });
    expect(christmas.nextChange).toEqual({ at: '2026-12-26T21:00:00Z', local: '2026-12-26T22:00+01:00', opens: true });
  });

  it("falls back to the tenant's default schedule for a function without its own, and reports its after-hours action", () => {
    const s = hoursStatus(nights, 'surveys', at('2026-06-10T21:00:00Z'));
    expect(s).toMatchObject({ function: 'surveys', schedule: 'Nights', open: true, afterHours: { action: 'announcement', announcement: 'We are closed.', forwardTo: null } });
    const unlisted = hoursStatus(nights, 'telesales', at('2026-06-10T21:00:00Z'));
    expect(unlisted).toMatchObject({ schedule: 'Nights', open: true, afterHours: null });
  });

  it('finds the next opening days ahead (complaints on weekdays only)', () => {
    // Tuesday 2026-06-09 18:30 CEST: closed until Monday 09:00.
    const s = hoursStatus(nights, 'complaints', at('2026-06-09T16:30:00Z'));
    expect(s).toMatchObject({ open: false, afterHours: { action: 'forward', forwardTo: '+33142868200' } });
    expect(s.nextChange).toEqual({ at: '2026-06-15T07:00:00Z', local: '2026-06-15T09:00+02:00', opens: true });
  });

  it('chains adjacent days into one stretch: 24/7 never changes, and a tenant without hours is closed', () => {
    const always = { timeZone: 'Europe/Moscow', definition: HoursDefinitionSchema.parse({ defaultSchedule: 'Always', schedules: [{ name: 'Always', week: every('00:00', '24:00') }] }) };
    const s = hoursStatus(always, 'information', at('2026-03-29T01:30:00Z'));
    expect(s).toMatchObject({ open: true, nextChange: null, local: '2026-03-29T04:30+03:00' });
    const withHoliday = { ...always, definition: HoursDefinitionSchema.parse({ ...always.definition, overrides: [{ from: '2026-12-31', to: '2026-12-31', label: 'New Year', intervals: [{ start: '08:00', end: '18:00' }], closed: false }] }) };
    expect(hoursStatus(withHoliday, null, at('2026-03-29T01:30:00Z')).nextChange).toEqual({ at: '2026-12-30T21:00:00Z', local: '2026-12-31T00:00+03:00', opens: false });
    expect(hoursStatus(withHoliday, null, at('2026-12-31T04:00:00Z')).nextChange).toEqual({ at: '2026-12-31T05:00:00Z', local: '2026-12-31T08:00+03:00', opens: true });
    expect(hoursStatus(withHoliday, null, at('2026-12-31T06:00:00Z')).nextChange).toEqual({ at: '2026-12-31T15:00:00Z', local: '2026-12-31T18:00+03:00', opens: false });
    const none = hoursStatus({ timeZone: 'Europe/Paris', definition: HoursDefinitionSchema.parse({}) }, 'information', new Date());
    expect(none).toMatchObject({ open: false, schedule: null, nextChange: null });
  });
});
