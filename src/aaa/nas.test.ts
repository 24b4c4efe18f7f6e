import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { addNas, editNas, findNas, generateNasSecret, listNasPage, rotateNasSecret } from './nas.js';
import { NasDirectory } from './nas-directory.js';

const box = createSecretBox(Buffer.alloc(32, 7));
let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-nas-data-')), 'lango.db'));
});
afterEach(() => conn.close());

describe('routers as staff manage them', () => {
  it('generates long secrets without look-alike characters, different every time', () => {
    const a = generateNasSecret();
    const b = generateNasSecret();
    expect(a).toHaveLength(24);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-km-zA-HJ-NP-Z2-9]+$/);
  });

  it('lists routers a page at a time, filtered by name or address', () => {
    for (let i = 1; i <= 5; i++) addNas(conn.db, box, { name: `tower-${i}`, ip: `10.0.0.${i}`, secret: 'testing123' });
    addNas(conn.db, box, { name: 'Office', ip: '192.168.88.1', secret: 'testing123' });
    expect(listNasPage(conn.db, { offset: 0, limit: 4 }).map((n) => n.name)).toEqual(['Office', 'tower-1', 'tower-2', 'tower-3']);
    expect(listNasPage(conn.db, { offset: 4, limit: 4 }).map((n) => n.name)).toEqual(['tower-4', 'tower-5']);
    expect(listNasPage(conn.db, { query: 'TOWER-3', offset: 0, limit: 10 }).map((n) => n.name)).toEqual(['tower-3']);
    expect(listNasPage(conn.db, { query: '192.168', offset: 0, limit: 10 }).map((n) => n.name)).toEqual(['Office']);
  });

  it('renames a router and changes its Message-Authenticator rule, refusing a name another router has', () => {
    const r1 = addNas(conn.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' });
    addNas(conn.db, box, { name: 'R2', ip: '10.0.0.2', secret: 'testing123' });
    const changed = editNas(conn.db, r1.id, { name: 'Tower', requireMessageAuthenticator: 'yes' });
    expect(changed?.before).toMatchObject({ name: 'R1', requireMessageAuthenticator: 'auto' });
    expect(changed?.after).toMatchObject({ name: 'Tower', requireMessageAuthenticator: 'yes' });
    expect(() => editNas(conn.db, r1.id, { name: 'R2' })).toThrow(expect.objectContaining({ code: 'INPUT_DUPLICATE_NAS_NAME' }));
    expect(editNas(conn.db, 999, { name: 'x' })).toBeUndefined();
    expect(findNas(conn.db, r1.id)?.name).toBe('Tower');
  });

  it('rotates a secret so the running directory answers with the new one after its refresh', () => {
    const r1 = addNas(conn.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'old-secret-1' });
    const directory = new NasDirectory(conn.db, box, pino({ level: 'silent' }));
    directory.load();
    expect(() => rotateNasSecret(conn.db, box, r1.id, 'short')).toThrow(expect.objectContaining({ code: 'INPUT_BAD_SECRET' }));
    rotateNasSecret(conn.db, box, r1.id, 'new-secret-2');
    directory.load();
    expect(directory.find('10.0.0.1')?.secret.toString()).toBe('new-secret-2');
    expect(rotateNasSecret(conn.db, box, 999, 'new-secret-3')).toBeUndefined();
  });
});
