import { createHash } from 'node:crypto';
import { crossTenant, newId, type ClientRole, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, notFound, fieldError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { generateTemporaryPassword } from '../auth/passwords.ts';
import { createUserWithTemporaryPassword } from '../users/create-user.ts';

export interface Invitation {
  userId: string;
  email: string;
  displayName: string;
  role: ClientRole;
  temporaryPassword: string;
}

/**
 * A client user's account for this tenant, made now, with a one-time password that must be changed at
 * first login: for the provider's own paths (onboarding a tenant's first admin, tenants:apply), where
 * the provider sees every account anyway. A client admin's invitation goes through inviteColleague.
 */
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
  // A person who also belongs to another company keeps their account there; the tenant middleware
  // stops their sessions at this one's door from the next request on.
  if (!(await crossTenant.memberElsewhere(tx, userId, tenantId))) {
    await tx.updateTable('users').set({ status: 'disabled', updatedAt: now }).where('id', '=', userId).execute();
    await tx.deleteFrom('sessions').where('userId', '=', userId).execute();
  }
  await writeAudit(tx, tenantId, actor, { action: 'member.removed', targetType: 'user', targetId: userId, before: member });
}

/** How long an invitation's one-time code may be used. */
export const invitationDays = 14;

/** An invitation's code is 100 random bits: SHA-256 is enough, and lets a login find it by value. */
export function invitationCodeHash(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

export interface ColleagueInvitation {
  invitationId: string;
  email: string;
  displayName: string;
  role: ClientRole;
  temporaryPassword: string;
  expiresAt: Date;
}

/**
 * Invites a colleague (issue 11, finding 7). It looks at no account outside this tenant and creates
 * none, so it answers the same whether or not the address has an account anywhere, and no company can
 * take an address another will need: the person logs in with the one-time code (no account yet: it is
 * made then, see joinByInvitationCode) or, having one, accepts from their own session. Only a member
 * of this very company is refused (409), which the company already sees in its member list. Inviting
 * the same address again replaces the open invitation and its code.
 */
export async function inviteColleague(
  tx: TenantTx,
  tenantId: string,
  actor: Actor,
  input: { email: string; displayName: string; role: ClientRole },
  now: Date,
): Promise<ColleagueInvitation> {
  const member = await tx
    .selectFrom('tenantMembers')
    .innerJoin('users', 'users.id', 'tenantMembers.userId')
    .select('users.id')
    .where('users.email', '=', input.email)
    .executeTakeFirst();
  if (member) throw conflict('member.exists', 'This person is already a member of this company.', undefined, [fieldError('email', 'member.exists', 'Already a member of this company.')]);
  const temporaryPassword = generateTemporaryPassword();
  const expiresAt = new Date(now.getTime() + invitationDays * 24 * 60 * 60 * 1000);
  const values = {
    id: newId(),
    displayName: input.displayName,
    role: input.role,
    codeHash: invitationCodeHash(temporaryPassword),
    invitedBy: actor.id,
    createdAt: now,
    expiresAt,
  };
  const invitation = await tx
    .insertInto('memberInvitations')
    .values({ tenantId, email: input.email, ...values })
    .onConflict((oc) => oc.columns(['tenantId', 'email']).doUpdateSet(values))
    .returning('id')
    .executeTakeFirstOrThrow();
  await writeAudit(tx, tenantId, actor, {
    action: 'member.invited',
    targetType: 'invitation',
    targetId: invitation.id,
    after: { email: input.email, displayName: input.displayName, role: input.role, expiresAt: expiresAt.toISOString() },
  });
  return { invitationId: invitation.id, email: input.email, displayName: input.displayName, role: input.role, temporaryPassword, expiresAt };
}

/** The tenant's open invitations (expired ones included, marked by their date), newest first. */
export function listInvitations(tx: TenantTx) {
  return tx
    .selectFrom('memberInvitations')
    .select(['id', 'email', 'displayName', 'role', 'createdAt', 'expiresAt'])
    .orderBy('createdAt', 'desc')
    .execute();
}

/** Withdraws an invitation: its code stops working at once. */
export async function revokeInvitation(tx: TenantTx, tenantId: string, actor: Actor, invitationId: string): Promise<void> {
  const revoked = await tx
    .deleteFrom('memberInvitations')
    .where('id', '=', invitationId)
    .returning(['email', 'displayName', 'role'])
    .executeTakeFirst();
  if (!revoked) throw notFound();
  await writeAudit(tx, tenantId, actor, { action: 'member.invitation_revoked', targetType: 'invitation', targetId: invitationId, before: revoked });
}
