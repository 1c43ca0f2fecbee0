import { sql } from 'kysely';
import { jsonb, newId, type CallFunctionId, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { writeAudit } from '../audit/write.ts';
import { normalizeHours, weekdays, type HoursDefinition, type Interval, type Schedule } from './definition.ts';

interface HoursRows {
  schedules: { name: string; isDefault: boolean }[];
  slots: { scheduleName: string; weekday: number; startsAt: string; endsAt: string }[];
  overrides: { from: string; to: string; label: string; closed: boolean; intervals: Interval[] }[];
  functions: { functionId: string; scheduleName: string | null; afterHoursAction: HoursDefinition['functionSchedules'][number]['afterHours']['action']; forwardTo: string | null; announcement: string | null }[];
}

/**
 * The tenant's hours as one normalized document (empty for a tenant that has set none), read in one
 * statement: every call's arrival reads them (it was four statements, one per table).
 */
export async function loadHours(tx: TenantTx): Promise<HoursDefinition> {
  const { rows } = await sql<HoursRows>`
    select
      (select coalesce(json_agg(json_build_object('name', s.name, 'isDefault', s.is_default)), '[]') from hours_schedules s) as schedules,
      (select coalesce(json_agg(json_build_object('scheduleName', s.schedule_name, 'weekday', s.weekday, 'startsAt', s.starts_at, 'endsAt', s.ends_at)), '[]')
         from hours_slots s) as slots,
      (select coalesce(json_agg(json_build_object('from', to_char(o.starts_on, 'YYYY-MM-DD'), 'to', to_char(o.ends_on, 'YYYY-MM-DD'), 'label', o.label,
         'closed', o.closed, 'intervals', o.intervals)), '[]') from hours_overrides o) as overrides,
      (select coalesce(json_agg(json_build_object('functionId', f.function_id, 'scheduleName', f.schedule_name, 'afterHoursAction', f.after_hours_action,
         'forwardTo', f.forward_to, 'announcement', f.announcement)), '[]') from hours_functions f) as functions`.execute(tx);
  const { schedules, slots, overrides, functions } = rows[0]!;
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
