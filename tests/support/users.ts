import type { Kysely } from 'kysely';
import { newId, withApp, withTenant, type ClientRole, type DB, type UserKind } from '@switchboard/db';
import { hashPassword, type Actor } from '@switchboard/api';

export const PASSWORD = 'correct horse battery staple';

// argon2id costs ~50 ms per hash: each distinct password is hashed once per test file.
const hashes = new Map<string, Promise<string>>();
export function passwordHash(password: string = PASSWORD): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    hash = hashPassword(password);
    hashes.set(password, hash);
  }
  return hash;
}

let emailSeq = 0;
export function uniqueEmail(label = 'user'): string {
  return `${label}-${++emailSeq}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  displayName: string;
  kind: UserKind;
}

export interface SeedUserOptions {
  kind: UserKind;
  email?: string;
  password?: string;
  displayName?: string;
  mustChangePassword?: boolean;
  status?: 'active' | 'disabled';
  /** A stored hash to use as is (e.g. one made with older parameters). */
  passwordHash?: string;
}

/** Inserts an account directly, as the app role would, with a known password. */
export async function seedUser(db: Kysely<DB>, options: SeedUserOptions): Promise<TestUser> {
  const password = options.password ?? PASSWORD;
  const user = {
    id: newId(),
    email: options.email ?? uniqueEmail(options.kind.replace('_', '-')),
    displayName: options.displayName ?? `Test ${options.kind}`,
    kind: options.kind,
  };
  const stored = options.passwordHash ?? (await passwordHash(password));
  await withApp(db, (tx) =>
    tx
      .insertInto('users')
      .values({
        ...user,
        passwordHash: stored,
        mustChangePassword: options.mustChangePassword ?? false,
        status: options.status ?? 'active',
      })
      .execute(),
  );
  return { ...user, password };
}

/** A client user (client_admin or client_member) of one tenant. */
export async function seedClientUser(
  db: Kysely<DB>,
  tenant: { id: string },
  role: ClientRole = 'client_admin',
  options: Omit<SeedUserOptions, 'kind'> = {},
): Promise<TestUser> {
  const user = await seedUser(db, { ...options, kind: role });
  await withTenant(db, tenant.id, (tx) => tx.insertInto('tenantMembers').values({ tenantId: tenant.id, userId: user.id, role }).execute());
  return user;
}

export async function assignOperator(db: Kysely<DB>, tenant: { id: string }, operatorId: string, skills = ['order_taking']): Promise<void> {
  await withTenant(db, tenant.id, (tx) =>
    tx.insertInto('operatorAssignments').values({ tenantId: tenant.id, operatorId, skills }).execute(),
  );
}

/** An operator assigned to exactly these tenants. */
export async function seedOperator(db: Kysely<DB>, tenants: { id: string }[], options: Omit<SeedUserOptions, 'kind'> = {}): Promise<TestUser> {
  const user = await seedUser(db, { ...options, kind: 'operator' });
  for (const tenant of tenants) await assignOperator(db, tenant, user.id);
  return user;
}

/** The actor the services write into audit rows for this user, as the API builds it. */
export function actorFor(user: TestUser): Actor {
  return { id: user.id, label: `${user.displayName} <${user.email}>`, kind: user.kind };
}
