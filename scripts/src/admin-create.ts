import { loadConfig } from '@switchboard/api';
import { assertNodeVersion } from './node-version.ts';
import { openDatabase } from './open-database.ts';
import { AdminCreateRefused, createProviderAdmin, parseAdminArgs } from './provider-admin.ts';

assertNodeVersion();
let input: { email: string; name: string };
try {
  input = parseAdminArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof AdminCreateRefused)) throw error;
  console.error(error.message);
  process.exit(2);
}
const database = await openDatabase(loadConfig(), 'create an admin');
try {
  const admin = await createProviderAdmin(database.db, input, new Date());
  console.log(`Created the provider admin ${admin.email} (${admin.displayName}).`);
  console.log(`One-time password: ${admin.temporaryPassword}`);
  console.log('It works for the first login only: the new admin must choose a password before anything else.');
} catch (error) {
  if (!(error instanceof AdminCreateRefused)) throw error;
  console.error(error.message);
  process.exitCode = 1;
} finally {
  await database.close();
}
