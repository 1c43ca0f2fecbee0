import type { Kysely } from 'kysely';
import { jsonb, newId, withTenant, type DB, type Tenant } from '@switchboard/db';
import { addNumber, addWrapUpCode, uniqueNumber } from './routing.ts';
import type { Client } from './http.ts';

/**
 * What a tenant needs before it can run an outbound campaign: a number to present, the function
 * delegated, a published script for it and wrap-up codes to end calls with. Written directly (the
 * routes that set them are tested in their own suites).
 */
export async function prepareOutbound(db: Kysely<DB>, tenant: Tenant, now: Date, fn = 'outbound_info'): Promise<{ number: string; codes: string[] }> {
  const number = uniqueNumber();
  await addNumber(db, tenant, number, fn);
  const codes = ['interested', 'not_interested', 'wrong_number'];
  for (const code of codes) await addWrapUpCode(db, tenant, code, now);
  await withTenant(db, tenant.id, async (tx) => {
    await tx
      .insertInto('delegations')
      .values({ tenantId: tenant.id, function: fn, delegated: true, inHousePhone: null, inHouseEmail: null, expectedMonthlyVolume: 1000, updatedAt: now, updatedBy: 'test' })
      .onConflict((oc) => oc.columns(['tenantId', 'function']).doUpdateSet({ delegated: true }))
      .execute();
    const scriptId = newId();
    await tx.insertInto('scripts').values({ tenantId: tenant.id, id: scriptId, function: fn, draft: jsonb({ steps: [] }), draftUpdatedAt: now, draftUpdatedBy: 'test', createdAt: now }).execute();
    await tx.insertInto('scriptVersions').values({ tenantId: tenant.id, scriptId, version: 1, body: jsonb({ steps: [] }), publishedAt: now, publishedBy: null, publishedByLabel: 'test' }).execute();
  });
  return { number, codes };
}

/** A CSV file as a client's spreadsheet saves it, base64-encoded for the import routes. */
export const csvFile = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'utf8').toString('base64');

export const campaignBody = (number: string, extra: Record<string, unknown> = {}) => ({
  name: 'Fibre offer',
  function: 'outbound_info',
  callerId: number,
  mode: 'progressive',
  ...extra,
});

/** A campaign with one imported list of two contacts, through the routes (suites that need rows in every tenant table). */
export async function seedCampaign(db: Kysely<DB>, admin: Client, tenant: Tenant, now: Date): Promise<{ campaignId: string; listId: string }> {
  const { number } = await prepareOutbound(db, tenant, now);
  const created = await admin.post(`/api/t/${tenant.slug}/campaigns`, campaignBody(number, { dispositions: [{ code: 'interested', outcome: 'success' }] }));
  if (created.status !== 201) throw new Error(`Creating a campaign failed: ${created.status} ${created.text}`);
  const imported = await admin.post(`/api/t/${tenant.slug}/campaigns/${created.body.id}/lists`, {
    name: 'Subscribers',
    kind: 'csv',
    content: csvFile(['phone,name', '0612345678,Marie Dupont', '0698765432,Paul Martin']),
    mapping: { phone: 'phone', name: 'name' },
  });
  if (imported.status !== 201) throw new Error(`Importing a list failed: ${imported.status} ${imported.text}`);
  return { campaignId: created.body.id, listId: imported.body.list.id };
}
