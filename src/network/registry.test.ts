import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addNas } from '../aaa/nas.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { findRouterApi, listRouterApis, recordRouterContact, recordRouterFailure, removeRouterApi, routerEndpoint, setRouterApi } from './registry.js';

const box = createSecretBox(Buffer.alloc(32, 7));
let conn: Connection;
let r1: number;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-router-api-')), 'lango.db'));
  r1 = addNas(conn.db, box, { name: 'R1', ip: '192.168.88.1', secret: 'testing123' }).id;
});
afterEach(() => conn.close());

function refusal(work: () => unknown): string | undefined {
  try {
    work();
  } catch (err) {
    if (err instanceof LangoError) return err.code;
    throw err;
  }
  return undefined;
}

describe('router API access', () => {
  it('stores API access with the password sealed, and gives it back only through routerEndpoint', () => {
    const { before, after } = setRouterApi(conn.db, box, r1, { host: ' 10.8.0.2 ', username: 'lango', password: 'api-pass', site: '  Kibera ', model: '' }, 1000);
    expect(before).toBeUndefined();
    expect(after).toMatchObject({ nasId: r1, nasName: 'R1', nasIp: '192.168.88.1', host: '10.8.0.2', port: 8728, tls: false, username: 'lango', site: 'Kibera', model: null, monitor: true, updatedAt: 1000 });
    expect(JSON.stringify(after)).not.toContain('api-pass');
    const stored = conn.sqlite.prepare('SELECT password_sealed FROM router_api').get() as { password_sealed: string };
    expect(stored.password_sealed).not.toContain('api-pass');
    expect(routerEndpoint(conn.db, box, r1, 5000)).toEqual({ host: '10.8.0.2', port: 8728, tls: false, username: 'lango', password: 'api-pass', timeoutMs: 5000 });
  });

  it('uses port 8729 for api-ssl unless a port is given', () => {
    expect(setRouterApi(conn.db, box, r1, { host: 'r1.example.co.ke', tls: true, username: 'lango', password: 'x' }).after.port).toBe(8729);
    expect(setRouterApi(conn.db, box, r1, { host: 'r1.example.co.ke', tls: true, port: 9729, username: 'lango' }).after.port).toBe(9729);
  });

  it('keeps the stored password when an edit leaves it blank, and the monitor choice when not given', () => {
    setRouterApi(conn.db, box, r1, { host: '10.8.0.2', username: 'lango', password: 'first', monitor: false });
    const { before, after } = setRouterApi(conn.db, box, r1, { host: '10.8.0.3', username: 'lango', password: '' });
    expect(before?.host).toBe('10.8.0.2');
    expect(after).toMatchObject({ host: '10.8.0.3', monitor: false });
    expect(routerEndpoint(conn.db, box, r1, 1)?.password).toBe('first');
  });

  it('refuses bad input with a plain reason and changes nothing', () => {
    expect(refusal(() => setRouterApi(conn.db, box, r1, { host: 'not a host!', username: 'lango', password: 'x' }))).toBe('ROUTER_BAD_API_HOST');
    expect(refusal(() => setRouterApi(conn.db, box, r1, { host: '10.8.0.2', port: 70000, username: 'lango', password: 'x' }))).toBe('ROUTER_BAD_API_PORT');
    expect(refusal(() => setRouterApi(conn.db, box, r1, { host: '10.8.0.2', username: ' ', password: 'x' }))).toBe('ROUTER_BAD_API_USER');
    expect(refusal(() => setRouterApi(conn.db, box, r1, { host: '10.8.0.2', username: 'lango', password: 'x'.repeat(129) }))).toBe('INPUT_BAD_PASSWORD');
    expect(refusal(() => setRouterApi(conn.db, box, r1, { host: '10.8.0.2', username: 'lango', password: 'x', site: 'x'.repeat(65) }))).toBe('INPUT_BAD_NAME');
    expect(refusal(() => setRouterApi(conn.db, box, r1, { host: '10.8.0.2', username: 'lango' }))).toBe('ROUTER_API_PASSWORD_NEEDED');
    expect(refusal(() => setRouterApi(conn.db, box, 999, { host: '10.8.0.2', username: 'lango', password: 'x' }))).toBe('ROUTER_UNKNOWN');
    expect(listRouterApis(conn.db)).toEqual([]);
  });

  it('lists routers with API access by name and forgets one on removal', () => {
    const r2 = addNas(conn.db, box, { name: 'Alpha', ip: '192.168.88.2', secret: 'testing123' }).id;
    setRouterApi(conn.db, box, r1, { host: '10.8.0.2', username: 'lango', password: 'x' });
    setRouterApi(conn.db, box, r2, { host: '10.8.0.3', username: 'lango', password: 'x' });
    expect(listRouterApis(conn.db).map((r) => r.nasName)).toEqual(['Alpha', 'R1']);
    expect(removeRouterApi(conn.db, r2)).toBe(true);
    expect(removeRouterApi(conn.db, r2)).toBe(false);
    expect(findRouterApi(conn.db, r2)).toBeUndefined();
    expect(routerEndpoint(conn.db, box, r2, 1)).toBeUndefined();
  });

  it('records a failure in words and clears it on the next contact, keeping what the router said about itself', () => {
    setRouterApi(conn.db, box, r1, { host: '10.8.0.2', username: 'lango', password: 'x' }, 1000);
    recordRouterContact(conn.db, r1, { routerosVersion: '7.16.2', boardName: 'hAP ax2' }, 2000);
    recordRouterFailure(conn.db, r1, 'trap', 'no such command', 3000);
    expect(findRouterApi(conn.db, r1)).toMatchObject({ lastContactAt: 2000, lastErrorKind: 'trap', lastErrorDetail: 'no such command', lastErrorAt: 3000 });
    recordRouterContact(conn.db, r1, {}, 4000);
    expect(findRouterApi(conn.db, r1)).toMatchObject({ routerosVersion: '7.16.2', boardName: 'hAP ax2', lastContactAt: 4000, lastErrorKind: null, lastErrorDetail: null, lastErrorAt: null, updatedAt: 1000 });
  });
});
