import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type Database } from '@switchboard/db';
import { applyDemoIfNew } from '@switchboard/tenants';
import { generateDemoHistory, historyWindow, type HistoryReport } from '../scripts/src/simulator/history.ts';

/**
 * Issue 16: the demo's past days are played through the live code paths with a virtual clock. Two hours of
 * a busy lunchtime, with few bots, leave calls whose timelines are those of live calls: every call final,
 * the bots' state log one unbroken sequence ending offline, no bot on two calls at once, usage recorded.
 */
let database: Database;
let report: HistoryReport;
const from = new Date('2026-12-03T10:30:00Z');
const to = new Date('2026-12-03T12:30:00Z');
const finalStatuses = ['completed', 'abandoned', 'overflowed', 'after_hours', 'transferred_out'];

beforeAll(async () => {
  database = await createTestDatabase();
  let started = performance.now();
  await applyDemoIfNew(database.db);
  console.log(`demo applied in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  report = await generateDemoHistory(database.db, { from, to, seed: 'history-test', callsPerHourAtPeak: 10, bots: 3, transferShare: 0.15 });
  console.log(`history played in ${((performance.now() - started) / 1000).toFixed(1)} s`, report);
}, 240_000);
afterAll(() => database?.close());

describe('the demo history', () => {
  it('plays calls of the three clients, some abandoned, some transferred, some surveyed', async () => {
    const calls = await database.db.selectFrom('calls').innerJoin('tenants', 'tenants.id', 'calls.tenantId').select(['tenants.slug', 'calls.status']).execute();
    expect(calls.length).toBe(report.arrived);
    expect(new Set(calls.map((c) => c.slug))).toEqual(new Set(['pizza-napoli', 'banque-horizon', 'telenova']));
    expect(report.answered).toBeGreaterThan(20);
    expect(report.abandoned).toBeGreaterThan(0);
    expect(report.transferred).toBeGreaterThan(0);
    expect(report.surveyed).toBeGreaterThan(0);
    expect(report.endedAt.getTime()).toBeGreaterThanOrEqual(to.getTime());
    expect(report.endedAt.getTime()).toBeLessThan(to.getTime() + 3 * 3600_000);
  });

  it('leaves every call final, its times in order, within the window', async () => {
    const calls = await database.db.selectFrom('calls').selectAll().execute();
    for (const call of calls) {
      expect(finalStatuses, `${call.id} ${call.status}`).toContain(call.status);
      expect(call.endedAt, call.id).not.toBeNull();
      expect(new Date(call.offeredAt).getTime()).toBeGreaterThanOrEqual(from.getTime());
      expect(new Date(call.offeredAt).getTime()).toBeLessThan(to.getTime());
      if (call.answeredAt) expect(new Date(call.answeredAt).getTime()).toBeGreaterThanOrEqual(new Date(call.offeredAt).getTime());
      expect(new Date(call.endedAt!).getTime()).toBeGreaterThanOrEqual(new Date(call.answeredAt ?? call.offeredAt).getTime());
      if (call.status === 'completed') expect(call.wrapUpEndedAt).not.toBeNull();
    }
    expect(await database.db.selectFrom('callQueue').select('callId').execute()).toEqual([]);
  });

  it("keeps each bot's state log one unbroken sequence, ending offline, never on two calls at once", async () => {
    const log = await database.db.selectFrom('operatorStateLog').selectAll().orderBy('operatorId').orderBy('startedAt').orderBy('endedAt').execute();
    const byOperator = new Map<string, typeof log>();
    for (const row of log) byOperator.set(row.operatorId, [...(byOperator.get(row.operatorId) ?? []), row]);
    expect(byOperator.size).toBe(3);
    const onCallRows = new Map<string, { operatorId: string; startedAt: number }[]>();
    for (const [operatorId, rows] of byOperator) {
      rows.forEach((row, i) => {
        const next = rows[i + 1];
        if (next) {
          expect(row.endedAt, `${operatorId} row ${i} open`).not.toBeNull();
          expect(new Date(row.endedAt!).getTime(), `${operatorId} row ${i}`).toBe(new Date(next.startedAt).getTime());
        } else {
          expect(row.state).toBe('offline');
          expect(row.endedAt).toBeNull();
        }
        if (row.state === 'on_call') onCallRows.set(row.callId!, [...(onCallRows.get(row.callId!) ?? []), { operatorId, startedAt: new Date(row.startedAt).getTime() }]);
      });
    }
    const presence = await database.db.selectFrom('operatorPresence').select(['operatorId', 'state', 'offerCallId']).where('operatorId', 'in', [...byOperator.keys()]).execute();
    expect(presence.every((p) => p.state === 'offline' && p.offerCallId === null)).toBe(true);
    // Every answered call: exactly one bot went on call for it, when it was answered.
    const answered = await database.db.selectFrom('calls').select(['id', 'operatorId', 'answeredAt']).where('answeredAt', 'is not', null).execute();
    expect(answered.length).toBe(report.answered);
    for (const call of answered) {
      expect(onCallRows.get(call.id), call.id).toEqual([{ operatorId: call.operatorId, startedAt: new Date(call.answeredAt!).getTime() }]);
    }
  });

  it('records usage as live calls do: a handled call and its talk time per answered call', async () => {
    const usage = await database.db.selectFrom('usageEvents').select(['sourceId', 'metric', 'quantity']).where('sourceType', '=', 'call').execute();
    const answered = await database.db.selectFrom('calls').select(['id', 'answeredAt', 'endedAt']).where('answeredAt', 'is not', null).execute();
    for (const call of answered) {
      const mine = usage.filter((u) => u.sourceId === call.id);
      // A questionnaire walked to its end also counts a completed survey, as live.
      expect(mine.map((u) => u.metric).filter((m) => m !== 'completed_survey').sort(), call.id).toEqual(['handled_call', 'talk_seconds']);
      const talk = Math.floor((new Date(call.endedAt!).getTime() - new Date(call.answeredAt!).getTime()) / 1000);
      expect(Number(mine.find((u) => u.metric === 'talk_seconds')!.quantity)).toBe(talk);
    }
  });

  it('is played only on a new demo database, before today in every client zone', () => {
    const window = historyWindow(new Date('2026-12-06T10:00:00Z'), ['Europe/Paris', 'Europe/Berlin', 'Europe/Moscow']);
    // Moscow's day starts first (21:00 UTC the day before); the history stops half an hour before it.
    expect(window.to.toISOString()).toBe('2026-12-05T20:30:00.000Z');
    expect(window.from.toISOString()).toBe('2026-12-02T20:30:00.000Z');
  });
});
