import type { Kysely } from 'kysely';
import { jsonb, newId, withTenant, type CallStatus, type DB, type Tenant } from '@switchboard/db';
import type { Client } from './http.ts';

/**
 * Fixtures for the record suites (orders, complaints, contacts, calls): a small pizza catalog made
 * through the catalog API, and calls written directly under the tenant's context (calls are written
 * by routing, which these suites do not drive).
 */

export interface PizzaCatalog {
  margherita: { id: string; sku: string };
  tiramisu: { id: string; sku: string };
  soldOut: { id: string; sku: string };
}

export async function seedPizzaCatalog(admin: Client, tenant: Tenant): Promise<PizzaCatalog> {
  const add = async (body: Record<string, unknown>) => {
    const res = await admin.post(`/api/t/${tenant.slug}/catalog/items`, body);
    if (res.status !== 201) throw new Error(`Adding ${String(body.sku)} answered ${res.status}: ${res.text}`);
    return { id: res.body.id as string, sku: res.body.sku as string };
  };
  const margherita = await add({
    kind: 'product',
    sku: 'PIZZA-MARGHERITA',
    name: 'Margherita',
    category: 'Pizzas',
    priceMinor: 950,
    options: [
      { name: 'Size', required: true, choices: [{ name: 'Medium', priceDeltaMinor: 0 }, { name: 'Large', priceDeltaMinor: 300 }] },
      { name: 'Extras', multiple: true, choices: [{ name: 'Olives', priceDeltaMinor: 100 }, { name: 'Burrata', priceDeltaMinor: 250 }] },
    ],
  });
  const tiramisu = await add({ kind: 'product', sku: 'TIRAMISU', name: 'Tiramisu', category: 'Desserts', priceMinor: 600 });
  const soldOut = await add({ kind: 'product', sku: 'CALZONE', name: 'Calzone', category: 'Pizzas', priceMinor: 1200, available: false });
  return { margherita, tiramisu, soldOut };
}

export interface CallFixture {
  status?: CallStatus;
  function?: string;
  callerNumber?: string;
  operatorId?: string | null;
  offeredAt?: Date;
  answeredAfterSeconds?: number | null;
  talkSeconds?: number | null;
  disposition?: string | null;
  events?: { kind: string; afterSeconds: number; operatorId?: string | null; detail?: Record<string, unknown> }[];
}

/** A call with its timeline, inserted as routing would have left it. */
export async function insertCall(db: Kysely<DB>, tenant: Tenant, fixture: CallFixture = {}): Promise<string> {
  const id = newId();
  const offeredAt = fixture.offeredAt ?? new Date();
  const answeredAt = fixture.answeredAfterSeconds == null ? null : new Date(offeredAt.getTime() + fixture.answeredAfterSeconds * 1000);
  const endedAt = answeredAt && fixture.talkSeconds != null ? new Date(answeredAt.getTime() + fixture.talkSeconds * 1000) : null;
  await withTenant(db, tenant.id, async (tx) => {
    await tx
      .insertInto('calls')
      .values({
        tenantId: tenant.id,
        id,
        externalId: `sim-${id}`,
        function: fixture.function ?? 'order_taking',
        dialledNumber: '+33140000000',
        callerNumber: fixture.callerNumber ?? '+33612345678',
        status: fixture.status ?? 'completed',
        operatorId: fixture.operatorId ?? null,
        disposition: fixture.disposition ?? null,
        offeredAt,
        answeredAt,
        endedAt,
        endedBy: endedAt ? 'caller' : null,
      })
      .execute();
    for (const event of fixture.events ?? []) {
      await tx
        .insertInto('callEvents')
        .values({
          tenantId: tenant.id,
          id: newId(),
          callId: id,
          at: new Date(offeredAt.getTime() + event.afterSeconds * 1000),
          kind: event.kind,
          operatorId: event.operatorId ?? null,
          detail: jsonb(event.detail ?? {}),
        })
        .execute();
    }
  });
  return id;
}

/** Rows of a tenant table, counted as the connecting role (no RLS): what a test asserts "nothing saved" with. */
export async function countOf(db: Kysely<DB>, table: 'orders' | 'complaints' | 'customers' | 'usageEvents' | 'idempotencyKeys' | 'informationRequests', tenantId: string) {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).where('tenantId', '=', tenantId).executeTakeFirstOrThrow();
  return Number(row.n);
}
