import type { Kysely } from 'kysely';
import { jsonb, newId, withTenant, type DB, type Tenant } from '@switchboard/db';
import { uniqueNumber } from './routing.ts';

/** Issue 17's keypad menu tables, one row each, for the isolation sweeps: an uploaded recording, a menu that plays it and a caller's visit. */
export async function seedIvrRecords(db: Kysely<DB>, tenant: Tenant): Promise<void> {
  const now = new Date();
  await withTenant(db, tenant.id, async (tx) => {
    const audioId = newId();
    const content = new Uint8Array(Buffer.concat([Buffer.from('ID3'), Buffer.alloc(64)]));
    await tx.insertInto('tenantAudio').values({ tenantId: tenant.id, id: audioId, name: 'Seed prompt', mime: 'audio/mpeg', size: content.length, content, createdAt: now, createdBy: 'seed' }).execute();
    const definition = {
      root: 'main',
      nodes: { main: { prompt: { kind: 'audio', audioId }, choices: [{ key: '1', label: 'Orders', target: { kind: 'function', function: 'order_taking' } }], noInput: { kind: 'function', function: 'order_taking' }, repeat: 2 } },
    };
    const number = uniqueNumber();
    await tx.insertInto('ivrMenus').values({ tenantId: tenant.id, number, definition: jsonb(definition), updatedAt: now, updatedBy: 'seed' }).execute();
    await tx.insertInto('menuVisits').values({ tenantId: tenant.id, id: newId(), number, carrierRef: `seed-${newId()}`, keys: '1', node: null, outcome: 'routed', function: 'order_taking', startedAt: now, updatedAt: now }).execute();
  });
}
