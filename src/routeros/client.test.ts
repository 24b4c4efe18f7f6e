import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRouterOsEmulator } from '../../scripts/emulators/routeros.js';
import { connectRouterOs } from './client.js';
import { RouterOsError, type RouterOsEndpoint, type RouterOsSession } from './types.js';
import { attributesOf, encodeSentence, SentenceReader, tagOf } from './words.js';

const PASSWORD = 'n0t-in-any-message';

/** What the fake router does with one command sentence; `send` writes one reply sentence. */
type Script = (sentence: string[], send: (...words: string[]) => void, socket: Socket) => void;

interface FakeRouter {
  port: number;
  /** Every sentence received, in order. */
  received: string[][];
  close(): Promise<void>;
}

const servers: FakeRouter[] = [];
const sessions: RouterOsSession[] = [];

/** A router that logs `lango` in with PASSWORD, tells /system/resource and hands the rest to `script`. */
async function fakeRouter(script: Script = () => {}, login: Script = modernLogin): Promise<FakeRouter> {
  const received: string[][] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const reader = new SentenceReader();
    socket.on('data', (chunk) => {
      for (const sentence of reader.push(chunk)) {
        received.push(sentence);
        const tag = tagOf(sentence);
        const send = (...words: string[]): void => {
          if (!socket.destroyed) socket.write(encodeSentence(tag === undefined ? words : [...words, `.tag=${tag}`]));
        };
        if (sentence[0] === '/login') login(sentence, send, socket);
        else if (sentence[0] === '/system/resource/print') {
          send('!re', '=version=7.19.1 (stable)', '=board-name=hAP ax2');
          send('!done');
        } else script(sentence, send, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeRouter = {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  servers.push(fake);
  return fake;
}

const modernLogin: Script = (sentence, send) => {
  const given = attributesOf(sentence);
  if (given.name === 'lango' && given.password === PASSWORD) send('!done');
  else {
    send('!trap', '=message=invalid user name or password (6)');
    send('!done');
  }
};

function endpoint(port: number, extra: Partial<RouterOsEndpoint> = {}): RouterOsEndpoint {
  return { host: '127.0.0.1', port, tls: false, username: 'lango', password: PASSWORD, timeoutMs: 400, ...extra };
}

async function connect(port: number, extra: Partial<RouterOsEndpoint> = {}): Promise<RouterOsSession> {
  const session = await connectRouterOs(endpoint(port, extra));
  sessions.push(session);
  return session;
}

/** Resolves with the RouterOsError a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<RouterOsError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RouterOsError);
  return err as RouterOsError;
}

// node-routeros throws outside its promises; this client must never, whatever the router does.
const uncaught = vi.fn();
beforeAll(() => {
  process.on('uncaughtException', uncaught);
  process.on('unhandledRejection', uncaught);
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  expect(uncaught).not.toHaveBeenCalled();
});
afterAll(() => {
  process.off('uncaughtException', uncaught);
  process.off('unhandledRejection', uncaught);
});

describe('RouterOS API client', () => {
  it('logs in with the user name and password and learns the RouterOS version and board', async () => {
    const router = await fakeRouter();
    const session = await connect(router.port);
    expect(session.connected).toBe(true);
    expect(session.routerosVersion).toBe('7.19.1 (stable)');
    expect(session.boardName).toBe('hAP ax2');
    expect(router.received[0]).toEqual(['/login', '=name=lango', `=password=${PASSWORD}`, '.tag=1']);
    expect(router.received[1]).toEqual(['/system/resource/print', '=.proplist=version,board-name', '.tag=2']);
  });

  it('says the router refused the user name or password when the password is wrong, without repeating it', async () => {
    const router = await fakeRouter();
    const err = await failure(connectRouterOs(endpoint(router.port, { password: 'wrong-password' })));
    expect(err.kind).toBe('auth');
    expect(err.message).toBe('the router refused the user name or password');
    expect(err.message).not.toContain('wrong-password');
  });

  it('answers the challenge of a router older than 6.43 with the MD5 response it expects', async () => {
    const challenge = '8e2bd7b0e8a4ea1c7a0e7d0ce0a7d0a1';
    const expected = `00${createHash('md5').update(Buffer.concat([Buffer.from([0]), Buffer.from(PASSWORD), Buffer.from(challenge, 'hex')])).digest('hex')}`;
    const legacy: Script = (sentence, send) => {
      const given = attributesOf(sentence);
      if (given.response === undefined) send('!done', `=ret=${challenge}`);
      else if (given.name === 'lango' && given.response === expected) send('!done');
      else {
        send('!trap', '=message=cannot log in');
        send('!done');
      }
    };
    const router = await fakeRouter(undefined, legacy);
    const session = await connect(router.port);
    expect(session.connected).toBe(true);
    expect(router.received[1]).toEqual(['/login', '=name=lango', `=response=${expected}`, '.tag=2']);
  });

  it('returns the items of a print and the attributes of its done', async () => {
    const router = await fakeRouter((sentence, send) => {
      if (sentence[0] === '/interface/print') {
        send('!re', '=.id=*1', '=name=ether1', '=comment=a=b');
        send('!re', '=.id=*2', '=name=ether2');
        send('!done');
      } else if (sentence[0] === '/ip/hotspot/walled-garden/add') send('!done', '=ret=*A');
    });
    const session = await connect(router.port);
    expect(await session.run('/interface/print', ['=.proplist=.id,name,comment'])).toEqual({
      items: [{ '.id': '*1', name: 'ether1', comment: 'a=b' }, { '.id': '*2', name: 'ether2' }],
      done: {},
    });
    expect((await session.run('/ip/hotspot/walled-garden/add', ['=dst-host=pay.example'])).done).toEqual({ ret: '*A' });
  });

  it('treats !empty (RouterOS 7.18 and later) followed by !done as a print with no items', async () => {
    const router = await fakeRouter((_sentence, send) => {
      send('!empty');
      send('!done');
    });
    const session = await connect(router.port);
    expect(await session.run('/ip/hotspot/active/print', ['?user=nobody'])).toEqual({ items: [], done: {} });
  });

  it('rejects a command the router traps with its message and category, and the session keeps working', async () => {
    const router = await fakeRouter((sentence, send) => {
      if (sentence[0] === '/ip/hotspot/active/remove') {
        send('!trap', '=category=0', '=message=no such item (4)');
        send('!done');
      } else {
        send('!re', '=name=ether1');
        send('!done');
      }
    });
    const session = await connect(router.port);
    const err = await failure(session.run('/ip/hotspot/active/remove', ['=.id=*99']));
    expect(err).toMatchObject({ kind: 'trap', message: 'no such item (4)', category: 0 });
    expect((await session.run('/interface/print')).items).toEqual([{ name: 'ether1' }]);
    expect(session.connected).toBe(true);
  });

  it('still answers a print whose !empty or !trap is never followed by !done, once the timeout passes', async () => {
    const router = await fakeRouter((sentence, send) => {
      if (sentence[0] === '/ip/hotspot/active/print') send('!empty');
      else send('!trap', '=category=1', '=message=invalid value');
    });
    const session = await connect(router.port);
    expect((await session.run('/ip/hotspot/active/print')).items).toEqual([]);
    expect(await failure(session.run('/ip/hotspot/active/set'))).toMatchObject({ kind: 'trap', message: 'invalid value', category: 1 });
  });

  it('gives two commands in flight their own replies when the router answers out of order', async () => {
    let first: ((...words: string[]) => void) | undefined;
    const router = await fakeRouter((sentence, send) => {
      const name = sentence[0] === '/ppp/active/print' ? 'ppp' : 'hotspot';
      const answer = (): void => {
        send('!re', `=name=${name}`);
        send('!done');
      };
      if (!first) first = answer;
      else {
        answer();
        first();
      }
    });
    const session = await connect(router.port);
    const [ppp, hotspot] = await Promise.all([session.run('/ppp/active/print'), session.run('/ip/hotspot/active/print')]);
    expect(ppp.items).toEqual([{ name: 'ppp' }]);
    expect(hotspot.items).toEqual([{ name: 'hotspot' }]);
  });

  it('gives up on a router that accepts the connection but never answers, in about the timeout', async () => {
    const router = await fakeRouter(undefined, () => {});
    const started = Date.now();
    const err = await failure(connectRouterOs(endpoint(router.port, { timeoutMs: 300 })));
    expect(err.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('times a silent command out, cancels it on the router and ignores its late reply', async () => {
    let late: ((...words: string[]) => void) | undefined;
    const router = await fakeRouter((sentence, send) => {
      if (sentence[0] === '/tool/slow') late = send;
      else if (sentence[0] === '/interface/print') {
        send('!re', '=name=ether1');
        send('!done');
      }
    });
    const session = await connect(router.port);
    const err = await failure(session.run('/tool/slow'));
    expect(err.kind).toBe('timeout');
    await vi.waitFor(() => expect(router.received.at(-1)).toEqual(['/cancel', '=tag=3']));
    late?.('!re', '=name=too-late');
    late?.('!done');
    expect((await session.run('/interface/print')).items).toEqual([{ name: 'ether1' }]);
  });

  it('says the connection was refused when nothing listens on the API port', async () => {
    const router = await fakeRouter();
    const port = router.port;
    await router.close();
    const err = await failure(connectRouterOs(endpoint(port)));
    expect(err.kind).toBe('refused');
    expect(err.message).not.toContain(PASSWORD);
  });

  it('says the router cannot be reached when it resets the connection before login', async () => {
    const router = await fakeRouter(undefined, (_sentence, _send, socket) => socket.resetAndDestroy());
    const err = await failure(connectRouterOs(endpoint(router.port)));
    expect(err.kind).toBe('unreachable');
    expect(err.message).not.toContain(PASSWORD);
  });

  it('rejects a running command as closed when the router drops the connection', async () => {
    const router = await fakeRouter((_sentence, _send, socket) => socket.end());
    const session = await connect(router.port);
    const err = await failure(session.run('/ip/hotspot/active/print'));
    expect(err.kind).toBe('closed');
    expect(session.connected).toBe(false);
    expect((await failure(session.run('/interface/print'))).kind).toBe('closed');
  });

  it('rejects every running command as fatal with the reason when the router sends !fatal', async () => {
    const router = await fakeRouter((sentence, _send, socket) => {
      if (sentence[0] === '/ppp/active/print') socket.write(encodeSentence(['!fatal', 'session terminated on request']));
    });
    const session = await connect(router.port);
    const waiting = failure(session.run('/ip/hotspot/active/print'));
    const err = await failure(session.run('/ppp/active/print'));
    expect(err).toMatchObject({ kind: 'fatal', message: 'session terminated on request' });
    expect((await waiting).kind).toBe('fatal');
    await vi.waitFor(() => expect(session.connected).toBe(false));
  });

  it('hangs up with a protocol error when the router sends a control byte', async () => {
    const router = await fakeRouter((_sentence, _send, socket) => socket.write(Buffer.from([0xf8, 0x00])));
    const session = await connect(router.port);
    const err = await failure(session.run('/interface/print'));
    expect(err.kind).toBe('protocol');
    expect(session.connected).toBe(false);
  });

  it('ignores a reply whose tag belongs to no command', async () => {
    const router = await fakeRouter((sentence, send, socket) => {
      socket.write(encodeSentence(['!re', '=name=stray', '.tag=999']));
      socket.write(encodeSentence(['!done', '.tag=999']));
      socket.write(encodeSentence(['!re', '=name=untagged']));
      send('!done');
    });
    const session = await connect(router.port);
    expect(await session.run('/interface/print')).toEqual({ items: [], done: {} });
  });

  it('closes the session so that it reports itself disconnected', async () => {
    const router = await fakeRouter();
    const session = await connect(router.port);
    await session.close();
    expect(session.connected).toBe(false);
    expect((await failure(session.run('/interface/print'))).kind).toBe('closed');
  });
});

describe('RouterOS API client against the router emulator', () => {
  it('logs in to the emulated router and lists its interfaces', async () => {
    const router = await startRouterOsEmulator({ username: 'lango', password: PASSWORD, version: '7.18.2' });
    try {
      const session = await connect(router.port);
      expect(session.routerosVersion).toMatch(/^7\.18\.2/);
      const { items } = await session.run('/interface/print', ['=.proplist=name,type']);
      console.log('/interface on the emulator:', items);
      expect(items.map((i) => i.name)).toContain('ether1');
      expect((await session.run('/ip/hotspot/active/print', ['?user=nobody'])).items).toEqual([]);
    } finally {
      await Promise.all(sessions.splice(0).map((s) => s.close()));
      await router.close();
    }
  });

  it('connects over TLS to a self-signed router unless asked to check its certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lango-routeros-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=router.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const router = await startRouterOsEmulator({ username: 'lango', password: PASSWORD, tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });
      try {
        const session = await connect(router.port, { tls: true, timeoutMs: 2000 });
        expect(session.connected).toBe(true);
        const err = await failure(connectRouterOs(endpoint(router.port, { tls: true, timeoutMs: 2000, verifyCertificate: true })));
        expect(err.kind).toBe('tls');
      } finally {
        await Promise.all(sessions.splice(0).map((s) => s.close()));
        await router.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
