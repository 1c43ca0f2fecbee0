import type { UserKind } from '@switchboard/db';
import { fieldsByEntity, ruleFieldIds, type RuleEntity, type RuleFieldId, type SensitiveVisibility } from './fields.ts';
import type { Rules } from './definition.ts';

/**
 * `masked`: every letter and digit becomes `•`, separators stay, so the shape (a card's four groups, an
 * email's @) still shows. `last_four`: `•••• 1234` (nothing of a value with four characters or fewer).
 * `hidden`: null — the field is left out as if empty.
 */
export function maskValue(value: unknown, visibility: SensitiveVisibility): string | null {
  if (value === null || value === undefined || visibility === 'hidden') return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (visibility === 'masked') return text.replace(/[\p{L}\p{N}]/gu, '•');
  const significant = text.replace(/[^\p{L}\p{N}]/gu, '');
  return significant.length > 4 ? `•••• ${significant.slice(-4)}` : '••••';
}

/**
 * How each kind of viewer sees a sensitive field (public and personal fields are shown to everyone who
 * may act for the tenant at all):
 * - operators, supervisors and provider admins: the tenant's operator visibility — the provider sees
 *   no more of its client's sensitive data than the operator who took the call;
 * - client users (it is their own customers' data): at most the last four characters, never the whole
 *   value, so a full card or account number is never sent to a browser; `hidden` stays hidden.
 */
export function sensitiveVisibilityFor(viewer: UserKind, rules: Rules): SensitiveVisibility {
  switch (viewer) {
    case 'operator':
    case 'supervisor':
    case 'provider_admin':
      return rules.operatorVisibility;
    case 'client_admin':
    case 'client_member':
      return rules.operatorVisibility === 'hidden' ? 'hidden' : 'last_four';
  }
}

const camelToSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const knownFields = new Set<string>(ruleFieldIds);

/**
 * The record as this viewer may see it: sensitive fields masked per sensitiveVisibilityFor, everything
 * else as it is. Keys may be the catalog's snake_case names or the database's camelCase ones; keys that
 * are not classified fields (ids, timestamps) pass through.
 */
export function applyRules<T extends Record<string, unknown>>(record: T, entity: RuleEntity, rules: Rules, viewer: UserKind): T {
  const visibility = sensitiveVisibilityFor(viewer, rules);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const id = `${entity}.${camelToSnake(key)}`;
    const sensitive = knownFields.has(id) && rules.classification[id as RuleFieldId] === 'sensitive';
    out[key] = sensitive ? maskValue(value, visibility) : value;
  }
  return out as T;
}

/** The fields of an entity that leave in exports (the tenant's export list; never a sensitive field). */
export function exportableFields(entity: RuleEntity, rules: Rules): string[] {
  return fieldsByEntity[entity].filter((field) => {
    const id = `${entity}.${field}` as RuleFieldId;
    return rules.exportFields.includes(id) && rules.classification[id] !== 'sensitive';
  });
}
