import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { startRouterOsEmulator, type RouterOsEmulator, type RouterOsEmulatorOptions } from '../../scripts/emulators/routeros.js';
import { attributesOf, encodeSentence, SentenceReader } from '../../src/routeros/words.js';

// The emulator driven with raw API words over TCP, so what is checked is what any client on
// the wire would see (src/routeros/client.ts and node-routeros are only two such clients).

interface Wire {
  socket: Socket;
  send(words: string[]): void;
  /** The next sentence the router sends; rejects if none comes within `ms`. */
  next(ms?: number): Promise<string[]>;
  /** Sends a command and collects every sentence up to and including its `!done`. */
  talk(words: string[]): Promise<string[][]>;
  closed: Promise<void>;
}

const routers: RouterOsEmulator[] = [];
const wires: Wire[] = [];

afterEach(async () => {
  for (const wire of wires.splice(0)) wire.socket.destroy();
  for (const router of routers.splice(0)) await router.close();
});

async function router(options: RouterOsEmulatorOptions = {}): Promise<RouterOsEmulator> {
  const started = await startRouterOsEmulator({ username: 'lango', password: 's3cret', ...options });
  routers.push(started);
  return started;
}

async function wire(port: number, tls = false): Promise<Wire> {
  // Routers carry self-signed certificates; the emulator's is made up on the spot.
  const socket = tls ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
  await once(socket, tls ? 'secureConnect' : 'connect');
  const reader = new SentenceReader();
  const inbox: string[][] = [];
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    inbox.push(...reader.push(chunk));
    wake?.();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const next = async (ms = 2000): Promise<string[]> => {
    const deadline = Date.now() + ms;
    while (inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no answer');
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, left);
      });
    }
    return inbox.shift()!;
  };
  const opened: Wire = {
    socket,
    send: (words) => socket.write(encodeSentence(words)),
    next,
    async talk(words) {
      opened.send(words);
      const replies: string[][] = [];
      for (;;) {
        const sentence = await next();
        replies.push(sentence);
        if (sentence[0] === '!done' || sentence[0] === '!fatal') return replies;
      }
    },
    closed,
  };
  wires.push(opened);
  return opened;
}

async function loggedIn(port: number, tls = false): Promise<Wire> {
  const w = await wire(port, tls);
  expect(await w.talk(['/login', '=name=lango', '=password=s3cret'])).toEqual([['!done']]);
  return w;
}

/** The `!re` items of a reply as records. */
function itemsOf(replies: string[][]): Array<Record<string, string>> {
  return replies.filter((s) => s[0] === '!re').map((s) => attributesOf(s));
}

describe('RouterOS API emulator', () => {
  it('logs a client in with the right password, refuses a wrong one, and refuses commands before login', async () => {
    const r = await router();
    const w = await wire(r.port);
    expect(await w.talk(['/system/resource/print'])).toEqual([['!trap', '=message=not logged in'], ['!done']]);
    expect(await w.talk(['/login', '=name=lango', '=password=wrong'])).toEqual([['!trap', '=message=invalid user name or password (6)'], ['!done']]);
    expect(await w.talk(['/login', '=name=lango', '=password=s3cret'])).toEqual([['!done']]);
    const [resource] = itemsOf(await w.talk(['/system/resource/print']));
    expect(resource).toMatchObject({ version: '7.16.2 (stable)', 'board-name': 'hAP ac^2', 'architecture-name': 'arm' });
    expect(Number(resource!['cpu-load'])).toBeGreaterThanOrEqual(1);
    expect(Number(resource!['cpu-load'])).toBeLessThanOrEqual(40);
    expect(Number(resource!['free-memory'])).toBeLessThan(Number(resource!['total-memory']));
    expect(resource!.uptime).toMatch(/^3d4h12m\d+s$/);
    expect(r.commands).toEqual([['/system/resource/print']]);
  });

  it('takes the pre-6.43 challenge login and checks the MD5 response', async () => {
    const r = await router({ legacyLogin: true, version: '6.40.9' });
    const w = await wire(r.port);
    const [challenge] = await w.talk(['/login', '=name=lango', '=password=s3cret']);
    const ret = attributesOf(challenge!).ret!;
    expect(ret).toMatch(/^[0-9a-f]{32}$/);
    expect(await w.talk(['/login', '=name=lango', '=response=00' + '0'.repeat(32)])).toEqual([['!trap', '=message=cannot log in'], ['!done']]);
    const again = attributesOf((await w.talk(['/login']))[0]!).ret!;
    const response = '00' + createHash('md5').update(Buffer.concat([Buffer.from([0]), Buffer.from('s3cret'), Buffer.from(again, 'hex')])).digest('hex');
    expect(await w.talk(['/login', '=name=lango', `=response=${response}`])).toEqual([['!done']]);
    expect(r.commands).toEqual([]);
  });

  it('adds, sets and prints back an item, with .proplist and a query, echoing the tag on every sentence', async () => {
    const r = await router();
    const w = await loggedIn(r.port);
    const added = await w.talk(['/radius/add', '=address=203.0.113.10', '=secret=long-secret', '=service=hotspot,ppp', '=timeout=3000ms', '=comment=Lango', '.tag=a1']);
    expect(added).toEqual([['!done', '.tag=a1', '=ret=*1']]);
    expect(await w.talk(['/radius/add', '=address=198.51.100.7', '=secret=other', '=service=login'])).toEqual([['!done', '=ret=*2']]);
    expect(await w.talk(['/radius/set', '=.id=*1', '=accounting-backup=yes', '=require-message-auth=no'])).toEqual([['!done']]);

    const printed = await w.talk(['/radius/print', '=.proplist=.id,address,timeout,accounting-backup,require-message-auth', '?comment=Lango', '.tag=p7']);
    expect(printed).toEqual([
      ['!re', '.tag=p7', '=.id=*1', '=address=203.0.113.10', '=timeout=3s', '=accounting-backup=true', '=require-message-auth=no'],
      ['!done', '.tag=p7'],
    ]);
    const either = itemsOf(await w.talk(['/radius/print', '=.proplist=address', '?service=login', '?accounting-backup=yes', '?#|']));
    expect(either).toEqual([{ address: '203.0.113.10' }, { address: '198.51.100.7' }]);
    expect(itemsOf(await w.talk(['/radius/print', '=.proplist=address', '?-comment']))).toEqual([{ address: '198.51.100.7' }]);

    expect(await w.talk(['/radius/incoming/set', '=accept=yes', '=port=3799'])).toEqual([['!done']]);
    expect(r.items('/radius/incoming')).toEqual([{ accept: 'true', port: '3799', vrf: 'main' }]);
    expect(await w.talk(['/ip/hotspot/profile/set', '=numbers=hsprof1', '=use-radius=yes', '=radius-interim-update=300s'])).toEqual([['!done']]);
    expect(r.items('/ip/hotspot/profile').find((p) => p.name === 'hsprof1')).toMatchObject({ 'use-radius': 'true', 'radius-accounting': 'true', 'radius-interim-update': '5m', 'login-by': 'http-chap,cookie' });
    expect(await w.talk(['/radius/remove', '=.id=*2'])).toEqual([['!done']]);
    expect(r.items('/radius').map((i) => i['.id'])).toEqual(['*1']);
  });

  it('moves interface counters with time, and monitor-traffic answers once or streams until cancelled', async () => {
    const r = await router();
    const w = await loggedIn(r.port);
    const startedAt = Date.now();
    const first = itemsOf(await w.talk(['/interface/print', '=stats', '?name=ether1']));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = itemsOf(await w.talk(['/interface/print', '=stats=', '?name=ether1', '=.proplist=name,rx-byte,tx-byte,running,disabled,type']));
    expect(first).toHaveLength(1);
    expect(second).toEqual([expect.objectContaining({ name: 'ether1', running: 'true', disabled: 'false', type: 'ether' })]);
    const seconds = (Date.now() - startedAt) / 1000;
    // ether1 receives a steady 4 Mbit/s: at least a second's worth, at most that rate over the whole wait.
    const movedBits = (Number(second[0]!['rx-byte']) - Number(first[0]!['rx-byte'])) * 8;
    expect(movedBits).toBeGreaterThan(3_000_000);
    expect(movedBits / seconds).toBeLessThan(4_500_000);
    expect(Number(second[0]!['tx-byte'])).toBeGreaterThan(Number(first[0]!['tx-byte']));

    const once = await w.talk(['/interface/monitor-traffic', '=interface=bridge-hotspot', '=once=']);
    expect(once).toHaveLength(2);
    expect(Number(attributesOf(once[0]!)['tx-bits-per-second'])).toBeGreaterThan(1_000_000);

    w.send(['/interface/monitor-traffic', '=interface=ether1', '.tag=m']);
    expect((await w.next())[0]).toBe('!re');
    expect((await w.next(1500)).slice(0, 2)).toEqual(['!re', '.tag=m']);
    w.send(['/cancel', '=tag=m', '.tag=c']);
    const rest: string[][] = [];
    for (;;) {
      const s = await w.next();
      rest.push(s);
      if (s[0] === '!done' && s[1] === '.tag=m') break;
    }
    expect(rest.filter((s) => s[0] !== '!re')).toEqual([['!trap', '.tag=m', '=category=2', '=message=interrupted'], ['!done', '.tag=c'], ['!done', '.tag=m']]);
  });

  it('answers a bad command, an unknown parameter and a missing item with !trap and its message', async () => {
    const r = await router();
    const w = await loggedIn(r.port);
    expect(await w.talk(['/ip/hotspot/nonsense/print'])).toEqual([['!trap', '=category=0', '=message=no such command prefix'], ['!done']]);
    expect(await w.talk(['/ip/hotspot/active/add', '=user=x'])).toEqual([['!trap', '=category=0', '=message=no such command'], ['!done']]);
    expect(await w.talk(['/radius/add', '=address=10.0.0.1', '=colour=blue', '.tag=9'])).toEqual([['!trap', '.tag=9', '=category=1', '=message=unknown parameter colour'], ['!done', '.tag=9']]);
    expect(await w.talk(['/ip/hotspot/active/remove', '=.id=*7'])).toEqual([['!trap', '=category=0', '=message=no such item (4)'], ['!done']]);
    expect(await w.talk(['/ppp/aaa/set', '=.id=*1', '=use-radius=yes'])).toEqual([['!trap', '=category=1', '=message=unknown parameter .id'], ['!done']]);
    // The connection is still good after each trap.
    expect(itemsOf(await w.talk(['/system/identity/print']))).toEqual([{ name: 'MikroTik' }]);
  });

  it('answers a print that matches nothing with !empty from 7.18 and with a bare !done before', async () => {
    const newer = await router({ version: '7.18.2' });
    const w = await loggedIn(newer.port);
    expect(await w.talk(['/ip/hotspot/active/print', '.tag=e'])).toEqual([['!empty', '.tag=e'], ['!done', '.tag=e']]);
    expect(await w.talk(['/interface/print', '?name=ether9'])).toEqual([['!empty'], ['!done']]);

    const older = await router({ version: '7.17.2' });
    const v = await loggedIn(older.port);
    expect(await v.talk(['/ip/hotspot/active/print', '.tag=e'])).toEqual([['!done', '.tag=e']]);
  });

  it('speaks for the firmware it is: properties it does not know are refused and not printed', async () => {
    const old = await router({ version: '7.14.3', unknownProperties: ['radius-interim-update'] });
    const w = await loggedIn(old.port);
    expect(await w.talk(['/radius/add', '=address=203.0.113.10', '=secret=x', '=require-message-auth=yes-for-request-resp'])).toEqual([
      ['!trap', '=category=1', '=message=unknown parameter require-message-auth'],
      ['!done'],
    ]);
    expect(await w.talk(['/ip/hotspot/profile/set', '=numbers=hsprof1', '=radius-interim-update=received'])).toEqual([
      ['!trap', '=category=1', '=message=unknown parameter radius-interim-update'],
      ['!done'],
    ]);
    await w.talk(['/radius/add', '=address=203.0.113.10', '=secret=x']);
    expect(old.items('/radius')[0]).not.toHaveProperty('require-message-auth');
    expect(old.items('/ip/hotspot/profile')[0]).not.toHaveProperty('radius-interim-update');

    const current = await router({ version: '7.16.2' });
    const v = await loggedIn(current.port);
    await v.talk(['/radius/add', '=address=203.0.113.10', '=secret=x']);
    expect(current.items('/radius')[0]).toMatchObject({ 'require-message-auth': 'yes-for-request-resp' });

    const six = await router({ version: '6.49.10' });
    const s = await loggedIn(six.port);
    expect(await s.talk(['/radius/add', '=colour=blue'])).toEqual([['!trap', '=category=1', '=message=unknown parameter'], ['!done']]);
  });

  it('keeps hotspot and PPP users whose counters grow, and removes them (and the PPP queue) on request', async () => {
    const r = await router();
    const hotspotId = r.addHotspotUser({ user: 'amina', address: '10.5.50.20', macAddress: 'AA:BB:CC:00:00:01', inRate: 50_000, outRate: 200_000 });
    const pppId = r.addPppUser({ user: 'juma', address: '10.10.0.5', macAddress: 'AA:BB:CC:00:00:02', inRate: 40_000, outRate: 160_000, maxLimit: '2000000/5000000' });
    const w = await loggedIn(r.port);
    const before = itemsOf(await w.talk(['/ip/hotspot/active/print']))[0]!;
    expect(before).toMatchObject({ '.id': hotspotId, user: 'amina', address: '10.5.50.20', 'mac-address': 'AA:BB:CC:00:00:01', server: 'hotspot1' });
    const queue = itemsOf(await w.talk(['/queue/simple/print', '?name=<pppoe-juma>']))[0]!;
    expect(queue).toMatchObject({ target: '<pppoe-juma>', 'max-limit': '2000000/5000000', dynamic: 'true' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = itemsOf(await w.talk(['/ip/hotspot/active/print', `?.id=${hotspotId}`]))[0]!;
    expect(Number(after['bytes-out'])).toBeGreaterThan(Number(before['bytes-out']));
    const [upBytes, downBytes] = itemsOf(await w.talk(['/queue/simple/print', '?name=<pppoe-juma>']))[0]!.bytes!.split('/').map(Number);
    expect(downBytes).toBeGreaterThan(upBytes!);
    expect(itemsOf(await w.talk(['/ppp/active/print']))[0]).toMatchObject({ '.id': pppId, name: 'juma', service: 'pppoe', 'caller-id': 'AA:BB:CC:00:00:02' });

    expect(await w.talk(['/ip/hotspot/active/remove', `=.id=${hotspotId}`])).toEqual([['!done']]);
    expect(await w.talk(['/ppp/active/remove', `=.id=${pppId}`])).toEqual([['!done']]);
    expect(r.items('/ip/hotspot/active')).toEqual([]);
    expect(r.items('/ppp/active')).toEqual([]);
    expect(r.items('/queue/simple')).toEqual([]);
  });

  it('stays silent while unresponsive, never records a password, and drops only a connection that sends a control byte', async () => {
    const r = await router();
    const w = await loggedIn(r.port);
    const other = await loggedIn(r.port);
    expect(r.connections).toBe(2);

    r.setResponsive(false);
    w.send(['/system/identity/print']);
    await expect(w.next(500)).rejects.toThrow('no answer');
    r.setResponsive(true);
    expect(itemsOf(await w.talk(['/system/identity/print']))).toEqual([{ name: 'MikroTik' }]);

    await w.talk(['/ip/hotspot/user/add', '=name=guest', '=password=hunter2']);
    expect(r.commands).toContainEqual(['/ip/hotspot/user/add', '=name=guest', '=password=']);
    expect(JSON.stringify(r.commands)).not.toContain('hunter2');
    expect(JSON.stringify(r.commands)).not.toContain('s3cret');

    w.socket.write(Buffer.from([0xf8, 0x01]));
    await w.closed;
    expect(itemsOf(await other.talk(['/system/identity/print']))).toEqual([{ name: 'MikroTik' }]);
  });

  it('serves the API over TLS (api-ssl) when given a key and certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lango-routeros-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const r = await router({ tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });
      const w = await loggedIn(r.port, true);
      expect(itemsOf(await w.talk(['/system/identity/print']))).toEqual([{ name: 'MikroTik' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
