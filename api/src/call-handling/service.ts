import { crossTenant, jsonb, type CallFunctionId, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, fieldError, type FieldError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { byNumber, CallSettingsSchema, defaultCallSettings, normalizeCallSettings, type CallSettings, type PhoneNumberEntry } from './definition.ts';

/** The tenant's call-handling settings: its saved row, or the defaults when it has none. */
export async function loadCallSettings(tx: TenantTx): Promise<{ settings: CallSettings; updatedAt: Date | null; updatedBy: string | null }> {
  const row = await tx.selectFrom('callSettings').selectAll().executeTakeFirst();
  if (!row) return { settings: normalizeCallSettings(CallSettingsSchema.parse({})), updatedAt: null, updatedBy: null };
  // Parsed again, so a severity added later gets its default.
  const settings = CallSettingsSchema.safeParse({
    offerTimeoutSeconds: row.offerTimeoutSeconds,
    wrapUpSeconds: row.wrapUpSeconds,
    answerTargetSeconds: row.answerTargetSeconds,
    transferTimeoutSeconds: row.transferTimeoutSeconds,
    wrapUpExtensionSeconds: row.wrapUpExtensionSeconds,
    complaintDueDays: row.complaintDueDays,
    maxQueueWaitSeconds: row.maxQueueWaitSeconds,
    queueOverflow: row.queueOverflow,
    connectedSilenceMinutes: row.connectedSilenceMinutes,
    satisfactionSurvey: row.satisfactionSurvey,
  });
  return {
    settings: normalizeCallSettings(settings.success ? settings.data : { ...row, complaintDueDays: { ...defaultCallSettings.complaintDueDays }, queueOverflow: {}, satisfactionSurvey: {} }),
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}

export async function hasSavedCallSettings(tx: TenantTx): Promise<boolean> {
  return (await tx.selectFrom('callSettings').select('tenantId').executeTakeFirst()) !== undefined;
}

export interface CallSettingsReplaced {
  changed: boolean;
  before: CallSettings;
  after: CallSettings;
}

/** Saves validated settings with one `call_settings.replaced` audit row; the same settings again write nothing. */
export async function replaceCallSettings(tx: TenantTx, tenantId: string, actor: Actor | null, settings: CallSettings, now: Date): Promise<CallSettingsReplaced> {
  const saved = await hasSavedCallSettings(tx);
  const { settings: before } = await loadCallSettings(tx);
  const after = normalizeCallSettings(settings);
  if (saved && JSON.stringify(before) === JSON.stringify(after)) return { changed: false, before, after };
  const values = {
    offerTimeoutSeconds: after.offerTimeoutSeconds,
    wrapUpSeconds: after.wrapUpSeconds,
    answerTargetSeconds: after.answerTargetSeconds,
    transferTimeoutSeconds: after.transferTimeoutSeconds,
    wrapUpExtensionSeconds: after.wrapUpExtensionSeconds,
    complaintDueDays: jsonb(after.complaintDueDays),
    maxQueueWaitSeconds: after.maxQueueWaitSeconds,
    queueOverflow: jsonb(after.queueOverflow),
    connectedSilenceMinutes: after.connectedSilenceMinutes,
    satisfactionSurvey: jsonb(after.satisfactionSurvey),
    updatedAt: now,
    updatedBy: actor?.label ?? 'system',
  };
  await tx
    .insertInto('callSettings')
    .values({ tenantId, ...values })
    .onConflict((oc) => oc.column('tenantId').doUpdateSet(values))
    .execute();
  await writeAudit(tx, tenantId, actor, { action: 'call_settings.replaced', targetType: 'call_settings', targetId: null, before, after });
  return { changed: true, before, after };
}

export interface PhoneNumberRow extends PhoneNumberEntry {
  createdAt: Date;
}

export async function listPhoneNumbers(tx: TenantTx): Promise<PhoneNumberRow[]> {
  const rows = await tx.selectFrom('phoneNumbers').select(['number', 'function', 'label', 'createdAt']).orderBy('number').execute();
  return rows.map((r) => ({ ...r, function: r.function as CallFunctionId }));
}

/** Refused (409) when the number answers for another tenant; which one is never said (DESIGN.md rule 5). */
async function assertNumberFree(tx: TenantTx, tenantId: string, number: string): Promise<void> {
  const owner = await crossTenant.tenantOwningNumber(tx, number);
  if (owner !== null && owner !== tenantId) {
    throw conflict('number.taken', 'This number is already in use.', undefined, [fieldError('number', 'number.taken', 'This number already answers for another client company; a number can ring for one only.')]);
  }
}

export type PhoneNumberOutcome = 'added' | 'changed' | 'unchanged';

/** Adds the number to the tenant, or changes its function and label, with an audit row when anything changed. */
export async function putPhoneNumber(
  tx: TenantTx,
  tenantId: string,
  actor: Actor | null,
  entry: PhoneNumberEntry,
  now: Date,
): Promise<{ outcome: PhoneNumberOutcome; row: PhoneNumberRow }> {
  const before = await tx.selectFrom('phoneNumbers').select(['number', 'function', 'label', 'createdAt']).where('number', '=', entry.number).executeTakeFirst();
  if (!before) {
    await assertNumberFree(tx, tenantId, entry.number);
    const row = await tx
      .insertInto('phoneNumbers')
      .values({ tenantId, number: entry.number, function: entry.function, label: entry.label, createdAt: now })
      .returning(['number', 'function', 'label', 'createdAt'])
      .executeTakeFirstOrThrow();
    await writeAudit(tx, tenantId, actor, { action: 'phone_number.added', targetType: 'phone_number', targetId: null, after: entry });
    return { outcome: 'added', row: { ...row, function: row.function as CallFunctionId } };
  }
  const was = { number: before.number, function: before.function, label: before.label };
  if (was.function === entry.function && was.label === entry.label) return { outcome: 'unchanged', row: { ...before, function: before.function as CallFunctionId } };
  const row = await tx
    .updateTable('phoneNumbers')
    .set({ function: entry.function, label: entry.label })
    .where('number', '=', entry.number)
    .returning(['number', 'function', 'label', 'createdAt'])
    .executeTakeFirstOrThrow();
  await writeAudit(tx, tenantId, actor, { action: 'phone_number.changed', targetType: 'phone_number', targetId: null, before: was, after: entry });
  return { outcome: 'changed', row: { ...row, function: row.function as CallFunctionId } };
}

/** Takes the number off the tenant; false when the tenant has no such number. */
export async function deletePhoneNumber(tx: TenantTx, tenantId: string, actor: Actor | null, number: string): Promise<boolean> {
  const removed = await tx.deleteFrom('phoneNumbers').where('number', '=', number).returning(['number', 'function', 'label']).executeTakeFirst();
  if (!removed) return false;
  await writeAudit(tx, tenantId, actor, { action: 'phone_number.removed', targetType: 'phone_number', targetId: null, before: removed });
  return true;
}

/** The tenant's numbers become exactly these (tenant files): one line per number added, changed or removed. */
export async function replacePhoneNumbers(tx: TenantTx, tenantId: string, actor: Actor | null, entries: PhoneNumberEntry[], now: Date): Promise<string[]> {
  const lines: string[] = [];
  const wanted = new Set(entries.map((e) => e.number));
  // Every number another tenant holds, named at once (never the tenant).
  const taken: FieldError[] = [];
  for (const entry of entries) {
    const owner = await crossTenant.tenantOwningNumber(tx, entry.number);
    if (owner !== null && owner !== tenantId) taken.push(fieldError(entry.number, 'number.taken', `${entry.number} already answers for another client company.`, { number: entry.number }));
  }
  if (taken.length) throw conflict('number.taken', 'Some numbers are already in use.', undefined, taken);
  for (const current of await listPhoneNumbers(tx)) {
    if (wanted.has(current.number)) continue;
    await deletePhoneNumber(tx, tenantId, actor, current.number);
    lines.push(`${current.number} removed`);
  }
  for (const entry of [...entries].sort(byNumber)) {
    const { outcome } = await putPhoneNumber(tx, tenantId, actor, entry, now);
    if (outcome !== 'unchanged') lines.push(`${entry.number} ${outcome} (${entry.function}${entry.label ? `, ${JSON.stringify(entry.label)}` : ''})`);
  }
  return lines;
}
