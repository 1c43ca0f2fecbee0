import type { Kysely } from 'kysely';
import type { DB } from '@switchboard/db';
import { accountsWithDemoPassword, applyDemoIfNew, demoPassword } from '@switchboard/tenants';

/**
 * What `pnpm start` does with demo data. The demo (tenants, users and their published password)
 * belongs to the embedded quick start — no DATABASE_URL, no NODE_ENV=production — or to an explicit
 * SEED_DEMO=true outside production. Any other start is a production start: it seeds nothing and
 * refuses to serve while an account still has the demo password.
 */
export interface StartMode {
  seedDemo: boolean;
  production: boolean;
}

/** A start that must not go on; `message` says what to do. */
export class StartRefused extends Error {}

const yes = (value: string | undefined) => ['true', '1', 'yes', 'on'].includes((value ?? '').trim().toLowerCase());
const no = (value: string | undefined) => ['false', '0', 'no', 'off'].includes((value ?? '').trim().toLowerCase());

export function startModeOf(env: NodeJS.ProcessEnv): StartMode {
  const nodeProduction = env.NODE_ENV === 'production';
  if (nodeProduction && yes(env.SEED_DEMO)) {
    throw new StartRefused(
      'SEED_DEMO=true is refused with NODE_ENV=production: demo accounts share a published password. ' +
        'Unset SEED_DEMO, or run the demo without NODE_ENV=production.',
    );
  }
  if (yes(env.SEED_DEMO)) return { seedDemo: true, production: false };
  const embeddedQuickStart = !env.DATABASE_URL && !nodeProduction && !no(env.SEED_DEMO);
  return { seedDemo: embeddedQuickStart, production: !embeddedQuickStart };
}

export interface DemoOutcome {
  applied: boolean;
  /** Whether the demo logins exist and are worth printing. */
  present: boolean;
  tenants: string[];
}

/**
 * Seeds the demo on a new database when the mode says so; on a production start, seeds nothing and
 * refuses (StartRefused) while any active account still has the demo password.
 */
export async function prepareForStart(db: Kysely<DB>, mode: StartMode): Promise<DemoOutcome> {
  if (mode.seedDemo) return applyDemoIfNew(db);
  if (!mode.production) return { applied: false, present: false, tenants: [] };
  const exposed = await accountsWithDemoPassword(db);
  if (exposed.length) {
    const shown = exposed.slice(0, 5).join(', ') + (exposed.length > 5 ? ` and ${exposed.length - 5} more` : '');
    throw new StartRefused(
      `Refusing to start in production: ${exposed.length} account(s) still have the published demo password ` +
        `"${demoPassword}" (${shown}).\n` +
        'This database holds demo data. Start production on a new, empty database and create the first ' +
        'provider admin with `pnpm admin:create --email <email> --name "<name>"`. ' +
        'To keep running this database as a demo instead, start it without NODE_ENV=production and with SEED_DEMO=true.',
    );
  }
  return { applied: false, present: false, tenants: [] };
}
