/** The delivery loops of this process (delivery.ts), woken when a command is written. */
export const deliveryWakers = new Set<() => void>();

/**
 * Asks this process's delivery loop for a pass soon: enqueueCommand calls it, inside the action's
 * transaction, so the loop runs a pass a little later (after the commit) and once more after that. Other
 * processes' loops find the command at their next tick (≤ 1 s). A no-op where no loop runs.
 */
export function requestDelivery(): void {
  for (const wake of deliveryWakers) wake();
}
