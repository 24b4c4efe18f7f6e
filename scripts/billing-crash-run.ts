import { runBilling } from '../src/billing/run.js';
import { openDatabase } from '../src/db/connection.js';

// The victim process of the crash-injection test (tests/billing/crash.test.ts): it runs the
// billing run on a database file and, when asked, SIGKILLs itself right after a chosen chunk
// has committed — no exit handlers, no clean close, the WAL left as a real crash leaves it. The
// test then runs it again without the kill and checks that the books match one uninterrupted
// run. A separate process is the only honest way to do this: killing the test's own process
// is not possible, and throwing from the hook would let better-sqlite3 and Node clean up.
//
//   node dist/scripts/billing-crash-run.js <db file> <now ms> <chunkSize> [killAfterChunk]
//
// Prints the run's result as JSON on stdout and exits 0; exits 2 on bad arguments.

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: billing-crash-run <db file> <now ms> <chunkSize> [killAfterChunk]\n`);
  process.exit(2);
}

function integerArg(value: string | undefined, name: string, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < min) usage(`${name} must be an integer >= ${min}, got ${String(value)}`);
  return n;
}

const [file, nowArg, chunkArg, killArg, ...extra] = process.argv.slice(2);
if (file === undefined || extra.length > 0) usage('expected 3 or 4 arguments');
const now = integerArg(nowArg, 'now', 0);
const chunkSize = integerArg(chunkArg, 'chunkSize', 1);
const killAfterChunk = killArg === undefined ? null : integerArg(killArg, 'killAfterChunk', 1);

const conn = openDatabase(file);
const result = await runBilling(conn.db, {
  now,
  zone: 'Africa/Nairobi',
  chunkSize,
  afterChunk: (n) => {
    if (n === killAfterChunk) process.kill(process.pid, 'SIGKILL');
  },
});
conn.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = 0;
