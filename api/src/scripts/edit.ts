import type { Step } from './model.ts';

/**
 * Editing moves the editor shares with its tests. Pure: each answers a new list of steps.
 */

/** The single "then go to" of a step, or undefined for steps that branch or end the script. */
function linearNext(step: Step | undefined): string | null | undefined {
  return step && (step.type === 'say' || step.type === 'ask' || step.type === 'capture') ? step.next : undefined;
}

function withNext(step: Step, next: string | null): Step {
  return step.type === 'say' || step.type === 'ask' || step.type === 'capture' ? { ...step, next } : step;
}

/**
 * Puts `step` at position `at` and links it into the flow: the step before it now goes to it when it
 * went straight on (to the step that followed, or nowhere yet), and the new step goes on to where the
 * previous one went. A step that branches, ends, transfers or jumps elsewhere keeps its pointers.
 */
export function insertStep(steps: readonly Step[], at: number, step: Step): Step[] {
  const index = Math.max(0, Math.min(at, steps.length));
  const previous = steps[index - 1];
  const following = steps[index];
  const before = linearNext(previous);
  const straightOn = before === null || (before !== undefined && before === following?.id);
  let added = step;
  const result = [...steps];
  if (previous && straightOn) {
    result[index - 1] = withNext(previous, step.id);
    if (linearNext(step) === null && before) added = withNext(step, before);
  } else if (!previous && following && linearNext(step) === null) {
    // A new first step leads to the old start.
    added = withNext(step, following.id);
  }
  result.splice(index, 0, added);
  return result;
}

/** Whether a step goes straight on to the step right after it in the list ("→ next step"). */
export function goesToFollowing(steps: readonly Step[], index: number): boolean {
  const next = linearNext(steps[index]);
  return next !== undefined && next !== null && next === steps[index + 1]?.id;
}
