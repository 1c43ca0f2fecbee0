import { computed, ref, shallowRef } from 'vue';
import { advance, currentStep, fillVariables, startWalk, type ScriptBody, type Step, type WalkProblem, type WalkState } from '@switchboard/api/scripts';
import { t } from '../../i18n/index.ts';
import { answerIn } from './answer-text.ts';

/** Why the walker refused an answer or stopped, in the operator's language (the English message when the code is unknown). */
export function walkProblemText(problem: Pick<WalkProblem, 'code' | 'params' | 'message'>): string {
  const key = `scriptRun.problems.${problem.code}`;
  const text = t(key, problem.params ?? {});
  return text === key ? problem.message : text;
}

/**
 * Walking a script as an operator does, with the same walker the server checks with: the desk's
 * runner and the editor's preview both use it. A wrong answer stays on the step with the reason.
 * `language` is the script's (the client's locale): a yes/no answer reads "Ja" in a German script.
 */
export function useScriptWalk(options: { body: () => ScriptBody; variables: () => Record<string, string>; onChange?: (state: WalkState) => void; language?: () => string | null }) {
  const state = shallowRef<WalkState>(startWalk(options.body()));
  const input = ref('');
  const refusal = shallowRef<WalkProblem | null>(null);
  /** The refusal in the operator's language, read at render time (it follows a language switch). */
  const error = computed(() => (refusal.value ? walkProblemText(refusal.value) : null));
  const step = computed(() => currentStep(options.body(), state.value));
  const fill = (text: string) => fillVariables(text, options.variables(), state.value.answers);

  /** Moves on with `answer` (the typed input when none); false when the answer was refused. */
  function next(answer?: string | boolean | string[]): boolean {
    const result = advance(options.body(), state.value, answer ?? input.value);
    if (!result.ok) {
      refusal.value = result;
      return false;
    }
    state.value = result.state;
    input.value = '';
    refusal.value = null;
    options.onChange?.(result.state);
    return true;
  }

  function restart() {
    state.value = startWalk(options.body());
    input.value = '';
    refusal.value = null;
    options.onChange?.(state.value);
  }

  /** The say and ask steps already passed, oldest first. */
  const history = computed(() =>
    state.value.trail
      .slice(0, -1)
      .map((id) => options.body().steps.find((s) => s.id === id))
      .filter((s): s is Extract<Step, { type: 'say' | 'ask' }> => !!s && (s.type === 'say' || s.type === 'ask')),
  );
  /** A choice answer by its label, as the operator saw it. */
  function shownAnswer(s: Step): string {
    const value = state.value.answers[s.id];
    if (s.type === 'ask' && Array.isArray(value)) return value.map((v) => s.answer.choices.find((c) => c.value === v)?.label ?? v).join(', ') || '—';
    const choice = s.type === 'ask' ? s.answer.choices.find((c) => c.value === value) : undefined;
    return choice?.label || answerIn(options.language?.(), value);
  }
  const inputType = computed(() => {
    const type = step.value?.type === 'ask' ? step.value.answer.type : 'text';
    return type === 'date' ? 'date' : type === 'email' ? 'email' : type === 'phone' ? 'tel' : type === 'number' ? 'text' : 'text';
  });

  return { state, input, error, step, fill, next, restart, history, shownAnswer, inputType };
}
