import Database from 'better-sqlite3';
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreeRadius, type FreeRadius, type FreeRadiusBackend } from '../../scripts/freeradius.js';
import { radclient } from '../support/peers.js';

// The bench's FreeRADIUS peer must be a working server before its figures mean anything: for
// each backend, Debian's radclient gets the answers a router would, and accounting lands where
// the bench's footnote says it does.

const SECRET = 'peer-secret-4k';
const USERS = [
  { username: 'user00001', password: 'pw-00001' },
  { username: 'user00002', password: 'pw-00002' },
  { username: 'user00003', password: 'pw-00003' },
];

function auth(server: FreeRadius, input: string): string {
  return radclient(input, `127.0.0.1:${server.authPort}`, 'auth', SECRET).stdout;
}

function acct(server: FreeRadius, input: string): string {
  return radclient(input, `127.0.0.1:${server.acctPort}`, 'acct', SECRET).stdout;
}

describe.each<FreeRadiusBackend>(['files', 'sql'])('FreeRADIUS with the %s backend', (backend) => {
  let server: FreeRadius;

  beforeAll(async () => {
    server = await startFreeRadius({ backend, users: USERS, secret: SECRET, requireMessageAuthenticator: true });
  });

  afterAll(async () => {
    await server?.stop();
    if (server) rmSync(server.dir, { recursive: true, force: true });
  });

  it('reports the Debian version it runs', () => {
    expect(server.version).toMatch(/^3\.2\.\d+$/);
  });

  it('accepts PAP with Message-Authenticator for a user from the list', () => {
    const reply = auth(server, 'User-Name = "user00002", User-Password = "pw-00002", Message-Authenticator = 0x00');
    expect(reply).toContain('Received Access-Accept');
  });

  it('accepts CHAP for a user from the list', () => {
    const reply = auth(server, 'User-Name = "user00003", CHAP-Password = "pw-00003", Message-Authenticator = 0x00');
    expect(reply).toContain('Received Access-Accept');
  });

  it('rejects a wrong password', () => {
    const reply = auth(server, 'User-Name = "user00001", User-Password = "not-it", Message-Authenticator = 0x00');
    expect(reply).toContain('Received Access-Reject');
  });

  it('does not accept a request without Message-Authenticator when the client requires it', () => {
    const reply = auth(server, 'User-Name = "user00001", User-Password = "pw-00001"');
    expect(reply).not.toContain('Access-Accept');
  });

  it('answers accounting Start and Interim-Update and keeps the interim counters', () => {
    const session = `User-Name = "user00001", Acct-Session-Id = "${backend}-s1", NAS-IP-Address = 127.0.0.1, NAS-Port = 7, Framed-IP-Address = 10.0.0.7`;
    expect(acct(server, `${session}, Acct-Status-Type = Start`)).toContain('Received Accounting-Response');
    expect(
      acct(server, `${session}, Acct-Status-Type = Interim-Update, Acct-Session-Time = 60, Acct-Input-Octets = 1234, Acct-Output-Octets = 56789`),
    ).toContain('Received Accounting-Response');

    if (backend === 'sql') {
      const db = new Database(server.accountingPath, { readonly: true });
      try {
        const rows = db
          .prepare('SELECT username, acctsessiontime, acctinputoctets, acctoutputoctets, acctstoptime FROM radacct WHERE acctsessionid = ?')
          .all(`${backend}-s1`);
        expect(rows).toEqual([{ username: 'user00001', acctsessiontime: 60, acctinputoctets: 1234, acctoutputoctets: 56789, acctstoptime: null }]);
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        db.close();
      }
    } else {
      const detail = readFileSync(server.accountingPath, 'utf8');
      expect(detail).toContain('Acct-Status-Type = Interim-Update');
      expect(detail).toContain('Acct-Input-Octets = 1234');
    }
  });
});

describe('FreeRADIUS without require_message_authenticator', () => {
  let server: FreeRadius;

  beforeAll(async () => {
    server = await startFreeRadius({ backend: 'files', users: USERS, secret: SECRET });
  });

  afterAll(async () => {
    await server?.stop();
    if (server) rmSync(server.dir, { recursive: true, force: true });
  });

  it('accepts PAP without Message-Authenticator, as a legacy router sends it', () => {
    expect(auth(server, 'User-Name = "user00001", User-Password = "pw-00001"')).toContain('Received Access-Accept');
  });
});

describe('FreeRADIUS peer set-up', () => {
  it('refuses, before starting anything, a username the sql backend would escape and never find', async () => {
    await expect(startFreeRadius({ backend: 'sql', users: [{ username: 'ann*smith', password: 'pw' }], secret: SECRET })).rejects.toThrow(
      /cannot serve the username "ann\*smith"/,
    );
  });
});
