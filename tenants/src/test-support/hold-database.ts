// Test helper run as a separate process: opens the embedded database in the data folder given as
// the first argument, says "ready", and keeps it open until its stdin closes.
import { connect } from '@switchboard/db';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: hold-database.ts <data dir>');
const database = await connect({ dataDir });
process.stdout.write(`ready ${process.pid}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void database.close().then(() => process.exit(0));
});
