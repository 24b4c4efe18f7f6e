import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/daemon-process.js';
import { extractCanaries, formatScan, scanFolder, testSources } from '../../scripts/log-scan.js';

// Vitest global setup: every daemon a test starts keeps its log in a folder of this run
// (LANGO_TEST_LOG_DIR, read by scripts/daemon-process.ts), and after the last test file the
// folder is scanned for secrets and personal data (scripts/log-scan.ts). A finding fails the
// run: vitest 4 ignores an exception thrown here, so the exit code is set instead.

export default function setup(): () => void {
  const given = process.env.LANGO_TEST_LOG_DIR;
  const base = join(repoRoot(), '.test-logs');
  const dir = given ?? join(base, `run-${process.pid}`);
  // Runs in parallel (several people, one checkout) each have their own folder. A clean run
  // removes its folder; a run with findings leaves it for reading, until someone deletes it.
  if (!given) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env.LANGO_TEST_LOG_DIR = dir;

  return () => {
    const result = scanFolder(dir, extractCanaries(testSources()));
    process.stderr.write(`\n${formatScan(result, dir)}\n`);
    if (result.findings.length > 0) {
      process.stderr.write(`secrets or personal data reached a daemon log: see the lines above (logs kept in ${dir})\n`);
      process.exitCode = 1;
    } else if (!given) {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
