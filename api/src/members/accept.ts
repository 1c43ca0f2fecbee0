import type { Kysely } from 'kysely';
import { crossTenant, newId, withTenant, type DB } from '@switchboard/db';
import type { SessionUser } from '../http/env.ts';
import { actorOf } from '../http/env.ts';
import { notFound } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { hashPassword } from '../auth/passwords.ts';
import { invitationCodeHash } from './service.ts';

/** Invitation ids the caller found by a named cross-tenant read; re-read here under each tenant's context. */
type InvitationRef = { tenantId: string; id: string };

const isClientUser = (kind: string) => kind === 'client_admin' || kind === 'client_member';

/**
 * Finds the open invitation a one-time code was issued for. Called on every failed login, so a wrong
 * password costs the same one indexed query whether or not the address was invited or has an account.
 */
export function invitationByCode(db: Kysely<DB>, email: string, code: string, now: Date): Promise<InvitationRef | undefined> {
  return crossTenant.invitationForCode(db, email, invitationCodeHash(code), now);
}

/**
 * The first login of an invited person who has no account: the account is made with the code as its
 * one-time password (to be changed before anything else), joins the tenant, and the invitation goes.
 * Answers the new user's id, or null when the address got an account meanwhile (the code never opens
 * an existing account: its holder accepts from their own session instead).
 */
export async function joinByInvitationCode(db: Kysely<DB>, ref: InvitationRef, code: string, now: Date): Promise<string | null> {
  // Hash before the transaction: PGlite runs one transaction at a time, so keep it short.
  const passwordHash = await hashPassword(code);
  try {
    return await withTenant(db, ref.tenantId, async (tx) => {
      const invitation = await tx
        .deleteFrom('memberInvitations')
        .where('id', '=', ref.id)
        .where('codeHash', '=', invitationCodeHash(code))
        .where('expiresAt', '>', now)
        .returning(['email', 'displayName', 'role'])
        .executeTakeFirst();
      if (!invitation) return null;
      const taken = await tx.selectFrom('users').select('id').where('email', '=', invitation.email).executeTakeFirst();
      if (taken) throw new AddressTaken();
      const id = newId();
      await tx
        .insertInto('users')
        .values({ id, email: invitation.email, displayName: invitation.displayName, kind: invitation.role, passwordHash, mustChangePassword: true, createdAt: now, updatedAt: now })
        .execute();
      await tx.insertInto('tenantMembers').values({ tenantId: ref.tenantId, userId: id, role: invitation.role, createdAt: now }).execute();
      await writeAudit(tx, ref.tenantId, { id, label: `${invitation.displayName} <${invitation.email}>`, kind: invitation.role }, {
        action: 'member.joined',
        targetType: 'user',
        targetId: id,
        after: { email: invitation.email, role: invitation.role, invitationId: ref.id, newAccount: true },
      });
      return id;
    });
  } catch (error) {
    // Rolled back, invitation kept: the address has an account (or got one from a concurrent login).
    if (error instanceof AddressTaken || isUniqueViolation(error)) return null;
    throw error;
  }
}

class AddressTaken extends Error {}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

export interface PendingInvitation {
  id: string;
  tenant: { slug: string; name: string };
  role: 'client_admin' | 'client_member';
  invitedAt: Date;
  expiresAt: Date;
}

/** The open invitations addressed to a client user's email, each re-read under its tenant. Staff accounts get none. */
export async function pendingInvitationsOf(db: Kysely<DB>, user: SessionUser, now: Date): Promise<PendingInvitation[]> {
  if (!isClientUser(user.kind)) return [];
  const refs = await crossTenant.openInvitationsFor(db, user.email, now);
  const pending: PendingInvitation[] = [];
  for (const ref of refs) {
    const row = await withTenant(db, ref.tenantId, (tx) =>
      tx
        .selectFrom('memberInvitations')
        .innerJoin('tenants', 'tenants.id', 'memberInvitations.tenantId')
        .select(['memberInvitations.id', 'memberInvitations.role', 'memberInvitations.createdAt', 'memberInvitations.expiresAt', 'tenants.slug', 'tenants.name'])
        .where('memberInvitations.id', '=', ref.id)
        .where('memberInvitations.email', '=', user.email)
        .executeTakeFirst(),
    );
    if (row) pending.push({ id: row.id, tenant: { slug: row.slug, name: row.name }, role: row.role, invitedAt: row.createdAt, expiresAt: row.expiresAt });
  }
  return pending;
}

async function findOwnInvitation(db: Kysely<DB>, user: SessionUser, invitationId: string, now: Date): Promise<InvitationRef> {
  const ref = isClientUser(user.kind) ? (await crossTenant.openInvitationsFor(db, user.email, now)).find((r) => r.id === invitationId) : undefined;
  if (!ref) throw notFound();
  return ref;
}

/**
 * A client user joins the company that invited their address, with the invitation's own one-time code;
 * answers that company. The session alone is not enough: without e-mail verification, an account for an
 * address may have been made by someone else (with another company's code), and must not take this one.
 * A wrong code answers the same 404 as an invitation that is not theirs.
 */
export async function acceptInvitation(db: Kysely<DB>, user: SessionUser, invitationId: string, code: string, now: Date): Promise<{ slug: string; name: string }> {
  const ref = await findOwnInvitation(db, user, invitationId, now);
  return withTenant(db, ref.tenantId, async (tx) => {
    const invitation = await tx
      .deleteFrom('memberInvitations')
      .where('id', '=', ref.id)
      .where('email', '=', user.email)
      .where('codeHash', '=', invitationCodeHash(code))
      .returning(['role'])
      .executeTakeFirst();
    if (!invitation) throw notFound();
    await tx
      .insertInto('tenantMembers')
      .values({ tenantId: ref.tenantId, userId: user.id, role: invitation.role, createdAt: now })
      .onConflict((oc) => oc.columns(['tenantId', 'userId']).doNothing())
      .execute();
    await writeAudit(tx, ref.tenantId, actorOf(user), {
      action: 'member.joined',
      targetType: 'user',
      targetId: user.id,
      after: { email: user.email, role: invitation.role, invitationId: ref.id, newAccount: false },
    });
    return tx.selectFrom('tenants').select(['slug', 'name']).where('id', '=', ref.tenantId).executeTakeFirstOrThrow();
  });
}

/** A client user turns an invitation down: it is deleted, and the inviting company's audit says so. */
export async function declineInvitation(db: Kysely<DB>, user: SessionUser, invitationId: string, now: Date): Promise<void> {
  const ref = await findOwnInvitation(db, user, invitationId, now);
  await withTenant(db, ref.tenantId, async (tx) => {
    const gone = await tx.deleteFrom('memberInvitations').where('id', '=', ref.id).where('email', '=', user.email).returning('id').executeTakeFirst();
    if (!gone) throw notFound();
    await writeAudit(tx, ref.tenantId, actorOf(user), { action: 'member.invitation_declined', targetType: 'invitation', targetId: ref.id });
  });
}

