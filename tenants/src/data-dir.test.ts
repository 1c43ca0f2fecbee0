import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, DataDirBusyError, migrateToLatest } from '@switchboard/db';
import { applyDefinitions, exportTenant, loadDemo } from './index.ts';
import { commandEnv, runTs, startTs } from './test-support/run.ts';

// PGlite allows one process per data folder. A second process must be refused, clearly, and must
// leave the data as it was.
let work: string;
let dataDir: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'switchboard-datadir-'));
  dataDir = join(work, 'pglite');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

async function snapshot() {
  const database = await connect({ dataDir });
  try {
    const tenants = [];
    for (const slug of ['banque-horizon', 'pizza-napoli', 'telenova']) tenants.push(await exportTenant(database.db, slug));
    const audit = await database.db.selectFrom('auditLog').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const users = await database.db.selectFrom('users').select(['email', 'passwordHash']).orderBy('email').execute();
    return { tenants, audit: Number(audit.n), users };
  } finally {
    await database.close();
  }
}

describe('an embedded database open in another process', () => {
  it('refuses a second open with DataDirBusyError, tenants:apply exits 2, and the data stays intact', async () => {
    const first = await connect({ dataDir });
    await migrateToLatest(first.db);
    const report = await applyDefinitions(first.db, loadDemo());
    expect(report.ok).toBe(true);
    await first.close();
    const before = await snapshot();
    expect(before.tenants.every((t) => t !== null)).toBe(true);

    const holder = startTs('tenants/src/test-support/hold-database.ts', [dataDir], commandEnv(dataDir));
    try {
      let output = '';
      holder.stdout!.on('data', (chunk) => (output += chunk));
      await new Promise<void>((resolve, reject) => {
        holder.on('exit', (code) => reject(new Error(`the holding process ended early (${code})`)));
        holder.stdout!.on('data', () => output.includes('ready') && resolve());
      });

      const second = connect({ dataDir });
      await expect(second).rejects.toBeInstanceOf(DataDirBusyError);
      await expect(second).rejects.toMatchObject({ pid: holder.pid, message: expect.stringContaining('is open in another process') });

      const command = await runTs('scripts/src/tenants-apply.ts', ['tenants/demo'], commandEnv(dataDir));
      expect(command.code).toBe(2);
      expect(command.stderr).toContain(`Cannot apply tenants: The embedded database in ${dataDir} is open in another process`);
      expect(command.stdout).not.toContain('created');
    } finally {
      holder.stdin!.end();
      if (holder.exitCode === null) await once(holder, 'exit');
    }
    expect(holder.exitCode).toBe(0);

    // Once the holder is gone the folder opens again, with exactly the data it had.
    expect(await snapshot()).toEqual(before);
  }, 120_000);
});
