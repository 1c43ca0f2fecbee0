import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@switchboard/api';
import { applyDefinitions, formatApplyReport, formatDefinitionError, loadDefinitions } from '@switchboard/tenants';
import { assertNodeVersion } from './node-version.ts';
import { openDatabase } from './open-database.ts';

const usage = `Usage: pnpm tenants:apply <folder|file>

Applies tenant definitions (tenants/README.md): a folder's provider file first, then each tenant.
Prints, per tenant, created / updated (with the fields) / unchanged, and the one-time password of
every account it creates. Exits 1 if a file is invalid (nothing is applied) or a tenant was refused.`;

assertNodeVersion();
const { positionals, values } = parseArgs({ allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
if (values.help || positionals.length !== 1) {
  (values.help ? console.log : console.error)(usage);
  process.exit(values.help ? 0 : 1);
}

// pnpm runs scripts from the workspace root; a relative path means the folder the command was typed in.
const target = resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0]!);
const loaded = loadDefinitions(target);
if (loaded.errors.length) {
  for (const error of loaded.errors) console.error(formatDefinitionError(error));
  console.error(`\n${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'} found; nothing was applied.`);
  process.exit(1);
}

const database = await openDatabase(loadConfig(), 'apply tenants');
let ok = false;
try {
  const report = await applyDefinitions(database.db, loaded);
  console.log(formatApplyReport(report));
  ok = report.ok;
} finally {
  await database.close();
}
process.exit(ok ? 0 : 1);
