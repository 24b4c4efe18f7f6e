import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drawableLogoType, logoDataUrl, type LogoType } from '../billing/documents/logo.js';
import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { t } from '../i18n/index.js';
import { setSetting } from '../settings/index.js';
import { recordAudit } from '../staff/index.js';
import { json, str, type Command } from './command.js';

// The operator's own details on what customers receive. Name, tax number and address are plain
// settings (lango settings set); the logo is a file, so it has a command that reads and checks it.

const actor = () => `cli:${os.userInfo().username}`;

/**
 * 200 KB keeps every invoice e-mail and PDF small (the logo is embedded in each one) and fits
 * the operator.logo setting once base64-encoded; a crisp logo at print size needs far less.
 */
const maxLogoBytes = 200 * 1024;
const logoExtensions = new Set(['.png', '.jpg', '.jpeg']);

type LogoResult = { removed: true } | { removed: false; file: string; type: LogoType; bytes: number };

function refuse(value: string, reason: string): never {
  throw new LangoError('INPUT_BAD_SETTING', { key: 'operator.logo', value, reason });
}

function readLogo(file: string): { bytes: Buffer; type: LogoType } {
  let bytes: Buffer;
  try {
    // Checked before reading, so a wrong path to a video or disk image is not read into memory.
    const size = statSync(file).size;
    if (size > maxLogoBytes) refuse(file, t('operator.logoTooLarge', { size: Math.ceil(size / 1024), max: maxLogoBytes / 1024 }));
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof LangoError) throw err;
    refuse(file, t('operator.logoUnreadable', { reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message }));
  }
  const type = drawableLogoType(bytes);
  // The extension is what the operator meant; the bytes are what browsers and pdfkit will get.
  if (!logoExtensions.has(path.extname(file).toLowerCase()) || type === null) refuse(file, t('operator.logoNotImage'));
  return { bytes, type };
}

function setLogo(db: Db, file: string | undefined, remove: boolean): LogoResult {
  if ((file === undefined) === !remove) refuse(file ?? '', t('operator.logoFileOrRemove'));
  if (file === undefined) {
    db.transaction(
      (tx) => {
        setSetting(tx as Db, 'operator.logo', null, actor());
        recordAudit(tx as Db, actor(), 'operator.logo.remove', 'setting:operator.logo', {});
      },
      { behavior: 'immediate' },
    );
    return { removed: true };
  }
  const { bytes, type } = readLogo(file);
  db.transaction(
    (tx) => {
      setSetting(tx as Db, 'operator.logo', logoDataUrl(bytes, type), actor());
      // The image itself would swell the audit log; its hash says which file it was.
      recordAudit(tx as Db, actor(), 'operator.logo.set', 'setting:operator.logo', {
        file: path.basename(file),
        type,
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
    },
    { behavior: 'immediate' },
  );
  return { removed: false, file: path.basename(file), type, bytes: bytes.length };
}

export const operatorCommands: Command[] = [
  {
    words: ['operator', 'logo'],
    summary: 'Set the logo printed on invoices, credit notes and receipts (a PNG or JPEG of at most 200 KB), or remove it.',
    usage: 'lango operator logo --file logo.png | --remove [--json]',
    options: { file: { type: 'string' }, remove: { type: 'boolean' }, ...json },
    run: ({ db }, v) => setLogo(db, str(v, 'file'), v.remove === true),
    print: (r) => {
      const result = r as LogoResult;
      if (result.removed) return t('operator.logoRemoved');
      return t('operator.logoSet', { file: result.file, type: result.type === 'image/png' ? 'PNG' : 'JPEG', size: (result.bytes / 1024).toFixed(1) });
    },
  },
];
