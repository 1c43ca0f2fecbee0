import type { Config } from '@switchboard/api';
import { describeStats } from './index.ts';
import { describeOutbound } from './outbound.ts';
import { TelephonyClient } from './boundary.ts';

/**
 * The demo's traffic: busier than `pnpm simulate`'s default, with a night-time floor, so an operator who
 * goes available sees a call within a minute or so at any hour (SIMULATOR_RATE scales it).
 */
export const demoCallsPerHourAtPeak = 45;
export const demoNightFloor = 0.4;
import { Simulator } from './simulator.ts';
import { CommandModel, startPushReceiver } from './push.ts';

/** SIMULATOR_MODE=poll: the simulator polls each call's status instead of registering a push callback. */
export function simulatorPushes(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.SIMULATOR_MODE ?? '').trim().toLowerCase() !== 'poll';
}

/**
 * `--no-simulator` or SIMULATOR=off (false, 0, no) leaves the demo without simulated calls. In production
 * (NODE_ENV=production) it is off unless SIMULATOR=on asks for it: fake callers must never reach real
 * clients' queues by default.
 */
export function simulatorWanted(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  if (argv.includes('--no-simulator')) return false;
  const setting = (env.SIMULATOR ?? '').trim().toLowerCase();
  if (['off', 'false', '0', 'no'].includes(setting)) return false;
  if (env.NODE_ENV === 'production') return ['on', 'true', '1', 'yes'].includes(setting);
  return true;
}

/**
 * The simulator inside the server's process, calling the server's own port, so a fresh demo has
 * calls coming in. It never throws: when the boundary fails it logs sparingly and backs off.
 * SIMULATOR_RATE multiplies its rate. Answers a stop function (null when turned off).
 */
export function startInProcessSimulator(config: Config, port: number, env: NodeJS.ProcessEnv = process.env): (() => Promise<void>) | null {
  if (!simulatorWanted(process.argv, env)) return null;
  try {
    return startSimulator(config, port, env);
  } catch (error) {
    console.log(`simulator: not started: ${(error as Error).message}`);
    return null;
  }
}

function startSimulator(config: Config, port: number, env: NodeJS.ProcessEnv): () => Promise<void> {
  const rate = Number(env.SIMULATOR_RATE || 1);
  const multiplier = Number.isFinite(rate) && rate > 0 ? rate : 1;
  // A push adapter (docs/telephony.md, Push): its callback on a local port, registered before the first call.
  const push = simulatorPushes(env) ? new CommandModel() : null;
  const simulator = new Simulator({
    ...(push ? { push } : {}),
    url: `http://127.0.0.1:${port}`,
    secret: config.telephonySecret,
    seed: Date.now(),
    multiplier,
    callsPerHourAtPeak: demoCallsPerHourAtPeak,
    floor: demoNightFloor,
    maxActiveCalls: 200,
    // The demo's campaigns are dialled too: the simulator places the dialer's calls and plays the callees.
    outbound: true,
    log: (line) => console.log(line),
  });
  console.log(
    `\nSimulated calls: on (rate ×${multiplier}, ${push ? 'push adapter; SIMULATOR_MODE=poll polls instead' : 'polling'}; SIMULATOR=off or --no-simulator turns them off, pnpm simulate plays more).`,
  );
  let receiver: { url: string; close: () => Promise<void> } | null = null;
  const client = new TelephonyClient(`http://127.0.0.1:${port}`, config.telephonySecret);
  const ready = push
    ? startPushReceiver({ secret: config.telephonySecret, model: push })
        .then(async (started) => {
          receiver = started;
          await client.register('simulator', started.url);
        })
        .catch((error: unknown) => console.log(`simulator: the push callback could not be registered: ${(error as Error).message}`))
    : Promise.resolve();
  void ready.then(() => simulator.start());
  // A summary every five minutes while anything happens, not a line per call.
  let reported = 0;
  const timer = setInterval(() => {
    const seen = simulator.stats.placed + (simulator.outbound?.stats.dials ?? 0);
    if (seen === reported) return;
    reported = seen;
    console.log(`simulator: ${describeStats(simulator.stats)}`);
    if (simulator.outbound) console.log(`simulator: ${describeOutbound(simulator.outbound.stats)}`);
  }, 5 * 60_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await simulator.stop({ timeoutMs: 2000 });
    if (receiver) {
      await client.unregister('simulator').catch(() => {});
      await (receiver as { close: () => Promise<void> }).close();
    }
  };
}
