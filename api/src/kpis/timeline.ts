import { emptySums, queueSumKeys, type QueueSums } from './definitions.ts';
import type { OperatorState } from '@switchboard/db';

/**
 * What one finished call adds to the interval statistics (docs/kpis.md, "Folding"). Pure: from the call's
 * row, its timeline and the contract's two thresholds to the counters of its quarter hour — the queue's,
 * and each operator's who talked on it. The fold (fold.ts) and the full recomputation (recompute.ts) both
 * add these up, so incremental and recomputed figures cannot differ by definition, only by bookkeeping.
 */

export const QUARTER_HOUR_MS = 900_000;

/** The UTC instant of the quarter hour `at` falls in: every zone's offset is whole quarter hours, so one row serves every zone. */
export const quarterHourOf = (at: Date): Date => new Date(Math.floor(at.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS);

/** A call is final (folded once, never changed after) in these statuses; `transferred_out` once the line has ended. */
export const finalStatuses = ['completed', 'abandoned', 'overflowed', 'after_hours', 'transferred_out'] as const;

/** A number a later call can be matched on: E.164. Not the retention's erased number (''), not a withheld one. */
export const isRealCallerNumber = (n: string | null): boolean => !!n && /^\+[1-9]\d{6,14}$/.test(n);

export interface CallForStats {
  id: string;
  function: string;
  direction: 'inbound' | 'outbound';
  status: string;
  callerNumber: string;
  offeredAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  wrapUpEndedAt: Date | null;
  operatorId: string | null;
  fcrRepeated: boolean;
}

export interface TimelineEvent {
  at: Date;
  kind: string;
  operatorId: string | null;
}

/** The contract's thresholds a call is measured with (the version in force on the day it was offered). */
export interface Thresholds {
  serviceLevelSeconds: number;
  shortAbandonSeconds: number;
}

/** queue_intervals' counters, named as the table's columns: the sums the KPI definitions read (definitions.ts). */
export type QueueCounters = QueueSums;
export const queueCounterKeys = queueSumKeys;
export const emptyQueueCounters = emptySums;

export function addQueueCounters(into: QueueCounters, add: QueueCounters): void {
  for (const k of queueCounterKeys) into[k] = k === 'maxWaitSeconds' ? Math.max(into[k], add[k]) : into[k] + add[k];
}

/** operator_intervals' counters: one operator's part of one call. */
export interface OperatorCounters {
  handled: number;
  talkSeconds: number;
  holdSeconds: number;
  wrapSeconds: number;
  transfers: number;
}

export const operatorCounterKeys = ['handled', 'talkSeconds', 'holdSeconds', 'wrapSeconds', 'transfers'] as const satisfies readonly (keyof OperatorCounters)[];

export const emptyOperatorCounters = (): OperatorCounters => ({ handled: 0, talkSeconds: 0, holdSeconds: 0, wrapSeconds: 0, transfers: 0 });

export function addOperatorCounters(into: OperatorCounters, add: OperatorCounters): void {
  for (const k of operatorCounterKeys) into[k] += add[k];
}

export interface CallContribution {
  intervalStart: Date;
  queue: QueueCounters;
  operators: Map<string, OperatorCounters>;
}

/** Talk opens when an operator is connected: answered (inbound, also after a transfer), outbound_answered, or back from an in-house transfer nobody took. */
const TALK_OPENS = new Set(['answered', 'outbound_answered']);
/** Talk closes when the line ends or the operator passes the caller on; the operator is then wrapping up. */
const TALK_CLOSES = new Set(['ended', 'transfer_requested', 'transferred_out', 'no_sign_of_life', 'queue_overflow', 'abandoned']);
/** An operator's wrap-up of the call ends with their disposition or the wrap-up timeout (or by taking the call back). */
const WRAP_CLOSES = new Set(['wrap_up_done', 'wrap_up_timeout']);
const TRANSFERS = new Set(['transfer_requested', 'transferred_out']);
/** The caller goes on hold (hold music; a warm transfer's consultation holds them too) … */
const HOLD_OPENS = new Set(['held', 'consult_started']);
/** … and comes back: resumed, back from the consultation, or joined in a three-way conference (the line's end closes it too). */
const HOLD_CLOSES = new Set(['resumed', 'consult_cancelled', 'conference_started']);

interface Segment {
  talkMs: number;
  holdMs: number;
  holdFrom: number | null;
  wrapMs: number;
  transfers: number;
  handled: boolean;
  talkFrom: number | null;
  wrapFrom: number | null;
}

/**
 * Each operator's talk, wrap-up and transfers on the call, from its timeline (api/src/desk/call-actions.ts,
 * api/src/routing): talk from `answered` to the end, a transfer or a hand-off; wrap-up from there to the
 * operator's `wrap_up_done`/`wrap_up_timeout` (or until they take the call back). An in-house transfer that
 * comes back (`transfer_returned` after `transferred_out`) resumes the same operator's talk. A call the
 * system closed for silence ends at its last sign of life (calls.ended_at), as its billing does. Hold (`held`
 * or a consultation's `consult_started` until `resumed`, `consult_cancelled`, `conference_started` or the end of
 * the talk) is the operator's hold time, taken out of their talk.
 */
export function operatorSegments(call: CallForStats, events: readonly TimelineEvent[]): Map<string, OperatorCounters> {
  const segments = new Map<string, Segment>();
  const segmentOf = (operatorId: string) => {
    let s = segments.get(operatorId);
    if (!s) segments.set(operatorId, (s = { talkMs: 0, holdMs: 0, holdFrom: null, wrapMs: 0, transfers: 0, handled: false, talkFrom: null, wrapFrom: null }));
    return s;
  };
  let talking: string | null = null;
  let lastClose: string | null = null;
  const closeTalk = (at: number) => {
    if (!talking) return;
    const s = segmentOf(talking);
    s.talkMs += Math.max(0, at - s.talkFrom!);
    s.talkFrom = null;
    closeHold(at);
    s.wrapFrom = Math.max(at, s.wrapFrom ?? at);
    talking = null;
  };
  const closeHold = (at: number) => {
    const s = talking ? segments.get(talking) : undefined;
    if (!s || s.holdFrom === null) return;
    s.holdMs += Math.max(0, at - s.holdFrom);
    s.holdFrom = null;
  };
  const closeWrap = (operatorId: string, at: number) => {
    const s = segments.get(operatorId);
    if (!s || s.wrapFrom === null) return;
    s.wrapMs += Math.max(0, at - s.wrapFrom);
    s.wrapFrom = null;
  };
  const openTalk = (operatorId: string, at: number) => {
    closeTalk(at);
    closeWrap(operatorId, at);
    const s = segmentOf(operatorId);
    s.handled = true;
    s.talkFrom = at;
    talking = operatorId;
  };
  for (const event of events) {
    const at = event.at.getTime();
    if (TALK_OPENS.has(event.kind) && event.operatorId) {
      openTalk(event.operatorId, at);
    } else if (event.kind === 'transfer_returned' && lastClose === 'transferred_out' && event.operatorId) {
      // Back from in-house: the call is connected to the same operator again.
      openTalk(event.operatorId, at);
    } else if (TALK_CLOSES.has(event.kind)) {
      if (TRANSFERS.has(event.kind) && event.operatorId) segmentOf(event.operatorId).transfers += 1;
      if (talking) {
        // Silence: the call ended at its last sign of life, not when the system noticed.
        const end = event.kind === 'no_sign_of_life' && call.endedAt ? Math.min(at, call.endedAt.getTime()) : at;
        closeTalk(end);
        lastClose = event.kind;
      }
    } else if (HOLD_OPENS.has(event.kind) && talking) {
      const s = segmentOf(talking);
      if (s.holdFrom === null) s.holdFrom = at;
    } else if (HOLD_CLOSES.has(event.kind)) {
      closeHold(at);
    } else if (WRAP_CLOSES.has(event.kind) && event.operatorId) {
      closeWrap(event.operatorId, at);
    }
  }
  // A final call has no one talking; if its timeline says otherwise, the line ended when the call did.
  if (talking) closeTalk(call.endedAt?.getTime() ?? segments.get(talking)!.talkFrom!);
  const out = new Map<string, OperatorCounters>();
  for (const [operatorId, s] of segments) {
    // A wrap-up left without an event (the operator went offline): the call's own end of wrap-up if it was theirs, else nothing.
    if (s.wrapFrom !== null && call.wrapUpEndedAt && call.operatorId === operatorId) s.wrapMs += Math.max(0, call.wrapUpEndedAt.getTime() - s.wrapFrom);
    if (!s.handled && !s.transfers) continue;
    out.set(operatorId, {
      handled: s.handled ? 1 : 0,
      // Hold is part of the connected time, counted apart: talk is the rest (AHT adds them back up).
      talkSeconds: Math.floor(Math.max(0, s.talkMs - s.holdMs) / 1000),
      holdSeconds: Math.floor(s.holdMs / 1000),
      wrapSeconds: Math.floor(s.wrapMs / 1000),
      transfers: s.transfers,
    });
  }
  return out;
}

/**
 * The call's whole contribution to the quarter hour it was offered in. Offered: every call that reached the
 * queue (an after-hours call counts only as after_hours). Answered within target: waited ≤ the contract's
 * seconds (exactly at the threshold is within). Abandoned: lost before an answer, an overflow included (also
 * counted in `overflowed`); short when the caller hung up before the contract's short-abandon seconds.
 */
export function contributionOf(call: CallForStats, events: readonly TimelineEvent[], thresholds: Thresholds): CallContribution {
  const queue = emptyQueueCounters();
  const intervalStart = quarterHourOf(call.offeredAt);
  if (call.status === 'after_hours') {
    queue.afterHours = 1;
    return { intervalStart, queue, operators: new Map() };
  }
  const offeredMs = call.offeredAt.getTime();
  queue.offered = 1;
  const targetMs = thresholds.serviceLevelSeconds * 1000;
  if (call.answeredAt) {
    const waitMs = Math.max(0, call.answeredAt.getTime() - offeredMs);
    queue.answered = 1;
    queue.answeredInTarget = waitMs <= targetMs ? 1 : 0;
    queue.answerWaitSeconds = Math.floor(waitMs / 1000);
    queue.maxWaitSeconds = queue.answerWaitSeconds;
  } else if (call.status === 'abandoned' || call.status === 'overflowed') {
    const waitMs = Math.max(0, (call.endedAt?.getTime() ?? offeredMs) - offeredMs);
    queue.abandoned = 1;
    queue.overflowed = call.status === 'overflowed' ? 1 : 0;
    queue.abandonedShort = call.status === 'abandoned' && waitMs < thresholds.shortAbandonSeconds * 1000 ? 1 : 0;
    queue.abandonedInTarget = waitMs <= targetMs ? 1 : 0;
    queue.abandonWaitSeconds = Math.floor(waitMs / 1000);
    queue.maxWaitSeconds = queue.abandonWaitSeconds;
  }
  const operators = operatorSegments(call, events);
  for (const part of operators.values()) {
    queue.talkSeconds += part.talkSeconds;
    queue.holdSeconds += part.holdSeconds;
    queue.wrapSeconds += part.wrapSeconds;
    queue.transfers += part.transfers;
  }
  if (call.answeredAt) queue.handled = 1;
  if (call.answeredAt && call.direction === 'inbound' && isRealCallerNumber(call.callerNumber)) {
    queue.fcrBase = 1;
    queue.fcrRepeated = call.fcrRepeated ? 1 : 0;
  }
  return { intervalStart, queue, operators };
}

/** One closed state-log row's seconds per quarter hour: [start, end) cut exactly at each quarter hour, in whole seconds that add up within a quarter. */
export function splitStateByQuarterHour(startedAt: Date, endedAt: Date): { intervalStart: Date; seconds: number }[] {
  const out: { intervalStart: Date; seconds: number }[] = [];
  const end = endedAt.getTime();
  let from = startedAt.getTime();
  while (from < end) {
    const quarter = Math.floor(from / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
    const to = Math.min(end, quarter + QUARTER_HOUR_MS);
    // Whole seconds by boundaries (floor of each end), so consecutive pieces in one quarter add up to at most 900.
    const seconds = Math.floor(to / 1000) - Math.floor(from / 1000);
    if (seconds > 0) out.push({ intervalStart: new Date(quarter), seconds });
    from = to;
  }
  return out;
}

export interface StateLogRow {
  operatorId: string;
  state: OperatorState;
  breakReason: string | null;
  startedAt: Date;
  endedAt: Date;
}

/** The key of an operator_state_intervals row. */
export const stateKey = (operatorId: string, intervalStart: Date, state: string, breakReason: string) =>
  `${operatorId}|${intervalStart.toISOString()}|${state}|${breakReason}`;

/** Break reasons longer than the interval table keeps are cut (the state log keeps them whole). */
export const intervalBreakReason = (state: string, reason: string | null): string => (state === 'break' ? (reason ?? '').slice(0, 60) : '');
