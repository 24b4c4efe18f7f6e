import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Keeps every daemon's log of the run and fails the run if a secret or a phone number is in
    // one (scripts/log-scan.ts), after the last test file.
    // With LANGO_TEST_PG the run is on PostgreSQL, and its scratch databases are dropped at the end.
    globalSetup: ['tests/support/log-scan-setup.ts', 'tests/support/postgres-setup.ts'],
    // Integration files each start a real daemon and drive it with radclient; two cores, so
    // two files at a time keeps timings honest.
    maxWorkers: 2,
    testTimeout: 30_000,
    // One retry for a test that loses a timing race on a loaded two-core machine; each one that
    // needed it is listed at the end of the run (tests/support/flaky-reporter.ts).
    retry: 1,
    reporters: ['default', './tests/support/flaky-reporter.ts'],
    hookTimeout: 60_000,
  },
});
