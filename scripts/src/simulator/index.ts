// The call simulator: a telephony adapter that plays realistic traffic through the signed boundary.
export { Simulator, type SimulatorOptions, type SimulatorStats, type SimulatorEvent, type Finish } from './simulator.ts';
export { TelephonyClient, BoundaryError, type OfferAnswer, type CallState, type DialOrder, type DialAnswer, type DialEvent } from './boundary.ts';
export { OutboundCallees, describeOutbound, zoneOfNumber, type OutboundBoundary, type OutboundStats } from './outbound.ts';
export { ArrivalPlan, type PlannedCall, type PlanOptions } from './plan.ts';
export { createRandom, type Random } from './random.ts';
export { realisticDurations, type Durations, type Line, type Shape } from './traffic.ts';
import type { SimulatorStats } from './simulator.ts';

/** Calls per hour on one number at its busiest hour, before `--rate`: a lively desk for a couple of operators. */
export const defaultCallsPerHourAtPeak = 30;

/** One line of counts, for the console. */
export function describeStats(stats: SimulatorStats): string {
  const notQueued = Object.entries(stats.notQueued)
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ');
  return (
    `placed ${stats.placed} (queued ${stats.queued}${notQueued ? `; after hours: ${notQueued}` : ''}), ` +
    `answered ${stats.answered}, abandoned ${stats.abandoned}, caller hung up ${stats.callerHungUp}, operator ended ${stats.operatorEnded}, ` +
    `on the line ${stats.active}${stats.dropped ? `, dropped ${stats.dropped}` : ''}${stats.failed ? `, failed ${stats.failed}` : ''}`
  );
}
