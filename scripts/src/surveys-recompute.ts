import { parseArgs } from 'node:util';
import { withTenant } from '@switchboard/db';
import { loadConfig, recomputeSurveyCounts } from '@switchboard/api';
import { assertNodeVersion } from './node-version.ts';
import { openDatabase } from './open-database.ts';

const usage = `Usage: pnpm surveys:recompute <slug> [--script <id>] [--version <n>]

Rebuilds a tenant's survey counts (what the Surveys results read, migration 0028) from its stored
answers: each call's answers are replayed against their script version to judge again which are on
the walk's path, then the counts are recomputed — for all its questionnaires, one script, or one
version. The triggers keep the counts as answers are written and deleted; this is the repair, safe to
run at any time (README, Survey results).`;

assertNodeVersion();
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { script: { type: 'string' }, version: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help || positionals.length !== 1 || (values.version !== undefined && !/^[1-9][0-9]{0,6}$/.test(values.version)) || (values.script !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(values.script))) {
  (values.help ? console.log : console.error)(usage);
  process.exit(values.help ? 0 : 1);
}
const slug = positionals[0]!;

const database = await openDatabase(loadConfig(), 'recompute survey counts');
try {
  const tenant = await database.db.selectFrom('tenants').select(['id', 'slug']).where('slug', '=', slug).executeTakeFirst();
  if (!tenant) {
    console.error(`No tenant ${slug}.`);
    process.exitCode = 1;
  } else {
    const scope = { ...(values.script ? { scriptId: values.script } : {}), ...(values.version ? { version: Number(values.version) } : {}) };
    const began = performance.now();
    const { answersMoved } = await withTenant(database.db, tenant.id, (tx) => recomputeSurveyCounts(tx, tenant.id, scope));
    console.log(`Recomputed the survey counts of ${slug} in ${((performance.now() - began) / 1000).toFixed(1)} s; ${answersMoved} answer(s) changed side of the walk's path.`);
  }
} finally {
  await database.close();
}
