import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { serve } from '@hono/node-server';
import { newId, withApp, withTenant } from '@switchboard/db';
import { createApp, loadConfig, signTelephonyRequest, startDelivery } from '@switchboard/api';
import { checkTelephonySignature } from '@switchboard/api/telephony-signature';
import { enqueueCommand } from '../../api/src/telephony/commands.ts';
import { benchDefinitions, freePort, percentile, prepareDatabase } from './bench-floor.ts';
import { assertNodeVersion } from './node-version.ts';
import { openDatabase } from './open-database.ts';

assertNodeVersion();

const usage = `pnpm bench:boundary [--callers N] [--operators N]

The push boundary under load in one API process (this one: the app, its delivery loop) on a fresh
database (embedded PGlite in a temporary folder, or a new database on the PostgreSQL server of
DATABASE_URL, dropped afterwards). N waiting callers are taken by the operators, all at once: each
operator writes its call's commands in tenant transactions, as the desk does (bridge when it accepts,
recording pause and resume, hang_up), and the delivery loop pushes them to a registered adapter (a
signed-callback server in this process, which checks every signature). Push only: nothing polls.
Prints the delivery latency (written → received by the adapter, p50/p95/p99), commands per second,
the GETs the boundary received (0), then raw SQL on the same database for the same number of rows
(insert, then mark delivered one by one) and the ratios. Figures only: nothing is asserted.

  --callers     waiting callers (default 500)
  --operators   operators taking them at once (default 200)`;

const { values } = parseArgs({ options: { callers: { type: 'string' }, operators: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const callers = Number(values.callers ?? 500);
const operators = Number(values.operators ?? 200);
const ms = (v: number | null) => (v === null ? '—' : v < 10 ? v.toFixed(1) : String(Math.round(v)));

const workDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-boundary-'));
const { definitions } = benchDefinitions(1);
const prepared = await prepareDatabase(workDir, definitions, 1);
Object.assign(process.env, prepared.env);
const config = loadConfig();
const database = await openDatabase(config, 'bench the push boundary');
const db = database.db;

// The adapter: a callback server that verifies each push and notes when it arrived.
const received = new Map<string, number>();
let duplicates = 0;
let badSignatures = 0;
const latencies: number[] = [];
let lastReceivedAt = 0;
const adapter = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const header = (name: string) => req.headers[name] as string | undefined;
    const check = checkTelephonySignature(config.telephonySecret, { timestamp: header('x-switchboard-timestamp'), signature: header('x-switchboard-signature') }, body, { method: 'POST', path: '/commands' }, new Date());
    if (!check.ok) {
      badSignatures++;
      return void res.writeHead(401).end();
    }
    const command = JSON.parse(body) as { id: string; createdAt: string };
    const at = Date.now();
    if (received.has(command.id)) duplicates++;
    else {
      received.set(command.id, at);
      latencies.push(at - new Date(command.createdAt).getTime());
      lastReceivedAt = at;
    }
    res.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => adapter.listen(0, '127.0.0.1', resolve));
const callbackUrl = `http://127.0.0.1:${(adapter.address() as AddressInfo).port}/commands`;

// The API, one process: every boundary request counted by method.
const now = () => new Date();
const app = createApp({ db, databaseKind: database.kind, config, now });
const boundaryRequests: Record<string, number> = {};
const port = await freePort();
const server = serve({
  fetch: (request: Request) => {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/api/telephony/')) boundaryRequests[request.method] = (boundaryRequests[request.method] ?? 0) + 1;
    return app.fetch(request);
  },
  port,
});
const put = JSON.stringify({ name: 'bench', callbackUrl });
const registered = await fetch(`http://127.0.0.1:${port}/api/telephony/adapter`, {
  method: 'PUT',
  headers: { 'content-type': 'application/json', ...signTelephonyRequest(config.telephonySecret, put, now(), { method: 'PUT', path: '/api/telephony/adapter' }) },
  body: put,
});
if (registered.status !== 200) throw new Error(`registering the adapter answered ${registered.status}`);
const stopDelivery = startDelivery({ db, config, now, onError: (error) => console.error('delivery pass failed:', error) });

const tenants = await withApp(db, (tx) => tx.selectFrom('tenants').select('id').orderBy('slug').execute());
const operatorIds = Array.from({ length: operators }, () => newId());
const waiting = Array.from({ length: callers }, (_, i) => ({ tenantId: tenants[i % tenants.length]!.id, callId: newId() }));
console.log(`pnpm bench:boundary — ${prepared.description}; ${callers} waiting callers, ${operators} operators, ${tenants.length} tenants, one API process, push only\n`);

// Each operator takes the next waiting caller and plays the desk's actions, each in its own tenant transaction.
const started = Date.now();
let written = 0;
await Promise.all(
  operatorIds.map(async (operatorId) => {
    for (let call = waiting.shift(); call; call = waiting.shift()) {
      const ref = { tenantId: call.tenantId, adapter: 'http' as const, callId: call.callId };
      await withTenant(db, call.tenantId, (tx) => enqueueCommand(tx, ref, 'bridge', { callId: call.callId, operatorId, leg: { kind: 'desk', address: null }, record: 'on' }, now()));
      await withTenant(db, call.tenantId, (tx) => enqueueCommand(tx, ref, 'recording', { callId: call.callId, state: 'paused' }, now()));
      await withTenant(db, call.tenantId, (tx) => enqueueCommand(tx, ref, 'recording', { callId: call.callId, state: 'on' }, now()));
      await withTenant(db, call.tenantId, (tx) => enqueueCommand(tx, ref, 'hang_up', { callId: call.callId, survey: null }, now()));
      written += 4;
    }
  }),
);
const writtenAt = Date.now();
// Until every command has reached the adapter (or a minute passes).
while (received.size < written && Date.now() - writtenAt < 60_000) await new Promise((resolve) => setTimeout(resolve, 20));
const seconds = (Math.max(lastReceivedAt, writtenAt) - started) / 1000;
await stopDelivery();
const outOfOrder = await sql<{ n: string }>`
  select count(*) as n from telephony_commands a join telephony_commands b on a.tenant_id = b.tenant_id and a.call_id = b.call_id and a.seq < b.seq
  where a.delivered_at > b.delivered_at`.execute(db);
const failed = await sql<{ n: string }>`select count(*) as n from telephony_commands where status <> 'delivered'`.execute(db);

const p = (q: number) => ms(percentile(latencies, q));
const pushRate = received.size / seconds;
console.log('push boundary');
console.log(`  commands written        ${written} in ${((writtenAt - started) / 1000).toFixed(2)} s`);
console.log(`  delivered               ${received.size} (${duplicates} duplicate pushes, ${badSignatures} bad signatures, ${failed.rows[0]!.n} not delivered, ${outOfOrder.rows[0]!.n} out of order within a call)`);
console.log(`  latency written→adapter p50 ${p(50)} ms, p95 ${p(95)} ms, p99 ${p(99)} ms`);
console.log(`  commands/s (end to end) ${pushRate.toFixed(0)}`);
console.log(`  boundary requests       ${JSON.stringify(boundaryRequests)} (GETs: ${boundaryRequests.GET ?? 0})`);

// Raw SQL on the same database, the same number of rows: insert each in its own statement, then mark each delivered.
const ids = Array.from({ length: written }, () => newId());
const rawStarted = Date.now();
const rawLatencies: number[] = [];
await withApp(db, async (tx) => {
  await sql`create temporary table raw_commands (id uuid primary key, payload jsonb not null, status text not null, created_at timestamptz not null, delivered_at timestamptz) on commit drop`.execute(tx);
  for (const id of ids) await sql`insert into raw_commands values (${id}, '{"kind":"bridge"}'::jsonb, 'pending', now(), null)`.execute(tx);
  for (const id of ids) {
    const at = performance.now();
    await sql`update raw_commands set status = 'delivered', delivered_at = now() where id = ${id}`.execute(tx);
    rawLatencies.push(performance.now() - at);
  }
});
const rawSeconds = (Date.now() - rawStarted) / 1000;
const rawRate = written / rawSeconds;
console.log('\nraw SQL, same database, same rows (one insert + one update per row, one transaction)');
console.log(`  rows/s                  ${rawRate.toFixed(0)}`);
console.log(`  update p50 ${ms(percentile(rawLatencies, 50))} ms, p99 ${ms(percentile(rawLatencies, 99))} ms`);
console.log('\nratios');
console.log(`  push commands/s ÷ raw rows/s   ${(pushRate / rawRate).toFixed(3)}`);
console.log(`  push p50 latency ÷ raw update p50   ${((percentile(latencies, 50) ?? 0) / Math.max(0.001, percentile(rawLatencies, 50) ?? 0.001)).toFixed(0)}`);

server.close();
adapter.close();
await database.close();
await prepared.cleanup();
rmSync(workDir, { recursive: true, force: true });
process.exit(0);
