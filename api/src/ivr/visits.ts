import { sql } from 'kysely';
import { newId, type TenantTx } from '@switchboard/db';
import type { MenuStep } from './walk.ts';

/** A caller still `in_menu` whose call has not come back for this long hung up in the menu. */
export const MENU_ABANDON_AFTER_MS = 5 * 60_000;

/**
 * One step of a caller's walk through a number's menu, kept on the call's visit (one row per carrier call
 * id, updated in place): the keys so far, the node they are in, and how it ended — routed to a function
 * (its after-hours action included), or the menu's own message. Written in the transaction that read the
 * menu; a replayed step writes the same row again.
 */
export async function recordMenuStep(tx: TenantTx, visit: { number: string; carrierRef: string }, step: MenuStep, now: Date): Promise<void> {
  const outcome = step.kind === 'menu' ? 'in_menu' : step.kind === 'message' ? 'message' : 'routed';
  const node = step.kind === 'menu' ? step.node : null;
  const fn = step.kind === 'function' || step.kind === 'after_hours' ? step.function : null;
  await tx
    .insertInto('menuVisits')
    .values({
      tenantId: sql<string>`app.current_tenant_id()`,
      id: newId(),
      number: visit.number,
      carrierRef: visit.carrierRef.slice(0, 200),
      keys: step.keys,
      node,
      outcome,
      function: fn,
      startedAt: now,
      updatedAt: now,
    })
    .onConflict((oc) =>
      // A visit that has ended stays as it ended (a carrier's retry of an earlier step changes nothing).
      oc.columns(['tenantId', 'carrierRef']).doUpdateSet({ keys: step.keys, node, outcome, function: fn, updatedAt: now }).where('menuVisits.outcome', '=', 'in_menu'),
    )
    .execute();
}

export interface MenuStats {
  number: string;
  from: string;
  to: string;
  entered: number;
  routed: number;
  message: number;
  abandoned: number;
  inMenu: number;
  byFunction: { function: string; count: number }[];
  abandonedAt: { node: string; count: number }[];
  byDay: { day: string; routed: number; message: number; abandoned: number }[];
}

/**
 * What callers did in a number's menu over the last `days` days (the company's own days, in its zone):
 * how many entered, reached a service (by function), heard the menu's message, hung up in the menu (by the
 * node they were in) or are in it now.
 */
export async function menuStats(tx: TenantTx, number: string, days: number, now: Date): Promise<MenuStats> {
  const from = new Date(now.getTime() - days * 86_400_000);
  const abandonedBefore = new Date(now.getTime() - MENU_ABANDON_AFTER_MS);
  const { rows } = await sql<{ day: string; outcome: string; fn: string | null; node: string | null; n: string }>`
    select to_char((v.started_at at time zone t.time_zone)::date, 'YYYY-MM-DD') as day,
           case when v.outcome = 'in_menu' and v.updated_at < ${abandonedBefore} then 'abandoned' else v.outcome end as outcome,
           v.function as fn, v.node, count(*) as n
    from menu_visits v join tenants t on t.id = v.tenant_id
    where v.number = ${number} and v.started_at >= ${from} and v.started_at <= ${now}
    group by 1, 2, 3, 4`.execute(tx);
  const stats: MenuStats = { number, from: from.toISOString(), to: now.toISOString(), entered: 0, routed: 0, message: 0, abandoned: 0, inMenu: 0, byFunction: [], abandonedAt: [], byDay: [] };
  const byFunction = new Map<string, number>();
  const abandonedAt = new Map<string, number>();
  const byDay = new Map<string, { day: string; routed: number; message: number; abandoned: number }>();
  for (const r of rows) {
    const n = Number(r.n);
    stats.entered += n;
    const day = byDay.get(r.day) ?? { day: r.day, routed: 0, message: 0, abandoned: 0 };
    byDay.set(r.day, day);
    if (r.outcome === 'routed') {
      stats.routed += n;
      day.routed += n;
      if (r.fn) byFunction.set(r.fn, (byFunction.get(r.fn) ?? 0) + n);
    } else if (r.outcome === 'message') {
      stats.message += n;
      day.message += n;
    } else if (r.outcome === 'abandoned') {
      stats.abandoned += n;
      day.abandoned += n;
      abandonedAt.set(r.node ?? '', (abandonedAt.get(r.node ?? '') ?? 0) + n);
    } else stats.inMenu += n;
  }
  // Most first, then by name.
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  stats.byFunction = ranked(byFunction).map(([fn, count]) => ({ function: fn, count }));
  stats.abandonedAt = ranked(abandonedAt).map(([node, count]) => ({ node, count }));
  stats.byDay = [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
  return stats;
}
