import type { Kysely } from 'kysely';
import { newId, withApp, withTenant, type DB, type OperatorState } from '@switchboard/db';
import { createTenant, hashPassword, publish } from '@switchboard/api';

/**
 * A call-center floor for the wallboard's browser test: three tenants in their colours, operators in
 * every state, and today's calls — written as rows directly, as routing would have left them.
 */
export interface Floor {
  tenants: { id: string; slug: string; name: string }[];
  supervisor: { email: string; password: string };
}

const at = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000);

export async function seedFloor(db: Kysely<DB>, now: Date): Promise<Floor> {
  const specs = [
    { slug: 'pizza-napoli', name: 'Pizza Napoli', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR', brandColor: '#c0392b' },
    { slug: 'banque-horizon', name: 'Banque Horizon', timeZone: 'Europe/Berlin', locale: 'de-DE', currency: 'EUR', brandColor: '#1f3a93' },
    { slug: 'telenova', name: 'Telenova', timeZone: 'Europe/Moscow', locale: 'ru-RU', currency: 'RUB', brandColor: '#7b2cbf' },
  ];
  const tenants: Floor['tenants'] = [];
  for (const spec of specs) {
    const { tenant } = await createTenant(db, null, { slug: spec.slug, name: spec.name, legalName: `${spec.name} SA`, timeZone: spec.timeZone, locale: spec.locale, currency: spec.currency }, now);
    await withApp(db, (tx) => tx.updateTable('tenants').set({ brandColor: spec.brandColor }).where('id', '=', tenant.id).execute());
    tenants.push({ id: tenant.id, slug: tenant.slug, name: tenant.name });
  }

  const passwordHash = await hashPassword('wallboard-supervisor');
  const supervisor = { email: 'supervisor@floor.test', password: 'wallboard-supervisor' };
  const operators: { name: string; state: OperatorState; sinceSeconds: number; serves: number[]; reason?: string }[] = [
    { name: 'Amélie Laurent', state: 'on_call', sinceSeconds: -185, serves: [0, 1] },
    { name: 'Bruno Keller', state: 'on_call', sinceSeconds: -62, serves: [1] },
    { name: 'Chloé Martin', state: 'wrap_up', sinceSeconds: -24, serves: [0, 2] },
    { name: 'Dmitri Volkov', state: 'available', sinceSeconds: -340, serves: [2] },
    { name: 'Eva Schmidt', state: 'available', sinceSeconds: -95, serves: [0, 1, 2] },
    { name: 'Farid Benali', state: 'break', sinceSeconds: -420, serves: [0], reason: 'Lunch' },
    { name: 'Greta Olsen', state: 'offline', sinceSeconds: -7200, serves: [1] },
  ];
  const ids: string[] = [];
  await withApp(db, async (tx) => {
    await tx
      .insertInto('users')
      .values({ id: newId(), email: supervisor.email, displayName: 'Sam Supervisor', kind: 'supervisor', passwordHash, mustChangePassword: false })
      .execute();
    for (const [i, o] of operators.entries()) {
      const id = newId();
      ids.push(id);
      await tx
        .insertInto('users')
        .values({ id, email: `operator${i}@floor.test`, displayName: o.name, kind: 'operator', passwordHash, mustChangePassword: false })
        .execute();
      await tx
        .insertInto('operatorPresence')
        .values({ operatorId: id, state: o.state, breakReason: o.reason ?? null, since: at(now, o.sinceSeconds) })
        .execute();
    }
  });
  for (const [t, tenant] of tenants.entries()) {
    await withTenant(db, tenant.id, async (tx) => {
      for (const [i, o] of operators.entries()) {
        if (!o.serves.includes(t)) continue;
        await tx
          .insertInto('operatorAssignments')
          .values({ tenantId: tenant.id, operatorId: ids[i]!, skills: t === 1 ? ['information', 'complaints'] : ['order_taking', 'information'] })
          .execute();
      }
    });
  }

  type Seed = { fn: string; status: 'queued' | 'connected' | 'wrap_up' | 'completed' | 'abandoned'; ago: number; answer?: number; talk?: number; wrap?: number; operator?: number };
  const calls: Seed[][] = [
    [
      { fn: 'order_taking', status: 'queued', ago: 48 },
      { fn: 'order_taking', status: 'queued', ago: 12 },
      { fn: 'order_taking', status: 'connected', ago: 200, answer: 15, operator: 0 },
      { fn: 'order_taking', status: 'wrap_up', ago: 300, answer: 8, talk: 250, operator: 2 },
      ...Array.from({ length: 14 }, (_, i): Seed => ({ fn: 'order_taking', status: 'completed', ago: 600 + i * 900, answer: 6 + (i % 5) * 7, talk: 120 + i * 9, wrap: 30 })),
      { fn: 'order_taking', status: 'abandoned', ago: 4000, talk: 70 },
      ...Array.from({ length: 5 }, (_, i): Seed => ({ fn: 'information', status: 'completed', ago: 900 + i * 1500, answer: 9, talk: 80, wrap: 20 })),
    ],
    [
      { fn: 'information', status: 'queued', ago: 95 },
      { fn: 'complaints', status: 'connected', ago: 80, answer: 18, operator: 1 },
      ...Array.from({ length: 9 }, (_, i): Seed => ({ fn: 'information', status: 'completed', ago: 800 + i * 1200, answer: 12 + (i % 4) * 14, talk: 200 + i * 20, wrap: 45 })),
      { fn: 'information', status: 'abandoned', ago: 2500, talk: 40 },
      { fn: 'information', status: 'abandoned', ago: 5200, talk: 65 },
      ...Array.from({ length: 3 }, (_, i): Seed => ({ fn: 'complaints', status: 'completed', ago: 1500 + i * 2400, answer: 25, talk: 420, wrap: 90 })),
    ],
    [
      ...Array.from({ length: 6 }, (_, i): Seed => ({ fn: 'order_taking', status: 'completed', ago: 700 + i * 1300, answer: 5 + i * 3, talk: 150, wrap: 25 })),
    ],
  ];
  for (const [t, tenant] of tenants.entries()) {
    await withTenant(db, tenant.id, async (tx) => {
      for (const c of calls[t]!) {
        const id = newId();
        const offeredAt = at(now, -c.ago);
        const answeredAt = c.answer !== undefined ? at(offeredAt, c.answer) : null;
        const endedAt = c.talk !== undefined ? at(answeredAt ?? offeredAt, c.talk) : null;
        await tx
          .insertInto('calls')
          .values({
            tenantId: tenant.id,
            id,
            externalId: `sim-${id}`,
            function: c.fn,
            dialledNumber: '+33100000000',
            callerNumber: '+33612345678',
            status: c.status,
            operatorId: c.operator !== undefined ? ids[c.operator]! : null,
            offeredAt,
            answeredAt,
            endedAt,
            wrapUpEndedAt: endedAt && c.wrap !== undefined ? at(endedAt, c.wrap) : null,
          })
          .execute();
        if (c.status === 'queued') {
          await tx.insertInto('callQueue').values({ tenantId: tenant.id, callId: id, function: c.fn, enqueuedAt: offeredAt }).execute();
        }
      }
    });
  }
  return { tenants, supervisor };
}

/** A new call waiting in a tenant's queue, announced on the bus as routing does (the browser test's live update). */
export async function queueCall(db: Kysely<DB>, tenantId: string, fn: string, now: Date): Promise<string> {
  const id = newId();
  await withTenant(db, tenantId, async (tx) => {
    await tx
      .insertInto('calls')
      .values({ tenantId, id, externalId: `sim-${id}`, function: fn, dialledNumber: '+33100000000', callerNumber: '+33698765432', status: 'queued', offeredAt: now })
      .execute();
    await tx.insertInto('callQueue').values({ tenantId, callId: id, function: fn, enqueuedAt: now }).execute();
    await publish(tx, { kind: 'call', tenantId, callId: id });
  });
  return id;
}
