// Placeholder until the tenant definition format lands (see tenants/README.md when written).
import type { Kysely } from 'kysely';
import type { DB } from '@switchboard/db';

export const demoLogins: { email: string; description: string }[] = [];

export async function applyDemoIfNew(_db: Kysely<DB>): Promise<{ applied: boolean; present: boolean; tenants: string[] }> {
  return { applied: false, present: false, tenants: [] };
}
