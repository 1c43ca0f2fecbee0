import { canonicalJson, type ScriptBody, type Step } from './model.ts';

/**
 * What changed between two versions of a script, step by step (steps are matched by id): steps
 * added, removed, and changed with each changed field's old and new value, plus steps that moved.
 */

export interface FieldChange {
  /** The field inside the step, e.g. `text`, `answer.choices`, `rules[0].next`. */
  field: string;
  before: unknown;
  after: unknown;
}

export interface ScriptDiff {
  added: { id: string; index: number; step: Step }[];
  removed: { id: string; index: number; step: Step }[];
  changed: { id: string; fromIndex: number; toIndex: number; fields: FieldChange[] }[];
  /** Steps whose place in the list changed but nothing else (the first step is where the call starts). */
  moved: { id: string; fromIndex: number; toIndex: number }[];
  unchanged: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** Leaf-level differences, down through objects and through arrays of the same length. */
function fieldChanges(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (canonicalJson(before) === canonicalJson(after)) return;
  if (isRecord(before) && isRecord(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])]) {
      fieldChanges(before[key], after[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, i) => fieldChanges(item, after[i], `${path}[${i}]`, out));
    return;
  }
  out.push({ field: path, before: before ?? null, after: after ?? null });
}

export function diffScripts(from: ScriptBody, to: ScriptBody): ScriptDiff {
  const fromIndex = new Map(from.steps.map((s, i) => [s.id, i]));
  const toIndex = new Map(to.steps.map((s, i) => [s.id, i]));
  const diff: ScriptDiff = { added: [], removed: [], changed: [], moved: [], unchanged: 0 };
  from.steps.forEach((step, index) => {
    if (!toIndex.has(step.id)) diff.removed.push({ id: step.id, index, step });
  });
  to.steps.forEach((step, index) => {
    const before = fromIndex.get(step.id);
    if (before === undefined) {
      diff.added.push({ id: step.id, index, step });
      return;
    }
    const fields: FieldChange[] = [];
    fieldChanges(from.steps[before], step, '', fields);
    if (fields.length) diff.changed.push({ id: step.id, fromIndex: before, toIndex: index, fields });
    else if (before !== index) diff.moved.push({ id: step.id, fromIndex: before, toIndex: index });
    else diff.unchanged++;
  });
  return diff;
}
