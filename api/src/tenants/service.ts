import type { Kysely } from 'kysely';
import { newId, withTenant, type DB, type Tenant, type TenantUpdate } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, fieldError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { inviteMemberIn, type Invitation } from '../members/service.ts';
import { withdrawNewCalls } from './suspension.ts';

export interface CreateTenantInput {
  slug: string;
  name: string;
  legalName: string;
  timeZone: string;
  locale: string;
  currency: string;
  brandColor?: string | undefined;
  clientAdmin?: { email: string; displayName: string } | undefined;
}

/**
 * Onboarding in one transaction: the tenant, its audit trail's first row and, when asked, its first
 * client admin with a one-time password. The transaction is already the new tenant's, so the
 * tenant rows it writes pass the same policy as every later request's.
 */
export async function createTenant(
  db: Kysely<DB>,
  actor: Actor | null,
  input: CreateTenantInput,
  now: Date,
): Promise<{ tenant: Tenant; invitation: Invitation | null }> {
  const id = newId();
  return withTenant(
    db,
    id,
    async (tx) => {
      const taken = await tx.selectFrom('tenants').select('id').where('slug', '=', input.slug).executeTakeFirst();
      if (taken) throw conflict('tenant.slug_taken', 'That slug is taken.', undefined, [fieldError('slug', 'tenant.slug_taken', 'Another tenant already uses this slug.')]);
      const tenant = await tx
        .insertInto('tenants')
        .values({
          id,
          slug: input.slug,
          name: input.name,
          legalName: input.legalName,
          timeZone: input.timeZone,
          locale: input.locale,
          currency: input.currency,
          ...(input.brandColor ? { brandColor: input.brandColor } : {}),
          createdAt: now,
          updatedAt: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await writeAudit(tx, id, actor, { action: 'tenant.created', targetType: 'tenant', targetId: id, after: tenant });
      const invitation = input.clientAdmin
        ? await inviteMemberIn(tx, tenant.id, actor, { ...input.clientAdmin, role: 'client_admin' }, now)
        : null;
      return { tenant, invitation };
    },
    { actorId: actor?.id ?? null },
  );
}

export async function updateTenant(
  db: Kysely<DB>,
  actor: Actor,
  tenant: Tenant,
  changes: TenantUpdate,
  now: Date,
): Promise<Tenant> {
  return withTenant(
    db,
    tenant.id,
    async (tx) => {
      const patch: TenantUpdate = { ...changes, updatedAt: now };
      if (changes.status === 'active') patch.suspendedReason = null;
      const updated = await tx.updateTable('tenants').set(patch).where('id', '=', tenant.id).returningAll().executeTakeFirstOrThrow();
      const action =
        changes.status && changes.status !== tenant.status
          ? changes.status === 'suspended'
            ? 'tenant.suspended'
            : 'tenant.reactivated'
          : 'tenant.updated';
      // Suspended: closed to new calls; those waiting are withdrawn (calls in progress finish).
      const withdrawnCalls = action === 'tenant.suspended' ? await withdrawNewCalls(tx, now) : 0;
      await writeAudit(tx, tenant.id, actor, {
        action,
        targetType: 'tenant',
        targetId: tenant.id,
        before: tenant,
        after: withdrawnCalls ? { ...updated, withdrawnCalls } : updated,
      });
      return updated;
    },
    { actorId: actor.id },
  );
}
