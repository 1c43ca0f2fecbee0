import { serve } from '@hono/node-server';
import { billingOf, createApp, EventHub, loadConfig, settleWithin, startBillingClose, startCallTimeouts, startDialer, startHousekeeping, startKpiFolding, startQualitySampling, startDelivery, startRetention, startRouting, stripeBilling, type StopPeriodic } from '@switchboard/api';
import { guardDriverFaults } from '@switchboard/db';
import { demoLogins } from '@switchboard/tenants';
import { assertNodeVersion } from './node-version.ts';
import { openDatabase } from './open-database.ts';
import { ensureWebBuilt, webDist } from './build-web.ts';
import { simulatorWanted, startInProcessSimulator } from './simulator/in-process.ts';
import { startDemoFloor } from './simulator/demo-floor.ts';
import { demoHistoryDays, describeHistory, playDemoHistory } from './simulator/history.ts';
import { prepareForStart, startModeOf, StartRefused } from './start-mode.ts';

assertNodeVersion();
// Where a start spends its time, printed once serving (pnpm bench:start reads it).
const startedAt = performance.now();
// performance.now() counts from the process's start: until here, Node loaded (and tsx compiled) the modules.
const phases: string[] = [`modules ${(startedAt / 1000).toFixed(2)} s`];
let phaseAt = startedAt;
const phase = (name: string) => {
  const at = performance.now();
  phases.push(`${name} ${((at - phaseAt) / 1000).toFixed(2)} s`);
  phaseAt = at;
};
const config = loadConfig();
const mode = (() => {
  try {
    return startModeOf(process.env);
  } catch (error) {
    if (!(error instanceof StartRefused)) throw error;
    console.error(error.message);
    process.exit(2);
  }
})();
// postgres.js can throw from its connection code while the server restarts: survive that, nothing else.
if (config.databaseUrl) guardDriverFaults();
const database = await openDatabase(config, 'start');
phase('database');

// Demo data only for the embedded quick start or SEED_DEMO=true; a production start refuses demo passwords.
const demo = await prepareForStart(database.db, mode).catch(async (error: unknown) => {
  if (!(error instanceof StartRefused)) throw error;
  console.error(error.message);
  await database.close();
  process.exit(2);
});
if (demo.applied) console.log(`New database: applied the demo tenants (${demo.tenants.join(', ')}) and demo users.`);

phase('demo check');
ensureWebBuilt();
phase('web app');

const now = () => new Date();
// One LISTEN per process: desks' events reach this process from any other through PostgreSQL.
// The hub re-reads events, and the routing loop claims offers, on small pools of their own (PostgreSQL; PGlite
// has one connection): a burst of requests never makes an offer wait for a connection.
const events = new EventHub({ db: database.ownPool(3), requestDb: database.db, listen: database.listen, now });
await events.start();
// With a Stripe key every tenant is a Stripe customer and usage leaves through the outbox; else invoices are local.
const billing = config.stripeSecretKey
  ? stripeBilling.stripeBilling({ db: database.db, now, secretKey: config.stripeSecretKey, webhookSecret: config.stripeWebhookSecret, apiUrl: config.stripeApiUrl })
  : billingOf({ now });
const app = createApp({ db: database.db, databaseKind: database.kind, config, now, events, billing }, { webDist });
// The loops that move live calls. On a new demo database they start once its past days are played (below):
// they would otherwise route, overflow and dial the history's calls and bots at today's time.
let stopRouting: StopPeriodic = async () => {};
let stopCallTimeouts: () => Promise<void> = async () => {};
let stopDialer: StopPeriodic = async () => {};
let stopDelivery: StopPeriodic = async () => {};
function startLiveLoops() {
  // Offers, offer timeouts, wrap-up timeouts and transfer returns: a routing pass every ~500 ms and after each change.
  stopRouting = startRouting({ db: database.ownPool(4), now });
  // Calls queued past the tenant's maximum wait overflow, connected calls silent past its limit close: every 5 s, every process.
  stopCallTimeouts = startCallTimeouts({ db: database.db, now });
  // Outbound campaigns: a dialer pass every second places the calls due, judged by the calling rules at that moment (docs/outbound.md).
  stopDialer = startDialer({ db: database.db, now });
  // The push boundary: commands written by the actions above reach their adapter (pushed, or handed to Twilio), every process.
  stopDelivery = startDelivery({ db: database.db, config, now });
}
// Played with the simulated calls only (--no-simulator, SIMULATOR=off and the benchmarks skip it).
const historyDays = demo.applied && simulatorWanted() ? demoHistoryDays() : 0;
if (!historyDays) startLiveLoops();
// Finished calls and closed operator states are added to the quarter-hour statistics reports read: every 5 s, every process (docs/kpis.md).
const stopKpiFolding = startKpiFolding({ db: database.db, now });
// Each tenant's month is closed (statement frozen, then invoiced) once it has ended in the tenant's time zone: checked every minute.
const stopBillingClose = startBillingClose({ db: database.db, now, billing });
// Personal data past each tenant's retention periods is removed once a day per tenant (every process may run it).
const stopRetention = startRetention({ db: database.db, now });
// Each company's week of calls to evaluate is drawn (topped up) every hour, per operator (docs/quality.md).
const stopQualitySampling = startQualitySampling({ db: database.db, now });
// Usage and top-ups reach Stripe from here: rows are leased, so every process may run one.
const stopOutbox = stripeBilling.isStripeBilling(billing) ? billing.startWorker() : async () => {};
// Expired sessions, spent login-throttle rows, idempotency keys past 24 h, old telephony signatures: purged every 10 minutes.
const stopHousekeeping = startHousekeeping({ db: database.db, config, now });
let stopSimulator: (() => Promise<void>) | null = null;
let stopFloor: (() => Promise<void>) | null = null;
const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
  const url = config.publicUrl ?? `http://localhost:${info.port}`;
  console.log(`\nSwitchboard is running on ${url}  (database: ${database.location})`);
  if (demo.present) {
    console.log('\nDemo logins (password: switchboard-demo):');
    for (const login of demoLogins) console.log(`  ${login.email.padEnd(34)} ${login.description}`);
  }
  const goLive = () => {
    if (stopping) return;
    stopSimulator = startInProcessSimulator(config, info.port);
    // The demo's bot operators take the simulated calls nobody else takes (only on a demo database, only with the simulator).
    if (stopSimulator && demo.present) stopFloor = startDemoFloor(info.port);
  };
  phase('serve');
  console.log(`\nReady in ${(performance.now() / 1000).toFixed(2)} s (${phases.join(', ')}).`);
  console.log('\nPress Ctrl-C to stop.');
  if (!historyDays) return goLive();
  // A new demo database: its past days are played in the background (scripts/src/simulator/history.ts), then
  // live calls start. The portal answers meanwhile; the desk gets calls once it is done.
  console.log(`\nDemo history: playing the last ${historyDays} days of calls (DEMO_HISTORY_DAYS=0 skips it); live calls start once it is done.`);
  const playedFrom = performance.now();
  void playDemoHistory(database.db, historyDays, history.signal)
    .then((report) => {
      if (report) console.log(`Demo history: ${describeHistory(report)} in ${((performance.now() - playedFrom) / 1000).toFixed(1)} s.`);
    })
    .catch((error: unknown) => {
      if (!stopping) console.log(`demo history: stopped: ${(error as Error).message}`);
    })
    .finally(() => {
      if (stopping) return;
      startLiveLoops();
      goLive();
    });
});
const history = new AbortController();

/** A stop finishes within this (SHUTDOWN_GRACE_MS, default 10 s), the database answering or not. */
const shutdownGraceMs = Number(process.env.SHUTDOWN_GRACE_MS) > 0 ? Number(process.env.SHUTDOWN_GRACE_MS) : 10_000;

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  console.log(`\n${signal}: stopping…`);
  // Past the grace period, whatever still waits (a query on a dead connection) is abandoned.
  const deadline = setTimeout(() => {
    console.error(`Stopped after the ${shutdownGraceMs} ms grace period with work still pending.`);
    process.exit(1);
  }, shutdownGraceMs);
  deadline.unref();
  // Each step gets a share of the grace period, so a database that is down cannot hold the stop.
  const step = Math.max(250, Math.floor(shutdownGraceMs / 4));
  const bounded = (work: Promise<unknown> | undefined) => settleWithin(work ?? null, step, () => {});
  server.close();
  history.abort();
  await Promise.all([bounded(stopFloor?.()), bounded(stopSimulator?.())]);
  await Promise.all([
    events.stop(step),
    stopRouting(step),
    bounded(stopCallTimeouts()),
    bounded(stopKpiFolding()),
    bounded(stopDialer()),
    stopDelivery(step),
    bounded(stopBillingClose()),
    bounded(stopRetention()),
    bounded(stopQualitySampling()),
    bounded(stopOutbox()),
    bounded(stopHousekeeping()),
  ]);
  await bounded(database.close());
  console.log(`Stopped in ${Date.now() - started} ms.`);
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// Started by pnpm start's launcher (scripts/src/launch.ts): its channel closing means it is gone.
if (process.connected) process.on('disconnect', () => void stop('the launcher ended'));
