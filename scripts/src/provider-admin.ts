import type { Kysely } from 'kysely';
import { withApp, type DB } from '@switchboard/db';
import { createUserWithTemporaryPassword, DisplayNameSchema, EmailSchema, ProblemError, writePlatformAudit, type CreatedUser } from '@switchboard/api';

// `pnpm admin:create`: a provider admin made from the command line, for a production database's first login.
// Control characters would reach PostgreSQL (NUL is refused there) or confuse whoever reads the name.
const NameSchema = DisplayNameSchema.refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'Remove the control characters from the name.');

/** Bad arguments or a refused creation; `message` is for the person at the terminal. */
export class AdminCreateRefused extends Error {}

export function parseAdminArgs(argv: readonly string[]): { email: string; name: string } {
  const read = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const email = EmailSchema.safeParse(read('--email') ?? '');
  const name = NameSchema.safeParse(read('--name') ?? '');
  const problems = [
    ...(email.success ? [] : email.error.issues.map((i) => `--email: ${i.message}`)),
    ...(name.success ? [] : name.error.issues.map((i) => `--name: ${i.message}`)),
  ];
  if (!email.success || !name.success) {
    throw new AdminCreateRefused(`${problems.join('\n')}\nUsage: pnpm admin:create --email <email> --name "<full name>"`);
  }
  return { email: email.data, name: name.data };
}

/**
 * Creates an active provider admin with a one-time password, which must be changed at first login
 * (the API lets such a session do nothing else). An email that already has an account is refused.
 * Audited on the platform log like a staff account created in the app.
 */
export async function createProviderAdmin(db: Kysely<DB>, input: { email: string; name: string }, now: Date): Promise<CreatedUser> {
  try {
    return await withApp(db, async (tx) => {
      const created = await createUserWithTemporaryPassword(tx, { email: input.email, displayName: input.name, kind: 'provider_admin' }, now);
      await writePlatformAudit(tx, null, {
        action: 'staff.created',
        targetType: 'user',
        targetId: created.id,
        after: { email: created.email, displayName: created.displayName, kind: created.kind, via: 'admin:create' },
      });
      return created;
    });
  } catch (error) {
    if (error instanceof ProblemError && error.status === 409) throw new AdminCreateRefused(`${input.email} already has an account: nothing was created.`);
    throw error;
  }
}
