import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Seals secrets that must be recoverable (network passwords for CHAP/MS-CHAPv2, NAS shared
 * secrets) with AES-256-GCM under a key kept in a file outside the database, so a stolen or
 * backed-up database alone does not give away any password.
 */
export interface SecretBox {
  seal(plain: string): string;
  /** Throws SecretBoxError when the value was sealed under another key or was altered. */
  open(sealed: string): string;
}

export class SecretBoxError extends Error {}

const VERSION = 'v1';

/**
 * `rememberOpened` keeps up to that many opened values in memory. Every seal uses a fresh IV,
 * so a sealed string names exactly one clear value and a remembered one can never be stale;
 * it saves the Access-Request path a cipher set-up per login. The daemon sets it; the CLI
 * does not need it.
 */
export function createSecretBox(key: Buffer, options: { rememberOpened?: number } = {}): SecretBox {
  if (key.length !== 32) throw new SecretBoxError('the key must be 32 bytes');
  const box = sealAndOpen(key);
  const limit = options.rememberOpened ?? 0;
  if (limit <= 0) return box;
  const opened = new Map<string, string>();
  return {
    seal: box.seal,
    open(sealed) {
      let plain = opened.get(sealed);
      if (plain === undefined) {
        plain = box.open(sealed);
        // Oldest first out: Map keeps insertion order.
        if (opened.size >= limit) opened.delete(opened.keys().next().value!);
        opened.set(sealed, plain);
      }
      return plain;
    },
  };
}

function sealAndOpen(key: Buffer): SecretBox {
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed) {
      const [version, payload] = sealed.split(':', 2);
      if (version !== VERSION || payload === undefined) throw new SecretBoxError('not a sealed value');
      const raw = Buffer.from(payload, 'base64');
      if (raw.length < 28) throw new SecretBoxError('sealed value is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('cannot open a sealed value: the key file does not match this database');
      }
    },
  };
}

/**
 * Reads the key file, creating it (mode 0600) on first use. Creation uses O_EXCL so the daemon
 * and a CLI call starting together cannot end up with two different keys.
 */
export function loadOrCreateKey(file: string): Buffer {
  try {
    return parseKey(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseKey(readFileSync(file, 'utf8'), file);
}

function parseKey(text: string, file: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new SecretBoxError(`${file}: expected 64 hex characters (a 32-byte key)`);
  }
  return Buffer.from(hex, 'hex');
}
