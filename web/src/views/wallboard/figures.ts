import type { EventMessages } from '@switchboard/api/events';
import { clock, percent } from '../../format.ts';
import { t } from '../../i18n/index.ts';

export type Wallboard = EventMessages['wallboard'];
export type WallboardTenant = Wallboard['tenants'][number];
export type WallboardQueue = WallboardTenant['queues'][number];
export type WallboardOperator = Wallboard['operators'][number];

/** A wait or a handle time as a timer, the same in every language: 75 → "1:15", 3725 → "1:02:05"; a dash when there is none. */
export function waitClock(seconds: number | null | undefined): string {
  return seconds == null || !Number.isFinite(seconds) ? t('common.dash') : clock(seconds);
}

/** A service level 0..100 as the viewer writes a whole percentage: "88 %" (fr), "88%" (en); a wallboard is read from afar. */
export function serviceLevelText(value: number | null): string {
  return value == null ? t('common.dash') : percent(value / 100);
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

/** An operator's state in the interface's language. */
export function stateLabel(state: WallboardOperator['state']): string {
  return t(`wallboard.states.${state}`);
}
