/** What the adapter last read of a call (`GET /api/telephony/calls/{id}`). */
export interface Observed {
  status: string;
  operatorConnected: boolean;
}

/** A caller on the line: holding in the queue, talking to an operator, or gone. */
export interface CallerState {
  phase: 'holding' | 'talking' | 'gone';
  /** When the current phase began. */
  sinceMs: number;
  patienceMs: number;
  talkMs: number;
}

/**
 * What the adapter tells the boundary: the desk leg was bridged (`answered`), the caller hung up
 * (`hang_up`), or nothing.
 */
export type CallerAction = 'answered' | 'hang_up' | 'none';

export interface CallerStep {
  state: CallerState;
  action: CallerAction;
  /** When this caller next does something on its own (gives up, ends the conversation); Infinity once gone. */
  deadlineMs: number;
}

export function holdingCaller(nowMs: number, patienceSeconds: number, talkSeconds: number): CallerState {
  return { phase: 'holding', sinceMs: nowMs, patienceMs: patienceSeconds * 1000, talkMs: talkSeconds * 1000 };
}

function deadline(state: CallerState): number {
  if (state.phase === 'holding') return state.sinceMs + state.patienceMs;
  if (state.phase === 'talking') return state.sinceMs + state.talkMs;
  return Number.POSITIVE_INFINITY;
}

const step = (state: CallerState, action: CallerAction): CallerStep => ({ state, action, deadlineMs: deadline(state) });

/**
 * One look at the call. A holding caller hangs up once its patience has run out; once an operator is
 * connected it talks for its talk time and then hangs up, unless the operator ended the call first
 * (wrap-up, completed) or it left our hands (transferred out, after hours). A call sent back to the
 * queue by a transfer holds again, with its patience renewed: it was asked to hold.
 */
export function callerStep(state: CallerState, observed: Observed, nowMs: number): CallerStep {
  if (state.phase === 'gone') return step(state, 'none');
  const connected = observed.status === 'connected' && observed.operatorConnected;
  if (connected) {
    if (state.phase === 'holding') return step({ ...state, phase: 'talking', sinceMs: nowMs }, 'answered');
    if (nowMs >= state.sinceMs + state.talkMs) return step({ ...state, phase: 'gone', sinceMs: nowMs }, 'hang_up');
    return step(state, 'none');
  }
  if (observed.status === 'queued' || observed.status === 'connected') {
    // Connected without the operator's leg yet counts as still holding.
    const holding = state.phase === 'holding' ? state : { ...state, phase: 'holding' as const, sinceMs: nowMs };
    if (nowMs >= holding.sinceMs + holding.patienceMs) return step({ ...holding, phase: 'gone', sinceMs: nowMs }, 'hang_up');
    return step(holding, 'none');
  }
  return step({ ...state, phase: 'gone', sinceMs: nowMs }, 'none');
}
