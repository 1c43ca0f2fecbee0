import { jsonb, newId, type AppTx, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';

export interface AuditInput {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * One audit row per mutation, in the mutation's own transaction: if the row cannot be written the
 * whole action fails, and a rolled-back action leaves no row behind.
 */
export async function writeAudit(tx: TenantTx, tenantId: string, actor: Actor | null, input: AuditInput): Promise<void> {
  await tx
    .insertInto('auditLog')
    .values({
      tenantId,
      id: newId(),
      actorId: actor?.id ?? null,
      actorLabel: actor?.label ?? 'system',
      action: input.action,
      targetType: input.targetType,
      targetId: input.targetId ?? null,
      before: jsonb(input.before),
      after: jsonb(input.after),
    })
    .execute();
}

/** Provider-level actions that belong to no tenant (staff accounts, passwords) go to the platform log. */
export async function writePlatformAudit(tx: AppTx, actor: Actor | null, input: AuditInput): Promise<void> {
  await tx
    .insertInto('platformAuditLog')
    .values({
      id: newId(),
      actorId: actor?.id ?? null,
      actorLabel: actor?.label ?? 'system',
      action: input.action,
      targetType: input.targetType,
      targetId: input.targetId ?? null,
      before: jsonb(input.before),
      after: jsonb(input.after),
    })
    .execute();
}
