import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { formatRows, runHttpBadInput, type BadInputRow } from '../../scripts/http-bad-input.js';

// Issue 11: malformed JSON, oversize bodies, wrong content types, injection strings and forged
// forms against every HTTP surface of the real daemon. The same run as `node
// dist/scripts/http-bad-input.js`; here every row must hold.

let daemon: Daemon;
let rows: BadInputRow[];

beforeAll(async () => {
  daemon = await startDaemon();
  rows = (await runHttpBadInput(daemon)).rows;
}, 60_000);

afterAll(async () => {
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('HTTP bad input', () => {
  it('answers every bad request with a clear 4xx that leaks nothing, and changes nothing in the database', () => {
    expect(rows.length).toBeGreaterThan(300);
    const failed = rows.filter((row) => !row.ok);
    expect(failed, `\n${formatRows(failed)}`).toEqual([]);
  });

  it('keeps injection strings in valid requests as text and shows them escaped', () => {
    const stored = rows.filter((row) => /escaped|as the customer typed|still there|finds nobody/.test(row.case));
    expect(stored.length).toBeGreaterThanOrEqual(5);
    expect(stored.filter((row) => !row.ok)).toEqual([]);
  });
});
