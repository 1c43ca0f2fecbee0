import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withTenant, type Database } from '@switchboard/db';
import { hoursStatus, loadHours } from '@switchboard/api';
import { applyDefinitions, applyTenant, exportTenant, loadDemo, parseTenantYaml, tenantToYaml } from './index.ts';

/** The `hours` section: applied as a whole and idempotently, exported back the same, left alone when absent. */
const tenantYaml = (hours: string) => `
tenant:
  slug: trattoria-lyon
  name: Trattoria Lyon
  legalName: Trattoria Lyon SARL
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
${hours}`;

const withHours = tenantYaml(`
hours:
  defaultSchedule: Service
  schedules:
    - name: Service
      week:
        fri: [{start: "18:00", end: "01:00"}, {start: "11:00", end: "14:30"}]
        sat: [{start: "18:00", end: "01:00"}]
    - name: Bureau
      week:
        mon: [{start: "09:00", end: "17:00"}]
  overrides:
    - {from: "2026-12-25", to: "2026-12-25", label: Noël, closed: true}
  functionSchedules:
    - function: complaints
      schedule: Bureau
      afterHours: {action: forward, forwardTo: "+33478000000"}
    - function: order_taking
      afterHours: {action: announcement, announcement: Fermé.}
`);

let database: Database;

async function auditActions(tenantId: string): Promise<string[]> {
  const rows = await database.db.selectFrom('auditLog').select('action').where('tenantId', '=', tenantId).orderBy('id').execute();
  return rows.map((r) => r.action);
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

describe('the hours section of a tenant file', () => {
  it('applies hours with the tenant, then reports unchanged and writes nothing', async () => {
    const created = await applyTenant(database.db, parseTenantYaml(withHours));
    expect(created.errors).toEqual([]);
    expect(created.outcome).toBe('created');
    expect(created.changes).toEqual(
      expect.arrayContaining(['hours: defaultSchedule: none → "Service"', 'hours: schedule "Service" added', 'hours: override "Noël" (2026-12-25) added', 'hours: function complaints added']),
    );
    const tenant = (await database.db.selectFrom('tenants').selectAll().where('slug', '=', 'trattoria-lyon').executeTakeFirstOrThrow());
    expect(await auditActions(tenant.id)).toEqual(['tenant.created', 'hours.replaced']);

    const again = await applyTenant(database.db, parseTenantYaml(withHours));
    expect(again).toMatchObject({ outcome: 'unchanged', changes: [] });
    expect(await auditActions(tenant.id)).toEqual(['tenant.created', 'hours.replaced']);

    const hours = await withTenant(database.db, tenant.id, loadHours);
    expect(hours.schedules.find((s) => s.name === 'Service')?.week.fri).toEqual([
      { start: '11:00', end: '14:30' },
      { start: '18:00', end: '01:00' },
    ]);
    // Friday 2026-06-12 at 00:30 on Saturday, Paris: still Friday's evening service.
    expect(hoursStatus({ timeZone: tenant.timeZone, definition: hours }, 'order_taking', new Date('2026-06-12T22:30:00Z'))).toMatchObject({ open: true });
  });

  it('exports the hours so that the export parses to the same definition and applies as unchanged', async () => {
    const exported = await exportTenant(database.db, 'trattoria-lyon');
    expect(exported?.hours).toEqual(parseTenantYaml(withHours).hours);
    const yaml = tenantToYaml(exported!);
    expect(yaml).toContain('fri: [{start: "11:00", end: "14:30"}, {start: "18:00", end: "01:00"}]');
    expect(yaml).toContain('afterHours: {action: forward, forwardTo: "+33478000000"}');
    expect(parseTenantYaml(yaml)).toEqual(exported);
    expect((await applyTenant(database.db, parseTenantYaml(yaml))).outcome).toBe('unchanged');
  });

  it('replaces the hours when the section changes, and leaves them alone when the section is left out', async () => {
    const edited = withHours.replace('label: Noël, closed: true', 'label: Noël, closed: false, intervals: [{start: "18:00", end: "22:00"}]');
    const updated = await applyTenant(database.db, parseTenantYaml(edited));
    expect(updated).toMatchObject({ outcome: 'updated', fields: ['hours'], changes: ['hours: override "Noël" (2026-12-25) changed'] });

    const without = await applyTenant(database.db, parseTenantYaml(tenantYaml('')));
    expect(without.outcome).toBe('unchanged');
    expect((await exportTenant(database.db, 'trattoria-lyon'))?.hours?.overrides[0]?.closed).toBe(false);
  });

  it('reports invalid hours in a file with their paths', () => {
    const bad = tenantYaml(`
hours:
  defaultSchedule: Nope
  schedules:
    - name: S
      week:
        mon: [{start: "22:00", end: "02:00"}]
        tue: [{start: "01:00", end: "03:00"}]
`);
    expect(() => parseTenantYaml(bad)).toThrow(/hours\.schedules\[0\]\.week\.tue\[0\].*Overlaps mon 22:00–02:00/s);
    expect(() => parseTenantYaml(bad)).toThrow(/hours\.defaultSchedule.*No schedule is named "Nope"/s);
  });

  it('round-trips the demo tenants with their hours', async () => {
    const demo = loadDemo();
    const report = await applyDefinitions(database.db, demo);
    expect(report.ok).toBe(true);
    for (const { definition } of demo.tenants) {
      expect(definition.hours?.schedules.length).toBeGreaterThan(0);
      const exported = await exportTenant(database.db, definition.tenant.slug);
      expect(exported?.hours).toEqual(definition.hours);
      expect(parseTenantYaml(tenantToYaml(exported!)).hours).toEqual(definition.hours);
    }
    const again = await applyDefinitions(database.db, demo);
    expect(again.tenants.map((t) => [t.outcome, t.changes])).toEqual(demo.tenants.map(() => ['unchanged', []]));
  });
});
