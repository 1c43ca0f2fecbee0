import { jsonb, qualitySampleReasons, type QualitySampleReason, type Tenant, type TenantTx } from '@switchboard/db';
import { z } from '@hono/zod-openapi';
import { writeAudit } from '../audit/write.ts';
import type { Actor } from '../http/env.ts';
import { fieldError, invalid } from '../http/problem.ts';

/** What a company's quality sampling favours and who of its own users may evaluate (docs/quality.md). */
export const SampleWeightsSchema = z
  .strictObject(Object.fromEntries(qualitySampleReasons.map((r) => [r, z.number().int().min(0).max(10)])) as Record<QualitySampleReason, z.ZodNumber>)
  .openapi('QualitySampleWeights', {
    description: 'Relative weight of each reason a call is sampled for, 0–10: a call weighs random plus the weights of what it has (long, transfer, complaint, low satisfaction).',
    example: { random: 1, long: 2, transfer: 2, complaint: 3, low_satisfaction: 3 },
  });
export type SampleWeights = z.infer<typeof SampleWeightsSchema>;

export const defaultSampleWeights: SampleWeights = { random: 1, long: 2, transfer: 2, complaint: 3, low_satisfaction: 3 };

export const QualitySettingsInputSchema = z
  .strictObject({
    samplesPerOperatorWeek: z.number().int().min(0).max(50).openapi({ example: 3 }),
    sampleWeights: SampleWeightsSchema,
    clientEvaluatorIds: z.array(z.uuid()).max(50).openapi({ description: 'Client users of this company who may evaluate calls (members of the company only).', example: [] }),
  })
  .openapi('QualitySettingsInput');
export type QualitySettingsInput = z.infer<typeof QualitySettingsInputSchema>;

export const QualitySettingsSchema = z
  .object({
    samplesPerOperatorWeek: z.number().int(),
    sampleWeights: SampleWeightsSchema,
    clientEvaluatorIds: z.array(z.uuid()),
    /** The company's client users, to choose evaluators from. */
    clientUsers: z.array(z.object({ id: z.uuid(), displayName: z.string(), role: z.enum(['client_admin', 'client_member']) })),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .openapi('QualitySettings');
export type QualitySettings = z.infer<typeof QualitySettingsSchema>;

/** Weights as stored, each reason present and in range (a row written before a reason existed reads 0 for it). */
export function weightsOf(stored: unknown): SampleWeights {
  const source = stored && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
  return Object.fromEntries(
    qualitySampleReasons.map((r) => {
      const v = source[r];
      return [r, typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.min(10, Math.round(v))) : stored ? 0 : defaultSampleWeights[r]];
    }),
  ) as SampleWeights;
}

/** The settings row, or the defaults when the company has never set them. */
export async function qualitySettingsRow(tx: TenantTx): Promise<{ samplesPerOperatorWeek: number; sampleWeights: SampleWeights; clientEvaluatorIds: string[]; updatedAt: Date | null; updatedBy: string | null }> {
  const row = await tx.selectFrom('qualitySettings').selectAll().executeTakeFirst();
  if (!row) return { samplesPerOperatorWeek: 3, sampleWeights: { ...defaultSampleWeights }, clientEvaluatorIds: [], updatedAt: null, updatedBy: null };
  return { samplesPerOperatorWeek: row.samplesPerOperatorWeek, sampleWeights: weightsOf(row.sampleWeights), clientEvaluatorIds: row.clientEvaluatorIds, updatedAt: new Date(row.updatedAt), updatedBy: row.updatedBy };
}

async function clientUsersOf(tx: TenantTx) {
  return tx
    .selectFrom('tenantMembers')
    .innerJoin('users', 'users.id', 'tenantMembers.userId')
    .select(['users.id', 'users.displayName', 'tenantMembers.role'])
    .where('users.status', '=', 'active')
    .orderBy('users.displayName')
    .execute();
}

export async function readQualitySettings(tx: TenantTx): Promise<QualitySettings> {
  const row = await qualitySettingsRow(tx);
  return {
    samplesPerOperatorWeek: row.samplesPerOperatorWeek,
    sampleWeights: row.sampleWeights,
    clientEvaluatorIds: row.clientEvaluatorIds,
    clientUsers: (await clientUsersOf(tx)).map((u) => ({ id: u.id, displayName: u.displayName, role: u.role })),
    updatedAt: row.updatedAt?.toISOString() ?? null,
    updatedBy: row.updatedBy,
  };
}

/** Whether a client user may evaluate this company's calls: a member, listed in the settings. */
export async function isClientEvaluator(tx: TenantTx, userId: string): Promise<boolean> {
  const row = await qualitySettingsRow(tx);
  if (!row.clientEvaluatorIds.includes(userId)) return false;
  const member = await tx.selectFrom('tenantMembers').select('userId').where('userId', '=', userId).executeTakeFirst();
  return Boolean(member);
}

export async function saveQualitySettings(tx: TenantTx, tenant: Tenant, actor: Actor, input: QualitySettingsInput, now: Date): Promise<QualitySettings> {
  const errors = [];
  const seen = new Set<string>();
  for (const [index, id] of input.clientEvaluatorIds.entries()) {
    if (seen.has(id)) errors.push(fieldError(`clientEvaluatorIds.${index}`, 'listed_twice', `${id} is listed twice.`, { value: id }));
    seen.add(id);
  }
  const members = new Set(
    input.clientEvaluatorIds.length
      ? (await tx.selectFrom('tenantMembers').select('userId').where('userId', 'in', input.clientEvaluatorIds).execute()).map((m) => m.userId)
      : [],
  );
  for (const [index, id] of input.clientEvaluatorIds.entries()) {
    if (!members.has(id)) errors.push(fieldError(`clientEvaluatorIds.${index}`, 'quality.not_a_member', 'Not a user of this company.'));
  }
  if (errors.length) throw invalid(errors);
  const before = await tx.selectFrom('qualitySettings').select(['samplesPerOperatorWeek', 'sampleWeights', 'clientEvaluatorIds']).executeTakeFirst();
  const values = {
    samplesPerOperatorWeek: input.samplesPerOperatorWeek,
    sampleWeights: jsonb(input.sampleWeights),
    clientEvaluatorIds: input.clientEvaluatorIds,
    updatedAt: now,
    updatedBy: actor.label,
  };
  await tx
    .insertInto('qualitySettings')
    .values({ tenantId: tenant.id, ...values })
    .onConflict((oc) => oc.column('tenantId').doUpdateSet(values))
    .execute();
  await writeAudit(tx, tenant.id, actor, {
    action: 'quality.settings_changed',
    targetType: 'quality_settings',
    targetId: tenant.id,
    before: before ?? null,
    after: { samplesPerOperatorWeek: input.samplesPerOperatorWeek, sampleWeights: input.sampleWeights, clientEvaluatorIds: input.clientEvaluatorIds },
  });
  return readQualitySettings(tx);
}
