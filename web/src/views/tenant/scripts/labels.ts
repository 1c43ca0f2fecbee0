import { answerTypes, branchOperators, captureTargets, scriptVariables, type Step, type StepType } from '@switchboard/api/scripts';

/** The editor's words for the script model, for people who are not programmers. */
export const stepTypeLabels: Record<StepType, string> = {
  say: 'Say',
  ask: 'Ask a question',
  branch: 'Decide where to go',
  capture: 'Save answers',
  transfer: 'Transfer the call',
  end: 'End the call',
};

export const stepTypeHints: Record<StepType, string> = {
  say: 'Words the operator reads out.',
  ask: 'A question, and the kind of answer the operator types.',
  branch: 'Goes to a different step depending on an earlier answer.',
  capture: 'Copies answers into the order, complaint, survey or customer record.',
  transfer: 'Hands the call to a specialist or to your own team. The script ends here.',
  end: 'Closes the call with a wrap-up code. The script ends here.',
};

export const answerTypeLabels: Record<(typeof answerTypes)[number], string> = {
  text: 'Free text',
  number: 'Number',
  choice: 'One of a list',
  yes_no: 'Yes or no',
  date: 'Date',
  phone: 'Phone number',
  email: 'Email address',
};

export const operatorLabels: Record<(typeof branchOperators)[number], string> = {
  equals: 'is',
  not_equals: 'is not',
  less_than: 'is less than',
  greater_than: 'is more than',
  answered: 'was answered',
  not_answered: 'was left empty',
};

export { answerTypes, branchOperators, captureTargets, scriptVariables };

/** A one-line description of a step for pickers and lists. */
export function stepSummary(step: Step, index: number): string {
  const text = 'text' in step && step.text ? `: ${step.text.length > 40 ? `${step.text.slice(0, 40)}…` : step.text}` : '';
  return `${index + 1}. ${step.id} (${stepTypeLabels[step.type]}${text})`;
}

/** Sample values the preview fills {{variables}} with. */
export function sampleValues(tenantName: string): Record<string, string> {
  const values = Object.fromEntries(scriptVariables.map((v) => [v.name, v.sample]));
  values['tenant.name'] = tenantName;
  values['tenant.greeting'] = `Thank you for calling ${tenantName}. How may I help you?`;
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
