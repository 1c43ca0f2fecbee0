import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { createTestDatabase, migrateToLatest, migrations, newId, withTenant, type Tenant } from '@switchboard/db';
import { createHarness, logIn, seedClientUser, seedTenant, type Client, type Harness } from './support/index.ts';
import { seedPizzaCatalog } from './support/records.ts';
import { digitsOf, disguisedCard, holdingCard } from './support/card-disguises.ts';

/**
 * Issue 11, finding 3, end to end: card numbers in every disguise sent through the real routes never
 * reach the database or come back from the API — redacted in free text, refused (400 naming the field)
 * in an order's payment reference and a customer's account number — and migration 0017 redacts the
 * ones stored before.
 */
let h: Harness;
let tenant: Tenant;
let admin: Client;

beforeAll(async () => {
  h = await createHarness();
  ({ tenant } = await seedTenant(h.db));
  admin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  await seedPizzaCatalog(admin, tenant);
});
afterAll(() => h?.close());

const url = (path: string) => `/api/t/${tenant.slug}${path}`;
let phoneSeq = 0;
const nextPhone = () => `+3361${String(1_000_000 + ++phoneSeq).slice(-7)}`;

/** Everything the tenant's rows hold. */
const storedRows = () =>
  withTenant(h.db, tenant.id, (tx) =>
    Promise.all((['customers', 'orders', 'complaints', 'informationRequests', 'directoryEntries', 'auditLog'] as const).map((t) => tx.selectFrom(t).selectAll().execute())),
  );
/** Everything the tenant's rows hold, as text. */
const everythingStored = async () => JSON.stringify(await storedRows());

describe('card numbers sent through the API', () => {
  it('are redacted in every free-text field before they are stored, and never come back', async () => {
    await fc.assert(
      fc.asyncProperty(disguisedCard, async ({ card, text }) => {
        const contact = await admin.post(url('/contacts'), { phone: nextPhone(), name: `Name ${text}`.slice(0, 200), address: text });
        expect(contact.status, contact.text).toBe(201);
        const order = await admin.post(url('/orders'), { items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash', deliveryAddress: text, notes: text });
        expect(order.status, order.text).toBe(201);
        const complaint = await admin.post(url('/complaints'), { category: 'other', severity: 'low', description: text, desiredResolution: text });
        expect(complaint.status, complaint.text).toBe(201);
        const request = await admin.post(url('/information-requests'), { topic: text, question: text, answer: text });
        expect(request.status, request.text).toBe(201);
        const entry = await admin.post(url('/directory'), { name: `Desk ${++phoneSeq}`, phone: '+33142868201', description: text, reachable: text.slice(0, 120) });
        expect(entry.status, entry.text).toBe(201);

        const answered = [contact, order, complaint, request, entry].map((r) => r.text);
        const readBack = await Promise.all([
          admin.get(url(`/contacts/${contact.body.id}`)),
          admin.get(url(`/orders/${order.body.id}`)),
          admin.get(url(`/complaints/${complaint.body.id}`)),
          admin.get(url('/information-requests')),
          admin.get(url('/directory')),
        ]);
        expect(holdingCard([...answered, ...readBack.map((r) => r.text)], card)).toEqual([]);
        expect(holdingCard(await storedRows(), card)).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });

  it("refuses one in an order's payment reference or a customer's account number: a 400 naming the field, nothing stored", async () => {
    const before = await everythingStored();
    await fc.assert(
      fc.asyncProperty(disguisedCard, async ({ card, text }) => {
        const reference = text.slice(0, 64);
        if (!digitsOf(reference).includes(card)) return;
        const order = await admin.post(url('/orders'), { items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'invoice', paymentReference: reference });
        expect(order.status, order.text).toBe(400);
        expect(order.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(order.body.errors.map((e: { path: string }) => e.path)).toContain('paymentReference');
        const contact = await admin.post(url('/contacts'), { phone: nextPhone(), accountNumber: reference });
        expect(contact.status, contact.text).toBe(400);
        expect(contact.body.errors.map((e: { path: string }) => e.path)).toContain('accountNumber');
      }),
      { numRuns: 20 },
    );
    expect(await everythingStored()).toBe(before);
  });

  it('keeps what is not a card number as typed: IBANs as account numbers, vouchers, phone numbers and dates in notes', async () => {
    const contact = await admin.post(url('/contacts'), { phone: nextPhone(), accountNumber: 'DE89 3704 0044 0532 0130 00', address: 'Tel 06 12 34 56 78 / 01 23 45 67 89' });
    expect(contact.status, contact.text).toBe(201);
    expect(contact.body.address).toBe('Tel 06 12 34 56 78 / 01 23 45 67 89');
    const order = await admin.post(url('/orders'), { items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'invoice', paymentReference: 'VOUCHER-2025-000123', notes: 'Livraison 01/03/2025 - 15/03/2025' });
    expect(order.status, order.text).toBe(201);
    expect(order.body).toMatchObject({ notes: 'Livraison 01/03/2025 - 15/03/2025' });
    const stored = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('customers').select('accountNumber').where('id', '=', contact.body.id).executeTakeFirstOrThrow());
    expect(stored.accountNumber).toBe('DE89 3704 0044 0532 0130 00');
  });
});

describe('migration 0017', () => {
  it('redacts the card numbers stored before, in free text and in the JSON that copies it, and keeps the rest', async () => {
    const database = await createTestDatabase({ migrated: false });
    try {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0017'));
      const old = await new Migrator({ db: database.db, provider: { getMigrations: async (): Promise<Record<string, Migration>> => before } }).migrateToLatest();
      expect(old.error).toBeUndefined();
      const samples = fc.sample(disguisedCard, 30);
      const tenantId = newId();
      await sql`insert into tenants (id, slug, name, legal_name, time_zone, locale, currency) values (${tenantId}, 'old-data', 'Old data', 'Old data SA', 'Europe/Paris', 'fr-FR', 'EUR')`.execute(database.db);
      const ids: string[] = [];
      for (const [i, { text }] of samples.entries()) {
        const id = newId();
        ids.push(id);
        await sql`insert into customers (tenant_id, id, phone, name, address, account_number, created_at, updated_at)
                  values (${tenantId}, ${id}, ${`+3361000${String(1000 + i)}`}, ${text}, ${'12 rue de la Paix, 75002 Paris'}, ${i === 0 ? 'DE89 3704 0044 0532 0130 00' : text.slice(0, 64)}, now(), now())`.execute(database.db);
        await sql`insert into audit_log (tenant_id, id, at, actor_label, action, target_type, target_id, after)
                  values (${tenantId}, ${newId()}, now(), 'someone', 'customer.updated', 'customer', ${id}, ${JSON.stringify({ note: text, nested: [{ value: text }] })}::jsonb)`.execute(database.db);
      }

      const { applied } = await migrateToLatest(database.db);
      expect(applied).toContain('0017_redact_stored_card_numbers');

      const customers = await sql<{ id: string; name: string; address: string; account: string }>`select id, name, address, account_number as account from customers order by id`.execute(database.db);
      const audit = await sql<{ after: unknown }>`select after from audit_log`.execute(database.db);
      for (const { card, text } of samples) expect(holdingCard([customers.rows, audit.rows], card), text).toEqual([]);
      expect(customers.rows.find((c) => c.id === ids[0])!.account).toBe('DE89 3704 0044 0532 0130 00');
      expect(customers.rows.every((c) => c.address === '12 rue de la Paix, 75002 Paris')).toBe(true);
      // Run again: nothing left to change.
      const { up } = migrations['0017_redact_stored_card_numbers']!;
      await up(database.db);
      const again = await sql<{ name: string }>`select name from customers order by id`.execute(database.db);
      expect(again.rows.map((r) => r.name)).toEqual(customers.rows.map((r) => r.name));
    } finally {
      await database.close();
    }
  });
});
