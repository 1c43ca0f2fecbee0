/**
 * TEMPORARY: replaced at merge by the predictive pacing (helper branch `pacing`). Same signature.
 */
export interface PacingInput {
  freeOperators: number;
  operatorsSoonFree: number;
  dialsInFlight: number;
  answerRate: number;
  abandonRate: number;
  capPercent: number;
  maxRatio: number;
  answeredInWindow?: number;
}

export function callsToPlace(input: PacingInput): number {
  if (input.freeOperators <= 0) return 0;
  const nearCap = input.abandonRate * 100 >= input.capPercent * 0.8;
  const ratio = nearCap || (input.answeredInWindow ?? 0) < 30 ? 1 : Math.min(input.maxRatio, 1 / Math.max(input.answerRate, 1 / input.maxRatio));
  return Math.max(0, Math.floor(input.freeOperators * ratio) - input.dialsInFlight);
}
