import { t } from '../../../i18n/index.ts';
import { answerTypes, branchOperators, captureTargets, scriptVariables, type ScriptProblemParams, type Step, type StepType } from '@switchboard/api/scripts';
import { list, number } from '../../../format.ts';

/**
 * The editor's words for the script model, for people who are not programmers, in the viewer's
 * language (called where they render, so they follow a language switch).
 */
export const stepTypeLabel = (type: StepType): string => t(`scripts.stepType.${type}`);
export const stepTypeHint = (type: StepType): string => t(`scripts.stepHint.${type}`);
export const answerTypeLabel = (type: (typeof answerTypes)[number]): string => t(`scripts.answerType.${type}`);
export const operatorLabel = (op: (typeof branchOperators)[number]): string => t(`scripts.operator.${op}`);
export const entityLabel = (entity: string): string => t(`scripts.entity.${entity}`);

/** A word for a code the API sends with its English label, in the viewer's language when there is one. */
function translated(key: string, english: string): string {
  const text = t(key);
  return text === key ? english : text;
}
/** A capture target ("order.items") in words: "Commande : articles". */
export const captureTargetLabel = (target: { target: string; label: string }): string => translated(`scripts.target.${target.target.replaceAll('.', '_')}`, target.label);
/** A {{variable}}'s meaning ("tenant.name" → "Nom de l'entreprise"). */
export const variableLabel = (variable: { name: string; label: string }): string => translated(`scripts.variable.${variable.name.replaceAll('.', '_')}`, variable.label);

export { answerTypes, branchOperators, captureTargets, scriptVariables };

/** A one-line description of a step for pickers and lists. */
export function stepSummary(step: Step, index: number): string {
  const text = 'text' in step && step.text ? `: ${step.text.length > 40 ? `${step.text.slice(0, 40)}…` : step.text}` : '';
  return `${index + 1}. ${step.id} (${stepTypeLabel(step.type)}${text})`;
}

/** Sample values the preview fills {{variables}} with. */
export function sampleValues(tenantName: string): Record<string, string> {
  const values = Object.fromEntries(scriptVariables.map((v) => [v.name, v.sample]));
  values['tenant.name'] = tenantName;
  values['tenant.greeting'] = t('scripts.sampleGreeting', { name: tenantName });
  return values;
}

/** A fresh step of a type, with a name not used yet. */
export function newStep(type: StepType, taken: Set<string>): Step {
  let n = 1;
  while (taken.has(`${type}_${n}`)) n++;
  const id = `${type}_${n}`;
  switch (type) {
    case 'say':
      return { id, type, text: '', next: null };
    case 'ask':
      return { id, type, text: '', answer: { type: 'text', required: true, choices: [], min: null, max: null }, next: null };
    case 'branch':
      return { id, type, rules: [{ step: null, op: 'equals', value: null, next: null }], otherwise: null };
    case 'capture':
      return { id, type, captures: [{ target: '', from: null }], next: null };
    case 'transfer':
      return { id, type, text: '', to: { kind: 'skill', skill: 'complaints' } };
    case 'end':
      return { id, type, text: '', disposition: null };
  }
}

/** A value for a choice made from its label: lowercase letters, digits and _. */
export function choiceValueFrom(label: string): string {
  const base = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return /^[a-z0-9]/.test(base) ? base : `choice_${Math.random().toString(36).slice(2, 6)}`;
}

/** A problem of the script check, as the API sends it: English `message`, and (from the check) a code with its values. */
export interface ScriptProblemView {
  path: string;
  message: string;
  code?: string;
  params?: ScriptProblemParams;
}

/** A problem of the script check in the viewer's language; the API's English when it sent no code (a shape error). */
export function problemText(problem: ScriptProblemView): string {
  if (!problem.code) return problem.message;
  const p = problem.params ?? {};
  // a required capture says which one, in the function's own words
  const key =
    problem.code === 'requiredCapture'
      ? `scripts.problem.requiredCapture.${p.field?.startsWith('survey.') ? 'survey' : (p.field ?? '').replaceAll('.', '_')}`
      : `scripts.problem.${problem.code}`;
  const text = t(key, {
    ...p,
    n: p.n === undefined ? '' : number(p.n),
    field: p.field ? captureTargetLabel({ target: p.field, label: p.field }) : '',
    actual: p.actual ? answerTypeLabel(p.actual as (typeof answerTypes)[number]) : '',
    expected: list((p.expected ?? []).map((a) => answerTypeLabel(a as (typeof answerTypes)[number])), 'disjunction'),
    choices: p.choices?.length ? list(p.choices) : t('scripts.problem.noneYet'),
  });
  return text === key ? problem.message : text;
}
