import { parseArgs } from 'node:util';
import { loadConfig } from '@switchboard/api';
import { assertNodeVersion } from './node-version.ts';
import { defaultCallsPerHourAtPeak, describeStats, Simulator } from './simulator/index.ts';

assertNodeVersion();

const usage = `pnpm simulate [--url URL] [--rate MULTIPLIER] [--seed SEED] [--duration SECONDS] [--calls-per-hour N] [--flat]

Plays simulated calls through the signed telephony boundary of a running server (docs/telephony.md):
Poisson arrivals on every number of the dial plan, shaped by each tenant's local time of day, callers
who give up when they wait too long, talk once connected, and call again.

  --url             the server (default http://localhost:$PORT, PORT defaulting to 3000)
  --rate            multiplies every number's rate (default 1)
  --seed            the same seed plays the same traffic (default 1)
  --duration        stop after this many seconds (default: until Ctrl-C)
  --calls-per-hour  calls per hour on one number at its busiest hour, before --rate (default ${defaultCallsPerHourAtPeak})
  --flat            the same rate all day instead of the tenants' daily shape

Signs with TELEPHONY_SECRET (the server's dev default when unset).`;

function parseFlags() {
  try {
    return parseArgs({
      options: {
        url: { type: 'string' },
        rate: { type: 'string', default: '1' },
        seed: { type: 'string', default: '1' },
        duration: { type: 'string' },
        'calls-per-hour': { type: 'string', default: String(defaultCallsPerHourAtPeak) },
        flat: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}
const { values } = parseFlags();
if (values.help) {
  console.log(usage);
  process.exit(0);
}

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number, got "${text}".\n\n${usage}`);
    process.exit(2);
  }
  return value;
}

const config = loadConfig();
const url = values.url ?? `http://localhost:${config.port}`;
const multiplier = positive('rate', values.rate)!;
const callsPerHourAtPeak = positive('calls-per-hour', values['calls-per-hour'])!;
const duration = positive('duration', values.duration);
const seed = /^-?\d+$/.test(values.seed) ? Number(values.seed) : values.seed;

const simulator = new Simulator({
  url,
  secret: config.telephonySecret,
  seed,
  multiplier,
  callsPerHourAtPeak,
  shape: values.flat ? 'flat' : undefined,
  maxActiveCalls: 2000,
  log: (line) => console.log(line),
});
console.log(`Simulating calls against ${url} (seed ${seed}, rate ×${multiplier}, ${callsPerHourAtPeak} calls/h per number at peak${values.flat ? ', flat' : ''}). Ctrl-C stops.`);
simulator.start();

const report = setInterval(() => console.log(describeStats(simulator.stats)), 10_000);

let stopping = false;
async function stop(reason: string) {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  console.log(`${reason}: the callers still on the line hang up…`);
  await simulator.stop({ hangUp: true });
  console.log(describeStats(simulator.stats));
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
if (duration !== undefined) setTimeout(() => void stop(`${duration} s`), duration * 1000);
