import { fileURLToPath } from 'node:url';
import { sql, type Kysely, type Transaction } from 'kysely';
import { providerStaffKinds, withApp, type DB } from '@switchboard/db';
import { hashPassword, publishedDemoPassword, verifyPassword, writePlatformAudit } from '@switchboard/api';
import { loadDefinitionsOrThrow } from './load.ts';
import { applyDefinitions } from './apply.ts';
import { insertDemoCampaignsDirectly } from './campaigns.ts';

/** The demo tenants and staff: tenants/demo/*.yaml. */
export const demoDir = fileURLToPath(new URL('../demo/', import.meta.url));
export const demoPassword = publishedDemoPassword;
export const demoAdminEmail = 'admin@switchboard.test';

let demo: ReturnType<typeof loadDefinitionsOrThrow> | undefined;
/** The demo definitions, read once; they are part of the code, so an invalid one is a bug and throws. */
export function loadDemo(): ReturnType<typeof loadDefinitionsOrThrow> {
  demo ??= loadDefinitionsOrThrow(demoDir);
  return demo;
}

const staffDescriptions: Record<string, string> = { provider_admin: 'provider admin', supervisor: 'supervisor', operator: 'operator' };
const roleDescriptions: Record<string, string> = { client_admin: 'client admin', client_member: 'client member' };

/** Every demo login with a line saying who it is, derived from the demo files so the two never disagree. */
export function describeDemoLogins(definitions: ReturnType<typeof loadDefinitionsOrThrow>): { email: string; description: string }[] {
  const staff = [...(definitions.provider?.definition.staff ?? [])].sort(
    (a, b) => providerStaffKinds.indexOf(a.kind) - providerStaffKinds.indexOf(b.kind) || (a.email < b.email ? -1 : 1),
  );
  const logins = staff.map((member) => {
    if (member.kind !== 'operator') return { email: member.email, description: staffDescriptions[member.kind] ?? member.kind };
    const tenants = definitions.tenants.filter((t) => t.definition.operators.some((o) => o.email === member.email)).map((t) => t.definition.tenant.slug);
    // The simulated floor's bots log in like operators; the line says who plays them.
    const who = member.email.startsWith('floor-bot-') ? 'simulated operator (demo floor)' : 'operator';
    return { email: member.email, description: `${who} — ${tenants.length ? tenants.join(', ') : 'no tenant yet'}` };
  });
  for (const { definition } of definitions.tenants) {
    const users = [...definition.clientUsers].sort((a, b) => (a.role === b.role ? (a.email < b.email ? -1 : 1) : a.role === 'client_admin' ? -1 : 1));
    for (const user of users) logins.push({ email: user.email, description: `${roleDescriptions[user.role]} — ${definition.tenant.name}` });
  }
  return logins;
}

export const demoLogins: { email: string; description: string }[] = describeDemoLogins(loadDemo());

/** The demo's advisory lock: every process starting on a database takes it before looking for users. */
const DEMO_LOCK_KEY = 7_210_013;

/**
 * On a database with no users at all, applies tenants/demo and gives every demo account the demo
 * password (no change required at first login). Any other database is left as it is. `present`
 * says whether the demo admin account exists, i.e. whether the demo logins are worth printing.
 *
 * Several processes may start together on one new database: the demo is applied in ONE transaction
 * under an advisory lock, so one process applies all of it — tenants, accounts and their passwords —
 * or none does, and the others, waiting on the lock, find it complete. No process ever sees an account
 * without its password.
 */
export async function applyDemoIfNew(db: Kysely<DB>): Promise<{ applied: boolean; present: boolean; tenants: string[] }> {
  const notApplied = async () => ({ applied: false, present: await demoAdminExists(db), tenants: [] });
  if (await anyUser(db)) return notApplied();
  const definitions = loadDemo();
  // Hash before the transaction: PGlite runs one transaction at a time, so keep it short.
  const hashes = await Promise.all(demoLogins.map(async ({ email }) => ({ email, passwordHash: await hashPassword(demoPassword) })));
  const tenants = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${DEMO_LOCK_KEY})`.execute(trx);
    const steps = stepsOf(trx);
    // Another process may have applied it while this one waited for the lock.
    if (await anyUser(steps)) return null;
    const report = await applyDefinitions(steps, definitions);
    if (!report.ok) {
      const reasons = [...(report.provider?.errors ?? []), ...report.tenants.flatMap((t) => t.errors.map((e) => `${t.slug}: ${e}`))];
      throw new Error(`Could not apply the demo tenants: ${reasons.join('; ')}`);
    }
    // The outbound campaigns, running (tenants/src/campaigns.ts: direct inserts until the campaigns service is merged).
    await insertDemoCampaignsDirectly(steps, new Date());
    await setDemoPasswords(steps, hashes);
    return report.tenants.map((t) => t.slug);
  });
  return tenants ? { applied: true, present: true, tenants } : notApplied();
}

/**
 * The transaction as a database whose transactions are steps of it: applyDefinitions' withApp and
 * withTenant (each `db.transaction().execute(...)`, each setting its role and tenant locally) then run
 * inside the one transaction, and the first failure rolls all of them back.
 */
function stepsOf(trx: Transaction<DB>): Kysely<DB> {
  const step = {
    execute: <T>(fn: (tx: Kysely<DB>) => Promise<T>) => fn(steps),
    setIsolationLevel: () => step,
    setAccessMode: () => step,
  };
  const steps: Kysely<DB> = new Proxy(trx, {
    get(target, property) {
      if (property === 'transaction') return () => step;
      const value: unknown = Reflect.get(target, property, target);
      // Kysely keeps its state in private fields: its methods must run on the transaction itself.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return steps;
}

const anyUser = async (db: Kysely<DB>) => !!(await withApp(db, (tx) => tx.selectFrom('users').select('id').limit(1).executeTakeFirst()));

async function demoAdminExists(db: Kysely<DB>): Promise<boolean> {
  const admin = await withApp(db, (tx) => tx.selectFrom('users').select('id').where('email', '=', demoAdminEmail).executeTakeFirst());
  return !!admin;
}

async function setDemoPasswords(db: Kysely<DB>, hashes: { email: string; passwordHash: string }[]): Promise<void> {
  const now = new Date();
  await withApp(db, async (tx) => {
    for (const { email, passwordHash } of hashes) {
      const user = await tx
        .updateTable('users')
        .set({ passwordHash, mustChangePassword: false, updatedAt: now })
        .where('email', '=', email)
        .returning('id')
        .executeTakeFirstOrThrow();
      await writePlatformAudit(tx, null, { action: 'user.demo_password_set', targetType: 'user', targetId: user.id, after: { email } });
    }
  });
}

/**
 * Active accounts whose password is the published demo password, by email: a production start
 * refuses to serve while there is one. Every hash is verified (salts differ), a few at a time.
 */
export async function accountsWithDemoPassword(db: Kysely<DB>): Promise<string[]> {
  const users = await withApp(db, (tx) =>
    tx.selectFrom('users').select(['email', 'passwordHash']).where('status', '=', 'active').orderBy('email').execute(),
  );
  const found: string[] = [];
  const concurrency = 4;
  for (let i = 0; i < users.length; i += concurrency) {
    const batch = users.slice(i, i + concurrency);
    const matches = await Promise.all(batch.map((u) => verifyPassword(u.passwordHash, demoPassword)));
    batch.forEach((u, j) => matches[j] && found.push(u.email));
  }
  return found;
}
