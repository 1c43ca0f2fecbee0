import type { Kysely } from 'kysely';
import { crossTenant, withApp, withTenant, type DB } from '@switchboard/db';
import { goLiveChecklist } from '../go-live/service.ts';
import { tenantToJson } from './schemas.ts';

/** The provider's tenant list with head counts (the counts come from a named cross-tenant read). */
export async function listTenantSummaries(db: Kysely<DB>) {
  const tenants = await withApp(db, (tx) => tx.selectFrom('tenants').selectAll().orderBy('name').execute());
  const counts = await crossTenant.headcountsPerTenant(db);
  const summaries = [];
  for (const t of tenants) {
    // Each company's go-live status is read under its own context, like the wallboard's queues.
    const { status, missing, warnings, understaffed } = await withTenant(db, t.id, goLiveChecklist);
    summaries.push({
      ...tenantToJson(t),
      operatorCount: counts.get(t.id)?.operators ?? 0,
      memberCount: counts.get(t.id)?.members ?? 0,
      goLive: { status, missing, warnings, understaffed },
    });
  }
  return summaries;
}
