import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from './http-bad-input.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tokensDb(): { path: string; db: Database.Database } {
  dir = mkdtempSync(join(tmpdir(), 'lango-fingerprint-'));
  const path = join(dir, 'lango.db');
  const db = new Database(path);
  db.exec('CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL, last_used_at INTEGER)');
  db.prepare('INSERT INTO api_tokens (name, last_used_at) VALUES (?, ?)').run('reports', null);
  return { path, db };
}

describe('database fingerprint for the bad-input run', () => {
  it('ignores the API token last-used stamp that every call updates', () => {
    const { path, db } = tokensDb();
    const before = fingerprint(path);
    db.prepare('UPDATE api_tokens SET last_used_at = ?').run(Date.now());
    expect(fingerprint(path)).toEqual(before);
    db.close();
  });

  it('catches an API token created, renamed or deleted', () => {
    const { path, db } = tokensDb();
    const before = fingerprint(path).api_tokens;
    db.prepare('INSERT INTO api_tokens (name) VALUES (?)').run('intruder');
    expect(fingerprint(path).api_tokens).not.toBe(before);
    db.prepare("DELETE FROM api_tokens WHERE name = 'intruder'").run();
    expect(fingerprint(path).api_tokens).toBe(before);
    db.prepare("UPDATE api_tokens SET name = 'renamed'").run();
    expect(fingerprint(path).api_tokens).not.toBe(before);
    db.prepare('DELETE FROM api_tokens').run();
    expect(fingerprint(path).api_tokens).toMatch(/^0 rows/);
    db.close();
  });
});
