import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@switchboard/api';
import { exportTenant, tenantToYaml } from '@switchboard/tenants';
import { assertNodeVersion } from './node-version.ts';
import { openDatabase } from './open-database.ts';

const usage = `Usage: pnpm tenants:export <slug> [--out <file>]

Writes the tenant's definition (tenants/README.md) to stdout, or to the file given with --out.
Applying it again with pnpm tenants:apply changes nothing.`;

assertNodeVersion();
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help || positionals.length !== 1) {
  (values.help ? console.log : console.error)(usage);
  process.exit(values.help ? 0 : 1);
}
const slug = positionals[0]!;

const database = await openDatabase(loadConfig(), 'export tenants');
let found = false;
try {
  const definition = await exportTenant(database.db, slug);
  if (definition) {
    found = true;
    const text = tenantToYaml(definition);
    if (values.out) {
      // pnpm runs scripts from the workspace root; a relative path means the folder the command was typed in.
      const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
      writeFileSync(out, text);
      console.error(`Wrote ${slug} to ${out}.`);
    } else {
      process.stdout.write(text);
    }
  } else {
    console.error(`No tenant has the slug ${JSON.stringify(slug)}.`);
  }
} finally {
  await database.close();
}
// exitCode rather than exit(): stdout may be a pipe that has not drained yet.
process.exitCode = found ? 0 : 1;
