import type { Selectable } from 'kysely';
import { jsonb, type ConfidentialityRulesTable, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { writeAudit } from '../audit/write.ts';
import { RulesSchema, defaultRules, normalizeRules, type Rules } from './definition.ts';

/**
 * The rules row a tenant request's session statement already read (api/src/http/tenant-scope.ts, as
 * `to_jsonb`, so snake_case keys; null: the tenant has set none), by transaction: loadRules in that
 * request then sends no statement (and parsedOnce parses the row once per process). replaceRules forgets it.
 */
const readWithRequest = new WeakMap<TenantTx, Record<string, unknown> | null>();

export function rememberRules(tx: TenantTx, row: Record<string, unknown> | null): void {
  readWithRequest.set(tx, row);
}

/** The rules when the request's session statement read them already (no statement), else undefined. */
export function rulesReadWithRequest(tx: TenantTx): Rules | undefined {
  const known = readWithRequest.get(tx);
  return known !== undefined ? parsedOnce(known) : undefined;
}

/** The tenant's confidentiality rules (the defaults for a tenant that has set none). */
export async function loadRules(tx: TenantTx): Promise<Rules> {
  const known = readWithRequest.get(tx);
  if (known !== undefined) return parsedOnce(known);
  // Frozen on both paths, so code that changed them would fail in any test, not only through a request.
  return deepFreeze(rulesFromRow(await tx.selectFrom('confidentialityRules').selectAll().executeTakeFirst()));
}

/**
 * Rules parsed from a row the session statement read, kept per process by the row's whole content: a
 * tenant's next request with an unchanged row reuses them instead of parsing again (a tenth of a GET's
 * CPU). Keyed by content, not by tenant or time, so a changed row is always parsed afresh and two
 * tenants with identical rows share one frozen value (nobody may change what loadRules returns).
 */
const parsedRules = new Map<string, Rules>();
const parsedRulesLimit = 10_000;

function parsedOnce(snakeRow: Record<string, unknown> | null): Rules {
  const { tenant_id: _tenant, updated_at: _at, updated_by: _by, ...content } = snakeRow ?? {};
  const key = snakeRow ? JSON.stringify(content) : '';
  const known = parsedRules.get(key);
  if (known) return known;
  const row = snakeRow && Object.fromEntries(Object.entries(content).map(([k, v]) => [k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()), v]));
  const rules = deepFreeze(rulesFromRow(row as Selectable<ConfidentialityRulesTable> | null));
  if (parsedRules.size >= parsedRulesLimit) parsedRules.clear();
  parsedRules.set(key, rules);
  return rules;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The rules a stored row says (the defaults for none); reads that fetch the row inside a larger statement use it too. */
export function rulesFromRow(row: Omit<Selectable<ConfidentialityRulesTable>, 'tenantId' | 'updatedAt' | 'updatedBy'> | undefined | null): Rules {
  if (!row) return defaultRules();
  // Parsed again, so a field added to the catalog after the row was written gets its default.
  return RulesSchema.parse({
    classification: row.classification,
    operatorVisibility: row.operatorVisibility,
    exportFields: row.exportFields,
    whiteLabel: row.whiteLabel,
    greetingText: row.greetingText,
    recordingPolicy: row.recordingPolicy,
    retention: { personalDataDays: row.personalDataRetentionDays, recordingsDays: row.recordingRetentionDays },
    requiresConfidentialityAgreement: row.requiresConfidentialityAgreement,
    ipAllowList: row.ipAllowList,
  });
}

/** Whether the tenant has saved rules at all (tenant files export a `rules` section only then). */
export async function hasSavedRules(tx: TenantTx): Promise<boolean> {
  return (await tx.selectFrom('confidentialityRules').select('tenantId').executeTakeFirst()) !== undefined;
}

export interface RulesReplaced {
  changed: boolean;
  before: Rules;
  after: Rules;
}

/**
 * Replaces the tenant's rules with an already validated document, in the caller's transaction, with
 * one `rules.replaced` audit row holding both versions. Identical rules write nothing.
 */
export async function replaceRules(tx: TenantTx, tenantId: string, actor: Actor | null, rules: Rules, now: Date): Promise<RulesReplaced> {
  readWithRequest.delete(tx);
  const saved = await hasSavedRules(tx);
  const before = await loadRules(tx);
  const after = normalizeRules(rules);
  if (saved && JSON.stringify(before) === JSON.stringify(after)) return { changed: false, before, after };
  const values = {
    classification: jsonb(after.classification),
    operatorVisibility: after.operatorVisibility,
    exportFields: after.exportFields,
    whiteLabel: after.whiteLabel,
    greetingText: after.greetingText,
    recordingPolicy: after.recordingPolicy,
    personalDataRetentionDays: after.retention.personalDataDays,
    recordingRetentionDays: after.retention.recordingsDays,
    requiresConfidentialityAgreement: after.requiresConfidentialityAgreement,
    ipAllowList: after.ipAllowList,
    updatedAt: now,
    updatedBy: actor?.label ?? 'system',
  };
  await tx
    .insertInto('confidentialityRules')
    .values({ tenantId, ...values })
    .onConflict((oc) => oc.column('tenantId').doUpdateSet(values))
    .execute();
  await writeAudit(tx, tenantId, actor, { action: 'rules.replaced', targetType: 'rules', targetId: null, before, after });
  return { changed: true, before, after };
}
