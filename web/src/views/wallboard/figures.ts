import type { EventMessages } from '@switchboard/api/events';

export type Wallboard = EventMessages['wallboard'];
export type WallboardTenant = Wallboard['tenants'][number];
export type WallboardQueue = WallboardTenant['queues'][number];
export type WallboardOperator = Wallboard['operators'][number];

/** 75 → "1:15", 3725 → "1:02:05". */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** Seconds since an instant, on the server's clock (skew: server time minus this browser's). */
export function secondsSince(iso: string | null, nowMs: number, skewMs: number): number | null {
  if (!iso) return null;
  return Math.max(0, Math.floor((nowMs + skewMs - new Date(iso).getTime()) / 1000));
}

export interface Totals {
  waiting: number;
  oldestEnqueuedAt: string | null;
  handled: number;
  abandoned: number;
  serviceLevel: number | null;
}

/** A tenant's (or the whole board's) queues added up; the service level from its parts, not an average of percentages. */
export function totals(queues: WallboardQueue[]): Totals {
  let within = 0;
  let base = 0;
  let oldest: string | null = null;
  const out = { waiting: 0, handled: 0, abandoned: 0 };
  for (const q of queues) {
    out.waiting += q.waiting;
    out.handled += q.handledToday;
    out.abandoned += q.abandonedToday;
    within += q.answeredWithinTargetToday;
    base += q.serviceLevelBaseToday;
    if (q.oldestEnqueuedAt && (!oldest || q.oldestEnqueuedAt < oldest)) oldest = q.oldestEnqueuedAt;
  }
  return { ...out, oldestEnqueuedAt: oldest, serviceLevel: base ? Math.round((within / base) * 1000) / 10 : null };
}

/** The usual call-center goal: 80 % answered within the target. */
export const serviceLevelGoal = 80;

export function serviceLevelTone(value: number | null): 'good' | 'fair' | 'poor' | 'none' {
  if (value == null) return 'none';
  if (value >= serviceLevelGoal) return 'good';
  if (value >= 60) return 'fair';
  return 'poor';
}

export const stateLabels: Record<WallboardOperator['state'], string> = {
  available: 'Available',
  on_call: 'On call',
  wrap_up: 'Wrap-up',
  break: 'Break',
  offline: 'Offline',
  not_responding: 'Not responding',
};
