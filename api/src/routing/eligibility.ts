import type { TenantTx } from '@switchboard/db';

/** Whether the tenant's rules keep operators without a signed confidentiality agreement off its calls. */
export async function agreementRequired(tx: TenantTx): Promise<boolean> {
  const rules = await tx.selectFrom('confidentialityRules').select('requiresConfidentialityAgreement').executeTakeFirst();
  return rules?.requiresConfidentialityAgreement ?? false;
}

/**
 * The tenant's operator assignments routing may offer calls to, before presence and delays: an active
 * account, and the signed agreement when the tenant's rules require one. Dispatch adds who is free
 * right now; the go-live checklist and the wallboard count who could take a function at all. One
 * query, so "able to take these calls" means the same thing everywhere — the set-based routing pass
 * reads the same rule across tenants in routing.offerCandidates (db/src/routing.ts): change both together.
 */
export function eligibleAssignments(tx: TenantTx, requiresAgreement: boolean) {
  const query = tx
    .selectFrom('operatorAssignments as a')
    .innerJoin('users as u', 'u.id', 'a.operatorId')
    .where('u.status', '=', 'active');
  return requiresAgreement ? query.where('a.confidentialityAgreementSignedAt', 'is not', null) : query;
}

/** How many operators could take each skill's calls (see eligibleAssignments). */
export async function operatorsAblePerSkill(tx: TenantTx): Promise<Map<string, number>> {
  const rows = await eligibleAssignments(tx, await agreementRequired(tx)).select('a.skills').execute();
  const counts = new Map<string, number>();
  for (const row of rows) for (const skill of row.skills) counts.set(skill, (counts.get(skill) ?? 0) + 1);
  return counts;
}

/**
 * Whether an operator is admitted to the tenant of the transaction at all: assigned, with an active
 * account, and with a signed agreement on file when the tenant's rules require one (a withdrawn one is
 * no agreement). The one check behind every door an operator has into a tenant: the tenant middleware
 * (every /api/t/ route), the desk's state, figures and recent calls, who hears the tenant's events,
 * and, through eligibleAssignments, whom routing offers calls to.
 */
export async function operatorAdmitted(tx: TenantTx, operatorId: string): Promise<boolean> {
  // One statement (it runs on every operator request): the rule is read in the same query, as eligibleAssignments applies it.
  const row = await tx
    .selectFrom('operatorAssignments as a')
    .innerJoin('users as u', 'u.id', 'a.operatorId')
    .select('a.operatorId')
    .where('a.operatorId', '=', operatorId)
    .where('u.status', '=', 'active')
    .where((eb) =>
      eb.or([
        eb('a.confidentialityAgreementSignedAt', 'is not', null),
        eb.not(eb.exists(eb.selectFrom('confidentialityRules').select('tenantId').where('requiresConfidentialityAgreement', '=', true))),
      ]),
    )
    .executeTakeFirst();
  return row !== undefined;
}

/** Every operator admitted to the tenant of the transaction (see operatorAdmitted). */
export async function admittedOperatorIds(tx: TenantTx): Promise<Set<string>> {
  const rows = await eligibleAssignments(tx, await agreementRequired(tx)).select('a.operatorId').execute();
  return new Set(rows.map((r) => r.operatorId));
}
