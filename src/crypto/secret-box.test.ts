import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretBox, loadOrCreateKey, SecretBoxError } from './secret-box.js';

describe('secret box', () => {
  it('opens what it sealed, and never stores the clear text', () => {
    const box = createSecretBox(Buffer.alloc(32, 7));
    const sealed = box.seal('s3cr3t-pässword');
    expect(sealed).not.toContain('s3cr3t');
    expect(box.open(sealed)).toBe('s3cr3t-pässword');
  });

  it('seals the same value differently each time', () => {
    const box = createSecretBox(Buffer.alloc(32, 7));
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('refuses a value sealed under another key with a plain explanation', () => {
    const sealed = createSecretBox(Buffer.alloc(32, 1)).seal('x');
    expect(() => createSecretBox(Buffer.alloc(32, 2)).open(sealed)).toThrow(/key file does not match/);
  });

  it('creates a private key file once and reads the same key afterwards', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lango-key-'));
    const file = path.join(dir, 'sub', 'secret.key');
    const first = loadOrCreateKey(file);
    expect(loadOrCreateKey(file).equals(first)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toHaveLength(64);
  });

  it('rejects a damaged key file instead of silently making a new key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lango-key-'));
    const file = path.join(dir, 'secret.key');
    writeFileSync(file, 'not a key');
    expect(() => loadOrCreateKey(file)).toThrow(SecretBoxError);
  });

  it('remembers opened values without ever serving a stale one', () => {
    const box = createSecretBox(Buffer.alloc(32, 7), { rememberOpened: 2 });
    const first = box.seal('old-password');
    const second = box.seal('new-password');
    expect(box.open(first)).toBe('old-password');
    expect(box.open(first)).toBe('old-password');
    expect(box.open(second)).toBe('new-password');
    expect(box.open(box.seal('third'))).toBe('third');
    expect(box.open(first)).toBe('old-password');
  });

  it('still refuses a forged value when remembering', () => {
    const box = createSecretBox(Buffer.alloc(32, 7), { rememberOpened: 10 });
    expect(() => box.open(createSecretBox(Buffer.alloc(32, 8)).seal('x'))).toThrow(SecretBoxError);
  });
});
