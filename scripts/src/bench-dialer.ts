import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { connect, jsonb, migrateToLatest, newId, withApp, withTenant, type Database } from '@switchboard/db';
import { createTenant, startDialer } from '@switchboard/api';
import { dialContact, type Campaign, type Contact } from '../../api/src/dialer/attempts.ts';
import { reportDialProgress } from '../../api/src/dialer/progress.ts';
import { percentile } from './bench-floor.ts';

/**
 * pnpm bench:dialer — the outbound dialer on one API process (issue 15): a campaign of 100,000 contacts
 * and 50 operators on a fresh database (embedded PGlite in a temporary folder; DATABASE_URL: a server).
 *
 * 1. Dial decisions per second: dialContact on due contacts — the calling rules judged (facts read from
 *    the database: the 4-in-30-days count, refusals, do-not-call, opposition, consent) and the attempt
 *    written — against, for the ratio, the same number of raw INSERTs into dial_attempts.
 * 2. From an operator becoming free to the next call placed for them: the progressive campaign's dialer
 *    runs as in production (a pass every second); an attempt reserved for an operator is reported
 *    `no_answer` (the operator is available again) and the time until a new attempt is reserved for
 *    them is measured (median, p99). The dialer leaves a freed operator to inbound routing for 1 s
 *    first (api/src/dialer/pass.ts, inboundFirstMs): that second is part of the figure, by design.
 * 3. Memory: RSS and heap before and after.
 */
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const OPERATORS = Number(process.env.BENCH_OPERATORS ?? 50);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 2_000);
const FREED = Number(process.env.BENCH_FREED ?? 50);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ms = (v: number | null) => (v === null ? '—' : v.toFixed(0));

async function openBenchDatabase(): Promise<{ database: Database; cleanup: () => void; description: string }> {
  if (process.env.DATABASE_URL) {
    const database = await connect({ url: process.env.DATABASE_URL });
    return { database, cleanup: () => {}, description: 'PostgreSQL (DATABASE_URL)' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-dialer-'));
  const database = await connect({ dataDir: join(dir, 'pglite') });
  return { database, cleanup: () => rmSync(dir, { recursive: true, force: true }), description: `embedded PGlite (${dir})` };
}

async function seed(database: Database, now: Date) {
  const { db } = database;
  const slug = `bench-${Date.now().toString(36)}`;
  const { tenant } = await createTenant(db, null, { slug, name: 'Bench Outbound', legalName: 'Bench Outbound SAS', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' }, now);
  const operatorIds: string[] = [];
  for (let i = 0; i < OPERATORS; i++) {
    const id = newId();
    operatorIds.push(id);
    await withApp(db, async (tx) => {
      await tx.insertInto('users').values({ id, email: `bench-op-${i}-${slug}@switchboard.test`, displayName: `Operator ${i}`, kind: 'operator', passwordHash: 'x', mustChangePassword: false, status: 'active' }).execute();
      await tx.insertInto('operatorPresence').values({ operatorId: id, state: 'offline', since: now, updatedAt: now }).execute();
    });
    await withTenant(db, tenant.id, (tx) => tx.insertInto('operatorAssignments').values({ tenantId: tenant.id, operatorId: id, skills: ['telesales'] }).execute());
  }
  const allDay = [{ start: '00:00', end: '23:59' }];
  // The caller ID is one of the bench company's own numbers (the dialer checks it at every turn).
  const callerId = `+339489${String(Date.now()).slice(-5)}`;
  await withTenant(db, tenant.id, (tx) => tx.insertInto('phoneNumbers').values({ tenantId: tenant.id, number: callerId, function: 'telesales' }).execute());
  const campaignId = newId();
  const listId = newId();
  await withTenant(db, tenant.id, async (tx) => {
    await tx
      .insertInto('campaigns')
      .values({
        tenantId: tenant.id,
        id: campaignId,
        name: 'Bench',
        function: 'telesales',
        scriptId: null,
        callerId,
        mode: 'progressive',
        status: 'draft',
        callingHours: jsonb({ mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay }),
        retryRules: jsonb({ busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 }),
        dispositions: jsonb([{ code: 'sale', outcome: 'success', usageMetric: 'sale' }]),
        // The rules are judged in full (facts from the database); `none` keeps the campaign's own hours and the do-not-call list.
        rulesProfile: 'none',
        abandonMessage: 'Sorry.',
        createdAt: now,
        updatedAt: now,
        updatedBy: 'bench',
      })
      .execute();
    await tx.insertInto('contactLists').values({ tenantId: tenant.id, id: listId, campaignId, name: 'Bench', rowCount: CONTACTS, createdAt: now, createdBy: 'bench' }).execute();
  });
  for (let i = 0; i < CONTACTS; i += 2_000) {
    const rows = Array.from({ length: Math.min(2_000, CONTACTS - i) }, (_, j) => ({
      tenantId: tenant.id,
      id: newId(),
      campaignId,
      listId,
      lineNumber: i + j + 2,
      phone: `+336${String(10_000_000 + i + j).slice(-8)}`,
      timeZone: 'Europe/Paris',
      fields: jsonb({}),
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    }));
    await withTenant(db, tenant.id, (tx) => tx.insertInto('campaignContacts').values(rows).execute());
  }
  return { tenantId: tenant.id, campaignId, operatorIds };
}

async function main(): Promise<void> {
  const memoryBefore = process.memoryUsage();
  const { database, cleanup, description } = await openBenchDatabase();
  const { db } = database;
  try {
    await migrateToLatest(db);
    const seededAt = performance.now();
    const { tenantId, campaignId, operatorIds } = await seed(database, new Date());
    console.log(`bench:dialer on ${description}: ${CONTACTS.toLocaleString('en')} contacts and ${OPERATORS} operators seeded in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`);
    const memorySeeded = process.memoryUsage();

    // 1. Dial decisions per second (the rules judged, the attempt written), each in its own tenant transaction of 50.
    const campaign = (await withTenant(db, tenantId, (tx) => tx.selectFrom('campaigns').selectAll().where('id', '=', campaignId).executeTakeFirstOrThrow())) as Campaign;
    const due = (await withTenant(db, tenantId, (tx) =>
      tx.selectFrom('campaignContacts').selectAll().where('campaignId', '=', campaignId).where('state', '=', 'pending').orderBy('lineNumber').limit(DECISIONS).execute(),
    )) as Contact[];
    let placed = 0;
    const decidedAt = performance.now();
    for (let i = 0; i < due.length; i += 50) {
      await withTenant(db, tenantId, async (tx) => {
        for (const contact of due.slice(i, i + 50)) {
          const decision = await dialContact(tx, campaign, contact, { operatorId: null, mode: 'predictive', preview: false }, new Date());
          if (decision.placed) placed++;
        }
      });
    }
    const decideSeconds = (performance.now() - decidedAt) / 1000;
    // Those attempts are ended, so the dialer below sees none in flight.
    await withTenant(db, tenantId, (tx) => tx.updateTable('dialAttempts').set({ status: 'ended', outcome: 'no_answer', endedAt: new Date() }).where('campaignId', '=', campaignId).execute());

    // The same number of raw inserts into dial_attempts, for the ratio.
    const rawAt = performance.now();
    for (let i = 0; i < due.length; i += 50) {
      await withTenant(db, tenantId, async (tx) => {
        for (const contact of due.slice(i, i + 50)) {
          await sql`insert into dial_attempts (tenant_id, id, campaign_id, contact_id, phone, caller_id, callee_time_zone, mode, status, outcome, created_at, dialled_at, ended_at)
            values (${tenantId}, ${newId()}, ${campaignId}, ${contact.id}, ${contact.phone}, ${campaign.callerId}, 'Europe/Paris', 'predictive', 'ended', 'no_answer', now(), now(), now())`.execute(tx);
        }
      });
    }
    const rawSeconds = (performance.now() - rawAt) / 1000;

    // 2. From an operator becoming free to the next call placed for them, the dialer running as in production.
    await withTenant(db, tenantId, (tx) => tx.updateTable('campaigns').set({ status: 'running' }).where('id', '=', campaignId).execute());
    await withApp(db, (tx) => tx.updateTable('operatorPresence').set({ state: 'available', since: new Date(Date.now() - 60_000), updatedAt: new Date() }).where('operatorId', 'in', operatorIds).execute());
    const stop = startDialer({ db, now: () => new Date(), onError: (error) => console.error(`dialer: ${(error as Error).message}`) });
    const latencies: number[] = [];
    const openAttemptOf = (operatorId: string) =>
      withTenant(db, tenantId, (tx) =>
        tx.selectFrom('dialAttempts').select(['id', 'createdAt']).where('operatorId', '=', operatorId).where('status', 'in', ['originating', 'ringing']).orderBy('createdAt', 'desc').limit(1).executeTakeFirst(),
      );
    const waitFor = async <T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T | undefined> => {
      const until = performance.now() + timeoutMs;
      while (performance.now() < until) {
        const found = await check();
        if (found) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      return undefined;
    };
    for (let i = 0; i < FREED; i++) {
      const operatorId = operatorIds[i % operatorIds.length]!;
      const current = await waitFor(() => openAttemptOf(operatorId));
      if (!current) continue;
      await reportDialProgress(db, current.id, 'no_answer', new Date());
      const freedAt = performance.now();
      const next = await waitFor(async () => {
        const a = await openAttemptOf(operatorId);
        return a && a.id !== current.id ? a : undefined;
      });
      if (next) latencies.push(performance.now() - freedAt);
    }
    await stop();
    const memoryAfter = process.memoryUsage();

    console.log('');
    console.log(`Dial decisions: ${placed.toLocaleString('en')} of ${due.length.toLocaleString('en')} placed in ${decideSeconds.toFixed(2)} s = ${(due.length / decideSeconds).toFixed(0)} decisions/s (rules judged + attempt written)`);
    console.log(`Raw INSERTs into dial_attempts: ${due.length.toLocaleString('en')} in ${rawSeconds.toFixed(2)} s = ${(due.length / rawSeconds).toFixed(0)}/s (a decision costs ${(decideSeconds / rawSeconds).toFixed(1)}× an insert)`);
    console.log(
      `Operator free → next call placed (${latencies.length} samples): median ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms (includes the dialer's 1 s pass interval and the 1 s left to inbound routing first)`,
    );
    console.log(
      `Memory: RSS ${mb(memoryBefore.rss)} before, ${mb(memorySeeded.rss)} seeded, ${mb(memoryAfter.rss)} after; heap used ${mb(memoryBefore.heapUsed)} → ${mb(memoryAfter.heapUsed)}`,
    );
  } finally {
    await database.close();
    cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
