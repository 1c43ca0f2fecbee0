import type { ClientRole, TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { notFound } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { createUserWithTemporaryPassword } from '../users/create-user.ts';

export interface Invitation {
  userId: string;
  email: string;
  displayName: string;
  role: ClientRole;
  temporaryPassword: string;
}

/** A client user for this tenant, with a one-time password that must be changed at first login. */
export async function inviteMemberIn(
  tx: TenantTx,
  tenantId: string,
  actor: Actor | null,
  input: { email: string; displayName: string; role: ClientRole },
  now: Date,
): Promise<Invitation> {
  const user = await createUserWithTemporaryPassword(tx, { email: input.email, displayName: input.displayName, kind: input.role }, now);
  await tx.insertInto('tenantMembers').values({ tenantId, userId: user.id, role: input.role, createdAt: now }).execute();
  await writeAudit(tx, tenantId, actor, {
    action: 'member.invited',
    targetType: 'user',
    targetId: user.id,
    after: { email: user.email, displayName: user.displayName, role: input.role },
  });
  return { userId: user.id, email: user.email, displayName: user.displayName, role: input.role, temporaryPassword: user.temporaryPassword };
}

export function listMembers(tx: TenantTx) {
  return tx
    .selectFrom('tenantMembers')
    .innerJoin('users', 'users.id', 'tenantMembers.userId')
    .select([
      'users.id as userId',
      'users.email',
      'users.displayName',
      'tenantMembers.role',
      'users.status',
      'users.mustChangePassword',
      'tenantMembers.createdAt',
    ])
    .orderBy('users.displayName')
    .execute();
}

/** Removes a client user: the membership goes, the account is disabled and its sessions end. */
export async function removeMember(tx: TenantTx, tenantId: string, actor: Actor, userId: string, now: Date): Promise<void> {
  const member = await tx
    .selectFrom('tenantMembers')
    .innerJoin('users', 'users.id', 'tenantMembers.userId')
    .select(['users.email', 'users.displayName', 'tenantMembers.role'])
    .where('tenantMembers.userId', '=', userId)
    .executeTakeFirst();
  if (!member) throw notFound();
  await tx.deleteFrom('tenantMembers').where('userId', '=', userId).execute();
  await tx.updateTable('users').set({ status: 'disabled', updatedAt: now }).where('id', '=', userId).execute();
  await tx.deleteFrom('sessions').where('userId', '=', userId).execute();
  await writeAudit(tx, tenantId, actor, { action: 'member.removed', targetType: 'user', targetId: userId, before: member });
}
