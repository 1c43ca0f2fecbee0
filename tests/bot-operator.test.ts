import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve } from '@hono/node-server';
import { withApp } from '@switchboard/db';
import { publish } from '@switchboard/api';
import { BotOperator, type BotMetric } from '../scripts/src/simulator/bot-operator.ts';
import { createRandom } from '../scripts/src/simulator/random.ts';
import { createHarness, seedTenant, type Harness } from './support/index.ts';
import { seedRoutedOperator } from './support/routing.ts';

/**
 * The demo floor's and the desk benchmark's bots run through the real API: a bot the server marks not
 * responding (an offer it let run out) comes back by itself, as a person clicking "I'm back" would.
 */
let h: Harness;
let server: ReturnType<typeof serve>;
let base: string;

beforeAll(async () => {
  h = await createHarness();
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await h?.close();
});

const presenceOf = (operatorId: string) =>
  withApp(h.db, (tx) => tx.selectFrom('operatorPresence').select('state').where('operatorId', '=', operatorId).executeTakeFirstOrThrow());

it('a bot marked not responding comes back to available on its own', async () => {
  const { tenant } = await seedTenant(h.db);
  const user = await seedRoutedOperator(h.db, [[tenant, {}]], 'bot');
  const metrics: BotMetric[] = [];
  const bot = new BotOperator({
    base,
    email: user.email,
    password: user.password,
    random: createRandom('bot-operator test'),
    talkMs: [1, 1],
    orderShare: 0,
    orderTenant: tenant.slug,
    offerTimeoutSeconds: () => 15,
    disposition: () => 'done',
    onMetric: (m) => metrics.push(m),
  });
  try {
    await bot.logIn();
    await bot.listen();
    await bot.becomeAvailable();
    expect((await presenceOf(user.id)).state).toBe('available');

    // What the routing pass does to an operator whose offer ran out.
    await withApp(h.db, async (tx) => {
      await tx.updateTable('operatorPresence').set({ state: 'not_responding' }).where('operatorId', '=', user.id).execute();
      await publish(tx, { kind: 'presence', operatorId: user.id });
    });
    const deadline = Date.now() + 10_000;
    while ((await presenceOf(user.id)).state !== 'available' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await presenceOf(user.id)).state).toBe('available');
    expect(metrics.filter((m) => m.kind === 'missed')).toHaveLength(1);
    expect(metrics.filter((m) => m.kind === 'error')).toEqual([]);
  } finally {
    await bot.stop();
  }
});
