import { sql } from 'kysely';
import { jsonb, newId, type CallFunctionId, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { writeAudit } from '../audit/write.ts';
import { normalizeHours, weekdays, type HoursDefinition, type Interval, type Schedule } from './definition.ts';

/** The tenant's hours as one normalized document (empty for a tenant that has set none). */
export async function loadHours(tx: TenantTx): Promise<HoursDefinition> {
  const schedules = await tx.selectFrom('hoursSchedules').select(['name', 'isDefault']).execute();
  const slots = await tx.selectFrom('hoursSlots').select(['scheduleName', 'weekday', 'startsAt', 'endsAt']).execute();
  const overrides = await tx
    .selectFrom('hoursOverrides')
    .select([
      sql<string>`to_char(starts_on, 'YYYY-MM-DD')`.as('from'),
      sql<string>`to_char(ends_on, 'YYYY-MM-DD')`.as('to'),
      'label',
      'closed',
      'intervals',
    ])
    .execute();
  const functions = await tx.selectFrom('hoursFunctions').selectAll().execute();
  const defaultSchedule = schedules.find((s) => s.isDefault)?.name;
  return normalizeHours({
    ...(defaultSchedule !== undefined ? { defaultSchedule } : {}),
    schedules: schedules.map((s) => {
      const week = Object.fromEntries(weekdays.map((d) => [d, [] as Interval[]])) as Schedule['week'];
      for (const slot of slots.filter((x) => x.scheduleName === s.name)) week[weekdays[slot.weekday - 1]!].push({ start: slot.startsAt, end: slot.endsAt });
      return { name: s.name, week };
    }),
    overrides: overrides.map((o) => ({ from: o.from, to: o.to, label: o.label, closed: o.closed, intervals: o.intervals as Interval[] })),
    functionSchedules: functions.map((f) => ({
      function: f.functionId as CallFunctionId,
      ...(f.scheduleName !== null ? { schedule: f.scheduleName } : {}),
      afterHours: {
        action: f.afterHoursAction,
        ...(f.forwardTo !== null ? { forwardTo: f.forwardTo } : {}),
        ...(f.announcement !== null ? { announcement: f.announcement } : {}),
      },
    })),
  });
}

export interface HoursReplaced {
  changed: boolean;
  before: HoursDefinition;
  after: HoursDefinition;
}

/**
 * Replaces the tenant's hours with an already validated definition, in the caller's transaction, with
 * one `hours.replaced` audit row holding both versions. An identical definition writes nothing.
 */
export async function replaceHours(tx: TenantTx, tenantId: string, actor: Actor | null, definition: HoursDefinition): Promise<HoursReplaced> {
  const before = await loadHours(tx);
  const after = normalizeHours(definition);
  if (JSON.stringify(before) === JSON.stringify(after)) return { changed: false, before, after };

  await tx.deleteFrom('hoursFunctions').execute();
  await tx.deleteFrom('hoursOverrides').execute();
  await tx.deleteFrom('hoursSlots').execute();
  await tx.deleteFrom('hoursSchedules').execute();
  if (after.schedules.length) {
    await tx
      .insertInto('hoursSchedules')
      .values(after.schedules.map((s) => ({ tenantId, name: s.name, isDefault: s.name === after.defaultSchedule })))
      .execute();
  }
  const slots = after.schedules.flatMap((s) =>
    weekdays.flatMap((day, d) => s.week[day].map((i) => ({ tenantId, scheduleName: s.name, weekday: d + 1, startsAt: i.start, endsAt: i.end }))),
  );
  if (slots.length) await tx.insertInto('hoursSlots').values(slots).execute();
  if (after.overrides.length) {
    await tx
      .insertInto('hoursOverrides')
      .values(
        after.overrides.map((o) => ({
          tenantId,
          id: newId(),
          startsOn: o.from,
          endsOn: o.to,
          label: o.label,
          closed: o.closed,
          intervals: jsonb(o.intervals),
        })),
      )
      .execute();
  }
  if (after.functionSchedules.length) {
    await tx
      .insertInto('hoursFunctions')
      .values(
        after.functionSchedules.map((f) => ({
          tenantId,
          functionId: f.function,
          scheduleName: f.schedule ?? null,
          afterHoursAction: f.afterHours.action,
          forwardTo: f.afterHours.forwardTo ?? null,
          announcement: f.afterHours.announcement ?? null,
        })),
      )
      .execute();
  }
  await writeAudit(tx, tenantId, actor, { action: 'hours.replaced', targetType: 'hours', targetId: null, before, after });
  return { changed: true, before, after };
}
