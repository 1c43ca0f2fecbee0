import { loadConfig } from '@switchboard/api';
import { assertNodeVersion } from './node-version.ts';
import { openDatabase } from './open-database.ts';

assertNodeVersion();
const database = await openDatabase(loadConfig(), 'migrate');
console.log(`Database ${database.location} is at the latest schema.`);
await database.close();
