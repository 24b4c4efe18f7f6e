import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import dgram from 'node:dgram';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, startDaemon } from '../../scripts/daemon-process.js';
import { openDatabase } from '../../src/db/connection.js';
import { changePassword, findStaff } from '../../src/staff/index.js';
import { Code } from '../../src/radius/packet.js';
import { signedRequest } from '../support/packets.js';
import { lango, langoJson, radclient } from '../support/peers.js';

// The daemon as systemd and an operator see it: start, configuration errors, first admin,
// health, and a clean stop that keeps everything it acknowledged.

describe('daemon lifecycle', () => {
  it('stops with exit 2 and one clear line on a bad setting', () => {
    const run = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'src', 'main.js')], {
      env: { ...process.env, LANGO_AUTH_PORT: 'abc', LANGO_DB: '/nonexistent/never-created.db' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/LANGO_AUTH_PORT="abc": /);
  });

  it('creates the first admin once, with a one-time password in a file only the daemon user can read, never in the log, removed once changed', async () => {
    const first = await startDaemon();
    const line = first.logs().find((l) => l.includes('first staff account'));
    const file = path.join(first.dir, 'first-admin-password.txt');
    expect(line).toContain(`its one-time password is in ${file}`);
    const password = readFileSync(file, 'utf8').trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    // Only the daemon's user can read it, and the log never carries it.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.logs().some((l) => l.includes(password))).toBe(false);
    expect(await first.stop()).toBe(0);
    const second = await startDaemon({ dir: first.dir });
    expect(second.logs().some((l) => l.includes('first staff account'))).toBe(false);
    expect(await second.stop()).toBe(0);
    // Still unchanged: the file stays. Once the admin has chosen a password, the next start removes it.
    expect(existsSync(file)).toBe(true);
    const connection = openDatabase(first.dbPath);
    try {
      await changePassword(connection.db, { staffId: findStaff(connection.db, 'admin')!.id, current: password, next: 'Chosen-by-the-admin-2026', now: Date.now() });
    } finally {
      connection.close();
    }
    const third = await startDaemon({ dir: first.dir });
    expect(existsSync(file)).toBe(false);
    expect(third.logs().some((l) => l.includes('removed the first admin password file'))).toBe(true);
    expect(await third.stop()).toBe(0);
  });

  it('reports health, and keeps what it acknowledged across SIGTERM and a restart', async () => {
    const daemon = await startDaemon();
    const health = await fetch(`http://127.0.0.1:${daemon.httpPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: true, radius: true });

    expect(lango(daemon, 'nas', 'add', '--name', 'R1', '--ip', '127.0.0.1', '--secret', 'life-secret').status).toBe(0);
    const acct = radclient('Acct-Status-Type = Start\nAcct-Session-Id = "keep-1"\nUser-Name = "ann"\n', `127.0.0.1:${daemon.acctPort}`, 'acct', 'life-secret');
    expect(acct.status).toBe(0);
    const auth = radclient('User-Name = "nobody"\nUser-Password = "x"\nMessage-Authenticator = 0x00\nResponse-Packet-Type = Access-Reject\n', `127.0.0.1:${daemon.authPort}`, 'auth', 'life-secret');
    expect(auth.status).toBe(0);
    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(daemon.logs().some((l) => l.includes('"msg":"stopped"'))).toBe(true);

    const again = await startDaemon({ dir: daemon.dir });
    expect(langoJson<Array<{ acctSessionId: string }>>(again, 'sessions').map((s) => s.acctSessionId)).toEqual(['keep-1']);
    // The router proved it sends Message-Authenticator before the restart; `auto` still requires it.
    const bare = radclient('User-Name = "nobody"\nUser-Password = "x"\n', `127.0.0.1:${again.authPort}`, 'auth', 'life-secret');
    expect(bare.stdout + bare.stderr).toMatch(/No reply/);
    expect(await again.stop()).toBe(0);
  });

  it('on SIGTERM in the middle of an accounting burst, keeps every record it acknowledged', async () => {
    const daemon = await startDaemon();
    expect(lango(daemon, 'nas', 'add', '--name', 'R1', '--ip', '127.0.0.1', '--secret', 'burst-secret').status).toBe(0);
    const sockets = await Promise.all(
      Array.from({ length: 8 }, () => new Promise<dgram.Socket>((resolve) => {
        const socket = dgram.createSocket('udp4');
        socket.bind(0, '127.0.0.1', () => resolve(socket));
      })),
    );
    const acknowledged = new Set<string>();
    let firstReply: () => void;
    const replying = new Promise<void>((resolve) => (firstReply = resolve));
    sockets.forEach((socket, s) =>
      socket.on('message', (reply) => {
        acknowledged.add(`burst-${s}-${reply[1]}`);
        firstReply();
      }),
    );
    let sent = 0;
    for (let id = 0; id < 250; id++) {
      sockets.forEach((socket, s) => {
        const packet = signedRequest(Code.AccountingRequest, id, 'burst-secret', [
          ['Acct-Status-Type', 'Start'],
          ['Acct-Session-Id', `burst-${s}-${id}`],
          ['User-Name', `u${s}`],
        ]);
        socket.send(packet, daemon.acctPort, '127.0.0.1');
        sent++;
      });
    }
    await replying;
    expect(await daemon.stop('SIGTERM')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    sockets.forEach((socket) => socket.close());

    const again = await startDaemon({ dir: daemon.dir });
    const stored = new Set(langoJson<Array<{ acctSessionId: string }>>(again, 'sessions', '--limit', '5000').map((s) => s.acctSessionId));
    expect(await again.stop()).toBe(0);
    expect(acknowledged.size).toBeGreaterThan(0);
    const lost = [...acknowledged].filter((id) => !stored.has(id));
    expect(lost, `acknowledged ${acknowledged.size} of ${sent}, stored ${stored.size}`).toEqual([]);
  });
});
