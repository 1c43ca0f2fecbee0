import { sql } from 'kysely';
import { jsonb, newId, withTenant } from '@switchboard/db';
import { createTenant } from '@switchboard/api';
import { createTestDatabase } from '../../db/src/testing.ts';
import { createCampaign } from '../../api/src/campaigns/service.ts';
import { importList } from '../../api/src/campaigns/lists.ts';
import { assertNodeVersion } from './node-version.ts';

assertNodeVersion();

const usage = `pnpm bench:import-db [--rows 100000]

Imports a generated contact list of N rows (phone, first name, last name, e-mail, an offer) into a new
campaign through the campaigns service, in one tenant transaction, as POST …/campaigns/{id}/lists does
(base64 file, parsed, every row checked, numbers the campaign already has looked up, rows stored in
multi-row INSERTs): prints the time and rows per second. Then the floor: the same number of rows
inserted by one raw SQL statement generating them on the server, and the ratio. On an embedded
in-memory PGlite by default; on a database of its own (created and dropped) on the PostgreSQL server of
DATABASE_URL when set. Figures only: nothing is asserted.`;

if (process.argv.includes('--help')) {
  console.log(usage);
  process.exit(0);
}
const rowsArg = process.argv.indexOf('--rows');
const rows = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 100_000;
if (process.env.DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;

const database = await createTestDatabase();
const { db } = database;
try {
  const now = new Date();
  const { tenant } = await createTenant(db, null, { slug: 'bench-import', name: 'Bench Import', legalName: 'Bench Import SAS', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' }, now);
  const actor = { id: newId(), label: 'Bench <bench@switchboard.test>', kind: 'client_admin' as const };
  const campaignIds = await withTenant(db, tenant.id, async (tx) => {
    await tx.insertInto('phoneNumbers').values({ tenantId: tenant.id, number: '+33162000001', function: 'outbound_info' }).execute();
    await tx
      .insertInto('delegations')
      .values({ tenantId: tenant.id, function: 'outbound_info', delegated: true, inHousePhone: null, inHouseEmail: null, expectedMonthlyVolume: rows, updatedAt: now, updatedBy: 'bench' })
      .onConflict((oc) => oc.columns(['tenantId', 'function']).doUpdateSet({ delegated: true }))
      .execute();
    const scriptId = newId();
    await tx.insertInto('scripts').values({ tenantId: tenant.id, id: scriptId, function: 'outbound_info', draft: jsonb({ steps: [] }), draftUpdatedAt: now, draftUpdatedBy: 'bench', createdAt: now }).execute();
    const input = { name: 'Bench', function: 'outbound_info' as const, callerId: '+33162000001', mode: 'progressive' as const };
    return [(await createCampaign(tx, tenant, actor, input, now)).id, (await createCampaign(tx, tenant, actor, { ...input, name: 'Raw' }, now)).id];
  });

  const lines = ['Téléphone,Prénom,Nom,E-mail,Offre'];
  for (let i = 0; i < rows; i++) lines.push(`06${String(10_000_000 + i).slice(-8)},Prénom${i},Nom${i},contact${i}@example.fr,Fibre ${i % 7}`);
  const file = Buffer.from(lines.join('\r\n'), 'utf8');
  const content = file.toString('base64');

  const began = performance.now();
  const result = await withTenant(db, tenant.id, (tx) =>
    importList(tx, { tenant, actor, now }, campaignIds[0]!, {
      name: 'Bench list',
      kind: 'csv',
      content,
      mapping: { phone: 'Téléphone', name: ['Prénom', 'Nom'], email: 'E-mail', custom: { Offre: 'offer' } },
    }),
  );
  const serviceMs = performance.now() - began;
  if (!result.saved) throw new Error(`The import saved nothing: ${JSON.stringify(result.errors.slice(0, 3))}`);

  const listId = newId();
  const rawBegan = performance.now();
  await withTenant(db, tenant.id, async (tx) => {
    await tx.insertInto('contactLists').values({ tenantId: tenant.id, id: listId, campaignId: campaignIds[1]!, name: 'Raw', createdAt: now, createdBy: 'bench' }).execute();
    await sql`
      insert into campaign_contacts (tenant_id, id, campaign_id, list_id, line_number, phone, name, email, time_zone, fields, next_attempt_at, created_at, updated_at)
      select ${tenant.id}::uuid, gen_random_uuid(), ${campaignIds[1]}::uuid, ${listId}::uuid, g + 1, '+336' || lpad(g::text, 8, '0'), 'Prénom' || g || ' Nom' || g,
             'contact' || g || '@example.fr', 'Europe/Paris', jsonb_build_object('offer', 'Fibre ' || (g % 7)), ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz
        from generate_series(1, ${rows}) as g`.execute(tx);
  });
  const rawMs = performance.now() - rawBegan;

  const mb = (file.byteLength / 1024 / 1024).toFixed(1);
  console.log(`Contact list import, ${rows.toLocaleString('en')} rows (${mb} MB CSV), ${database.kind}:`);
  console.log(`  through the service  ${(serviceMs / 1000).toFixed(2)} s   ${Math.round(rows / (serviceMs / 1000)).toLocaleString('en')} rows/s   (stored ${result.stored.toLocaleString('en')})`);
  console.log(`  raw SQL insert       ${(rawMs / 1000).toFixed(2)} s   ${Math.round(rows / (rawMs / 1000)).toLocaleString('en')} rows/s`);
  console.log(`  ratio                ${(serviceMs / rawMs).toFixed(1)}×`);
} finally {
  await database.close();
}
