import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

export interface DataDirLock {
  release(): void;
}

export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly holder: string,
  ) {
    super(
      `The embedded database in ${dataDir} is open in another process (${holder}, pid ${pid}). ` +
        `PGlite allows one process at a time: stop that process first, or point DATABASE_URL at a PostgreSQL server.`,
    );
    this.name = 'DataDirBusyError';
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock file beside the PGlite data, holding the owner's pid. A lock left by a process
 * that no longer runs is taken over; a live one refuses, so two processes never open the folder.
 */
const heldHere = new Set<string>();

export function acquireDataDirLock(dataDir: string, holder = process.argv.slice(1, 3).join(' ')): DataDirLock {
  const path = resolve(dataDir, 'switchboard.lock');
  // A second open inside this very process would pass the pid check below, so refuse it here.
  if (heldHere.has(path)) throw new DataDirBusyError(dataDir, process.pid, 'this process');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, holder, since: new Date().toISOString() }));
      closeSync(fd);
      heldHere.add(path);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        heldHere.delete(path);
        try {
          const current = JSON.parse(readFileSync(path, 'utf8')) as { pid: number };
          if (current.pid === process.pid) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner: { pid: number; holder?: string } | undefined;
      try {
        owner = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        owner = undefined;
      }
      if (owner && owner.pid !== process.pid && processIsAlive(owner.pid)) {
        throw new DataDirBusyError(dataDir, owner.pid, owner.holder ?? 'unknown');
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}
