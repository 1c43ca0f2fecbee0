import type { UserKind } from '@switchboard/db';
import { invalid } from '../http/problem.ts';
import type { Rules } from './definition.ts';
import type { RuleEntity, RuleFieldId } from './fields.ts';
import { applyRules } from './visibility.ts';

/**
 * What one viewer may see of a tenant's personal data, and what they may ask about it, on the server.
 * Every value goes through applyRules (the one masking function per viewer); these helpers only name
 * the cases that are not a record: the caller's number of a call, and filters.
 */

/**
 * A caller's number (a call, an offer, a callback request) as this viewer may see it. It is a customer's
 * phone, so it is masked exactly as `customer.phone` is — wherever it shows: desk state, offer events,
 * the call's context and script variables, the portal's calls, exports.
 */
export function maskPhone(phone: string | null, rules: Rules, viewer: UserKind): string | null {
  return applyRules({ phone }, 'customer', rules, viewer).phone;
}

const probe = 'Probe-1234-Value';

/** Whether this viewer gets the field as stored: true exactly when masking leaves a value unchanged. */
export function seesInClear(field: RuleFieldId, rules: Rules, viewer: UserKind): boolean {
  const [entity, name] = field.split('.') as [RuleEntity, string];
  return applyRules({ [name]: probe }, entity, rules, viewer)[name] === probe;
}

/**
 * Refuses (400, naming the query parameter) a filter on a field this viewer sees masked: an exact match
 * on a value they may not read would tell them whether it exists (an oracle). `filters` maps each query
 * parameter to the field it compares and the value given (undefined: not used).
 */
export function refuseMaskedFilters(rules: Rules, viewer: UserKind, filters: Record<string, { field: RuleFieldId; value: unknown }>): void {
  const errors = Object.entries(filters)
    .filter(([, { field, value }]) => value !== undefined && value !== '' && !seesInClear(field, rules, viewer))
    .map(([path, { field }]) => ({
      path,
      message: `You see ${field} masked under this company's confidentiality rules, so you cannot filter on it.`,
    }));
  if (errors.length) throw invalid(errors, 'A filter names a field you see masked.', 'rules.masked_filter');
}
