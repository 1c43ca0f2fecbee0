import type { Transaction } from 'kysely';
import { newId, type DB, type UserKind } from '@switchboard/db';
import { conflict, fieldError } from '../http/problem.ts';
import { generateTemporaryPassword, hashPassword } from '../auth/passwords.ts';

export interface CreatedUser {
  id: string;
  email: string;
  displayName: string;
  kind: UserKind;
  temporaryPassword: string;
}

/**
 * Creates an account with a one-time password that must be changed at first login. Emails are
 * unique across the platform: a person has one login, and a client user belongs to one tenant.
 */
export async function createUserWithTemporaryPassword(
  tx: Transaction<DB>,
  input: { email: string; displayName: string; kind: UserKind },
  now: Date,
): Promise<CreatedUser> {
  const taken = await tx.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
  if (taken) {
    throw conflict('email.taken', 'That email already has an account.', undefined, [fieldError('email', 'email.taken', 'This email already has an account.')]);
  }
  const temporaryPassword = generateTemporaryPassword();
  const id = newId();
  await tx
    .insertInto('users')
    .values({
      id,
      email: input.email,
      displayName: input.displayName,
      kind: input.kind,
      passwordHash: await hashPassword(temporaryPassword),
      mustChangePassword: true,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  return { id, email: input.email, displayName: input.displayName, kind: input.kind, temporaryPassword };
}
