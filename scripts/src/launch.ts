/**
 * `pnpm start`: runs scripts/src/start.ts in a Node process given the heap flags of node-flags.ts (they
 * must be given when a process starts, and only a PostgreSQL start gets them). Run by Node 24 itself
 * (type stripping: nothing here needs tsx). Signals are passed on — start.ts stops once, whatever the
 * number of signals it gets (Ctrl-C reaches both processes) — and its exit code is this one's.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startNodeFlags } from './node-flags.ts';

const start = fileURLToPath(new URL('./start.ts', import.meta.url));
// An IPC channel too: if this process dies without passing a signal on (SIGKILL), the channel closes and
// start.ts stops by itself rather than keep the port.
const child = spawn(process.execPath, [...startNodeFlags(process.env), '--import', 'tsx', start, ...process.argv.slice(2)], {
  stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    // A hang-up (the terminal closed) stops the API gracefully, as SIGTERM does.
    if (child.exitCode === null && child.signalCode === null) child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  });
}
child.on('error', (error) => {
  console.error(`Could not start the API process: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1)));
