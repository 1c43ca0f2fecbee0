import { callFunctions, type CallFunctionId, type TenantTx } from '@switchboard/db';
import { hoursCover, publishedFunctions } from '../delegations/service.ts';
import { loadHours } from '../hours/service.ts';
import { agreementRequired, eligibleAssignments } from '../routing/eligibility.ts';

/**
 * What a client company still lacks before the provider can take a function's calls, computed from
 * the rules delegation (a published script, hours) and routing (a number for the function, operators
 * with its skill, an active account, the signed agreement when the rules require one) already apply.
 * One service for the client's Overview, the provider's tenant list and the onboarding's last step.
 */

/** At least this many operators able to take a function, so a break or an absence does not leave its callers waiting. */
export const MIN_OPERATORS_PER_FUNCTION = 2;

export const goLiveItemKeys = ['script', 'wrapUpCodes', 'hours', 'phoneNumber', 'operators', 'agreements', 'delegated'] as const;
export type GoLiveItemKey = (typeof goLiveItemKeys)[number];
export const goLiveItemStatuses = ['done', 'missing', 'warning'] as const;
export type GoLiveItemStatus = (typeof goLiveItemStatuses)[number];
export const goLiveStatuses = ['not_started', 'in_progress', 'live'] as const;
export type GoLiveStatus = (typeof goLiveStatuses)[number];

export const goLiveDetailCodes = [
  'scriptPublished',
  'scriptDraft',
  'scriptNone',
  'wrapUpCodesSome',
  'wrapUpCodesNone',
  'hoursSet',
  'hoursNone',
  'phoneNumberRouted',
  'phoneNumberNone',
  'operatorsEnough',
  'operatorsOne',
  'operatorsNone',
  'agreementsNoneOnFile',
  'agreementsSigned',
  'agreementsUnsigned',
  'delegatedYes',
  'delegatedNo',
] as const;
export type GoLiveDetailCode = (typeof goLiveDetailCodes)[number];
/** `n`: a count; `min`: the operators wanted; `numbers`: the numbers that ring for the function. */
export interface GoLiveDetailParams {
  n?: number;
  min?: number;
  numbers?: string[];
}

export interface GoLiveItem {
  key: GoLiveItemKey;
  status: GoLiveItemStatus;
  /** What is there or what is missing, in words (English, for API clients). */
  detail: string;
  /** The same as a stable code the portal translates, with the values its sentence names. */
  code: GoLiveDetailCode;
  params: GoLiveDetailParams;
  /** Who fixes it: the client company in its portal, or the provider (numbers, operators, agreements). */
  fixedBy: 'client' | 'provider';
}

export interface GoLiveFunction {
  function: CallFunctionId;
  label: string;
  direction: 'inbound' | 'outbound';
  delegated: boolean;
  /** Operators who could take its calls (see routing/eligibility.ts). */
  operatorsAble: number;
  /** Delegated and fewer than MIN_OPERATORS_PER_FUNCTION operators able to take it. */
  understaffed: boolean;
  /** Nothing missing: delegated and able to take calls. */
  live: boolean;
  items: GoLiveItem[];
}

export interface GoLive {
  /** not_started: no function chosen yet; in_progress: something is missing; live: every chosen function can take calls. */
  status: GoLiveStatus;
  missing: number;
  warnings: number;
  /** The delegated functions with fewer than two operators able to take them. */
  understaffed: CallFunctionId[];
  functions: GoLiveFunction[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The tenant's go-live checklist, read in its own transaction (nothing of another tenant is read). */
export async function goLiveChecklist(tx: TenantTx): Promise<GoLive> {
  const delegations = await tx.selectFrom('delegations').select(['function', 'delegated']).execute();
  const drafts = new Set((await tx.selectFrom('scripts').select('function').execute()).map((r) => r.function));
  const published = await publishedFunctions(tx);
  const hours = await loadHours(tx);
  const numbers = await tx.selectFrom('phoneNumbers').select(['number', 'function']).orderBy('number').execute();
  const activeCodes = (await tx.selectFrom('wrapUpCodes').select('code').where('active', '=', true).execute()).length;
  const requiresAgreement = await agreementRequired(tx);
  // Every active assignment, signed or not: the agreement item counts who is held back by it.
  const assignments = await eligibleAssignments(tx, false).select(['a.skills', 'a.confidentialityAgreementSignedAt']).execute();

  const chosen = callFunctions.filter((f) => {
    const row = delegations.find((d) => d.function === f.id);
    if (row) return row.delegated; // an explicit choice: delegated, or kept in-house
    // No choice yet: the function is wanted once someone prepares it (a script started, a number ringing for it).
    // An operator's skill alone does not count: operators often carry skills a company does not use.
    return drafts.has(f.id) || numbers.some((n) => n.function === f.id);
  });

  const functions = chosen.map((f): GoLiveFunction => {
    const what = lowerFirst(f.label);
    const delegated = delegations.some((d) => d.function === f.id && d.delegated);
    const withSkill = assignments.filter((a) => a.skills.includes(f.id));
    const signed = withSkill.filter((a) => a.confidentialityAgreementSignedAt !== null).length;
    const able = requiresAgreement ? signed : withSkill.length;
    const routed = numbers.filter((n) => n.function === f.id).map((n) => n.number);
    const items: GoLiveItem[] = [];

    items.push(
      published.has(f.id)
        ? { key: 'script', status: 'done', detail: `A ${what} script is published.`, code: 'scriptPublished', params: {}, fixedBy: 'client' }
        : {
            key: 'script',
            status: 'missing',
            detail: drafts.has(f.id) ? `The ${what} script is a draft: publish it.` : `No ${what} script yet: operators need one to follow.`,
            code: drafts.has(f.id) ? 'scriptDraft' : 'scriptNone',
            params: {},
            fixedBy: 'client',
          },
    );
    items.push(
      activeCodes > 0
        ? { key: 'wrapUpCodes', status: 'done', detail: `${plural(activeCodes, 'wrap-up code')} to close calls with.`, code: 'wrapUpCodesSome', params: { n: activeCodes }, fixedBy: 'client' }
        : { key: 'wrapUpCodes', status: 'missing', detail: 'No wrap-up code: operators cannot record how a call ended.', code: 'wrapUpCodesNone', params: {}, fixedBy: 'client' },
    );
    items.push(
      hoursCover(hours, f.id)
        ? { key: 'hours', status: 'done', detail: `Hours are set for ${what}.`, code: 'hoursSet', params: {}, fixedBy: 'client' }
        : { key: 'hours', status: 'missing', detail: `No opening hours cover ${what}.`, code: 'hoursNone', params: {}, fixedBy: 'client' },
    );
    if (f.direction === 'inbound') {
      items.push(
        routed.length
          ? { key: 'phoneNumber', status: 'done', detail: `Callers dial ${routed.join(', ')}.`, code: 'phoneNumberRouted', params: { numbers: routed }, fixedBy: 'provider' }
          : { key: 'phoneNumber', status: 'missing', detail: `No phone number rings for ${what}.`, code: 'phoneNumberNone', params: {}, fixedBy: 'provider' },
      );
    }
    items.push(
      able >= MIN_OPERATORS_PER_FUNCTION
        ? { key: 'operators', status: 'done', detail: `${plural(able, 'operator')} can take these calls.`, code: 'operatorsEnough', params: { n: able }, fixedBy: 'provider' }
        : able === 1
          ? {
              key: 'operators',
              status: 'warning',
              detail: `Only one operator can take these calls: assign at least ${MIN_OPERATORS_PER_FUNCTION} so breaks and absences are covered.`,
              code: 'operatorsOne',
              params: { min: MIN_OPERATORS_PER_FUNCTION },
              fixedBy: 'provider',
            }
          : { key: 'operators', status: 'missing', detail: 'No operator can take these calls yet.', code: 'operatorsNone', params: {}, fixedBy: 'provider' },
    );
    if (requiresAgreement) {
      const unsigned = withSkill.length - signed;
      items.push(
        withSkill.length === 0
          ? { key: 'agreements', status: 'missing', detail: 'Your rules require signed confidentiality agreements; none is on file yet.', code: 'agreementsNoneOnFile', params: {}, fixedBy: 'provider' }
          : unsigned === 0
            ? { key: 'agreements', status: 'done', detail: 'Every operator with this skill has signed the confidentiality agreement.', code: 'agreementsSigned', params: {}, fixedBy: 'provider' }
            : {
                key: 'agreements',
                status: signed === 0 ? 'missing' : 'warning',
                detail: `${plural(unsigned, 'operator has', 'operators have')} not signed the confidentiality agreement your rules require.`,
                code: 'agreementsUnsigned',
                params: { n: unsigned },
                fixedBy: 'provider',
              },
      );
    }
    items.push(
      delegated
        ? { key: 'delegated', status: 'done', detail: `${f.label} is delegated to the call center.`, code: 'delegatedYes', params: {}, fixedBy: 'client' }
        : { key: 'delegated', status: 'missing', detail: `${f.label} is not delegated yet: switch it on once the rest is done.`, code: 'delegatedNo', params: {}, fixedBy: 'client' },
    );
    return {
      function: f.id,
      label: f.label,
      direction: f.direction,
      delegated,
      operatorsAble: able,
      understaffed: delegated && able < MIN_OPERATORS_PER_FUNCTION,
      live: items.every((i) => i.status !== 'missing'),
      items,
    };
  });

  const all = functions.flatMap((f) => f.items);
  const missing = all.filter((i) => i.status === 'missing').length;
  return {
    status: functions.length === 0 ? 'not_started' : missing ? 'in_progress' : 'live',
    missing,
    warnings: all.filter((i) => i.status === 'warning').length,
    understaffed: functions.filter((f) => f.understaffed).map((f) => f.function),
    functions,
  };
}
