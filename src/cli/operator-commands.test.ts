import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documentOperator } from '../billing/documents/load.js';
import { tinyJpeg, tinyPng } from '../billing/documents/samples.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { auditTrail } from '../staff/index.js';
import type { CliContext, Values } from './command.js';
import { operatorCommands } from './operator-commands.js';

let connection: Connection;
let dir: string;

beforeEach(() => {
  connection = openDatabase(':memory:');
  dir = mkdtempSync(path.join(tmpdir(), 'lango-logo-'));
});
afterEach(() => {
  connection.close();
  rmSync(dir, { recursive: true, force: true });
});

const logo = operatorCommands.find((c) => c.words.join(' ') === 'operator logo')!;

function run(values: Values): string {
  return logo.print(logo.run({ db: connection.db, connection } as CliContext, values));
}

function file(name: string, bytes: Buffer): string {
  const full = path.join(dir, name);
  writeFileSync(full, bytes);
  return full;
}

/** The refusal a person would read, or a failure of the test if there was none. */
function refusal(values: Values): string {
  try {
    run(values);
  } catch (err) {
    if (err instanceof LangoError) return err.message;
    throw err;
  }
  throw new Error('the command was accepted');
}

describe('lango operator logo', () => {
  it('stores a PNG as a data URL and records who did it, without the image in the audit log', () => {
    expect(run({ file: file('logo.png', tinyPng) })).toBe('The logo from logo.png (PNG, 0.1 KB) now shows on invoices, credit notes and receipts.');
    expect(getSetting(connection.db, 'operator.logo')).toBe(`data:image/png;base64,${tinyPng.toString('base64')}`);
    const [entry] = auditTrail(connection.db, 'setting:operator.logo');
    expect(entry).toMatchObject({ action: 'operator.logo.set', detail: { file: 'logo.png', type: 'image/png', bytes: tinyPng.length } });
    expect(JSON.stringify(entry?.detail)).not.toContain(tinyPng.toString('base64'));
  });

  it('stores a JPEG, whatever the case of its extension', () => {
    run({ file: file('LOGO.JPG', tinyJpeg) });
    expect(getSetting(connection.db, 'operator.logo')).toBe(`data:image/jpeg;base64,${tinyJpeg.toString('base64')}`);
  });

  it('refuses a file that is not an image, even named .png, and leaves the stored logo alone', () => {
    run({ file: file('logo.png', tinyPng) });
    const before = getSetting(connection.db, 'operator.logo');
    const notes = file('notes.txt', Buffer.from('Kilimani Net Ltd price list\n'));
    expect(refusal({ file: notes })).toBe(
      `Setting operator.logo cannot be "${notes}": it is not a PNG or JPEG image, or the image is damaged. Save the logo again as .png or .jpg and try again.`,
    );
    expect(refusal({ file: file('fake.png', Buffer.from('GIF89a\x01\x00\x01\x00')) })).toContain('is not a PNG or JPEG image');
    expect(refusal({ file: file('logo.gif', tinyPng) })).toContain('is not a PNG or JPEG image');
    expect(refusal({ file: file('cut.png', tinyPng.subarray(0, 40)) })).toContain('the image is damaged');
    expect(getSetting(connection.db, 'operator.logo')).toBe(before);
    expect(auditTrail(connection.db, 'setting:operator.logo')).toHaveLength(1);
  });

  it('refuses a logo over 200 KB and a path that does not exist, saying what to do', () => {
    const big = Buffer.concat([tinyPng, Buffer.alloc(200 * 1024)]);
    expect(refusal({ file: file('huge.png', big) })).toContain('it is 201 KB; a logo may be at most 200 KB');
    expect(refusal({ file: path.join(dir, 'missing.png') })).toContain('the file cannot be read (ENOENT)');
  });

  it('asks for exactly one of --file and --remove', () => {
    expect(refusal({})).toContain('give either --file logo.png or --remove');
    expect(refusal({ file: file('logo.png', tinyPng), remove: true })).toContain('give either --file logo.png or --remove');
  });

  it('removes the logo with --remove', () => {
    run({ file: file('logo.png', tinyPng) });
    expect(run({ remove: true })).toBe('The logo is removed; documents show the operator name only.');
    expect(getSetting(connection.db, 'operator.logo')).toBeNull();
    expect(auditTrail(connection.db, 'setting:operator.logo').map((a) => a.action)).toEqual(['operator.logo.remove', 'operator.logo.set']);
  });
});

describe('the stored logo on documents', () => {
  it('reaches the operator details every document is built from', () => {
    expect(documentOperator(connection.db).logo).toBeNull();
    run({ file: file('logo.jpg', tinyJpeg) });
    expect(documentOperator(connection.db).logo?.equals(tinyJpeg)).toBe(true);
  });
});
