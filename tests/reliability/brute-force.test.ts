import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { langoJson, langoOk, radclient, until } from '../support/peers.js';
import { lastMessageId, readRow } from '../support/portal.js';

// Guessing is slow everywhere a password or code is typed, against the real daemon:
// - portal sign-in, its SMS-code steps, staff sign-in and its code/SMS steps answer 429 with a
//   plain sentence after 20 tries a minute from one address, while the real user, from another
//   address, still gets in (the limit is per client address);
// - on top of that, five wrong passwords lock the ACCOUNT for fifteen minutes (portal and staff),
//   from any address and even with the right password: pinned here, because it is the trade-off
//   between slowing a targeted guess and letting a stranger lock someone out;
// - voucher codes are typed on the router's hotspot page and reach Lango as Access-Requests:
//   ten wrong codes from one device (Calling-Station-Id) refuse that device for five minutes;
// - the log shows the attempts (status 429/423, refusals) and never the passwords typed.

const SECRET = 'brute-secret-4K';
const LIMIT = 20;
const STAFF_PASSWORD = 'office-boss-pass-1';
const GUESSES = Array.from({ length: LIMIT + 1 }, (_, i) => `guess-${String(i).padStart(2, '0')}-Zq`);
let daemon: Daemon;

beforeAll(async () => {
  daemon = await startDaemon();
  const ok = (...args: string[]) => langoOk(daemon, ...args);
  ok('nas', 'add', '--name', 'hs1', '--ip', '127.0.0.1', '--secret', SECRET);
  ok('plan', 'add', '--name', 'Day', '--price', '50', '--currency', 'KES', '--duration', '1d', '--rate', '2M/4M');
  ok('customer', 'add', '--username', 'wanjiru', '--password', 'net-pass-77', '--plan', 'Day', '--phone', '0712000111');
  ok('customer', 'add', '--username', 'deng', '--password', 'net-pass-78', '--plan', 'Day', '--phone', '0712000222');
  ok('staff', 'add', '--username', 'boss', '--role', 'admin', '--password', STAFF_PASSWORD);
  ok('staff', 'add', '--username', 'clerk', '--role', 'support', '--password', 'clerk-pass-word-2');
});

afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
});

interface Answer {
  status: number;
  location: string | undefined;
  body: string;
  cookies: Record<string, string>;
}

/** One HTTP exchange from a chosen loopback address: each 127.0.0.x is another client to the rate limiter. */
function send(method: 'GET' | 'POST', path: string, from: string, cookies: Record<string, string> = {}, form?: Record<string, string>): Promise<Answer> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: daemon.httpPort,
        method,
        path,
        localAddress: from,
        headers: {
          cookie: Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const jar = { ...cookies };
          for (const line of response.headers['set-cookie'] ?? []) {
            const [pair] = line.split(';');
            const at = pair!.indexOf('=');
            jar[pair!.slice(0, at)] = pair!.slice(at + 1);
          }
          resolve({ status: response.statusCode!, location: response.headers.location, body: text, cookies: jar });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** A browser's visit: the form page first (its cookie and _csrf), then the post with both. */
async function submit(formPath: string, postPath: string, from: string, fields: Record<string, string>, cookies: Record<string, string> = {}): Promise<Answer> {
  const page = await send('GET', formPath, from, cookies);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  expect(csrf, `no _csrf on ${formPath} (status ${page.status})`).toBeDefined();
  return send('POST', postPath, from, page.cookies, { ...fields, _csrf: csrf! });
}

/** Posts `times` tries and returns their statuses (the form page is fetched before each, as a browser would). */
async function hammer(times: number, try1: (i: number) => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < times; i++) answers.push(await try1(i));
  return answers;
}

/**
 * Uses up an address's 20 tries on a sign-in route: one real password try through the form, then
 * posts without the form's cookie (refused 403 before any password hashing). The limiter counts
 * every post alike; most skip the slow hash so the test stays quick on a busy machine.
 */
async function burst(path: string, from: string, fields: (i: number) => Record<string, string>): Promise<Answer[]> {
  const answers = [await submit(path, path, from, fields(0))];
  for (let i = 1; i < LIMIT; i++) answers.push(await send('POST', path, from, {}, { ...fields(i), _csrf: 'not-from-the-form' }));
  expect(answers.slice(1).every((a) => a.status === 403)).toBe(true);
  return answers;
}

const text = (answer: Answer) => answer.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('customer portal', () => {
  it('answers 429 with a plain sentence after 20 password tries a minute from one address', async () => {
    const answers = await burst('/portal/sign-in', '127.0.0.11', (i) => ({ identifier: 'no-such-customer', password: GUESSES[i]! }));
    expect(answers.slice(0, 2).map((a) => a.status)).toEqual([401, 403]);
    const last = await submit('/portal/sign-in', '/portal/sign-in', '127.0.0.11', { identifier: 'no-such-customer', password: GUESSES[LIMIT]! });
    expect(last.status).toBe(429);
    expect(text(last)).toContain('Too many tries from this network. Wait a minute and try again.');
  });

  it('still lets the real customer in by SMS code from another address', async () => {
    const before = lastMessageId(daemon);
    const asked = await submit('/portal/sign-in', '/portal/sign-in/code/send', '127.0.0.12', { identifier: '0712000111' });
    expect(asked.status).toBe(303);
    const sms = await until('the sign-in SMS', () => readRow<{ body: string }>(daemon, 'SELECT body FROM messages WHERE id > ? ORDER BY id DESC LIMIT 1', before));
    const code = /\d{6}/.exec(sms.body)![0];
    const signedIn = await submit('/portal/sign-in/code', '/portal/sign-in/code', '127.0.0.12', { code }, asked.cookies);
    expect(signedIn.status).toBe(303);
    expect(signedIn.cookies.lango_portal).toMatch(/.{20,}/);
  });

  it('limits the SMS-code steps per address too', async () => {
    const sends = await hammer(LIMIT + 1, () => submit('/portal/sign-in', '/portal/sign-in/code/send', '127.0.0.13', { identifier: '0799000000' }));
    expect(sends.slice(0, LIMIT).every((a) => a.status === 303)).toBe(true);
    expect(sends[LIMIT]!.status).toBe(429);
    const asked = sends[0]!;
    const codes = await hammer(LIMIT + 1, (i) => submit('/portal/sign-in/code', '/portal/sign-in/code', '127.0.0.14', { code: String(100000 + i) }, asked.cookies));
    expect(codes[LIMIT]!.status).toBe(429);
    expect(text(codes[LIMIT]!)).toContain('Too many tries from this network.');
  });

  it('locks the account after five wrong passwords, from any address, until staff unlock it (pinned behaviour)', async () => {
    const wrong = await hammer(5, (i) => submit('/portal/sign-in', '/portal/sign-in', `127.0.0.${20 + i}`, { identifier: '0712000222', password: GUESSES[i]! }));
    expect(wrong.map((a) => a.status)).toEqual([401, 401, 401, 401, 423]);
    const later = await submit('/portal/sign-in', '/portal/sign-in', '127.0.0.30', { identifier: 'deng', password: 'anything-at-all' });
    expect(later.status).toBe(423);
    langoOk(daemon, 'customer', 'unlock-portal', '--username', 'deng');
    expect((await submit('/portal/sign-in', '/portal/sign-in', '127.0.0.30', { identifier: 'deng', password: 'still-wrong-1' })).status).toBe(401);
  });
});

describe('staff sign-in', () => {
  it('answers 429 with a plain sentence after 20 tries a minute from one address', async () => {
    const answers = await burst('/staff/sign-in', '127.0.0.41', (i) => ({ username: 'no-such-staff', password: GUESSES[i]! }));
    expect(answers.slice(0, 2).map((a) => a.status)).toEqual([401, 403]);
    const last = await submit('/staff/sign-in', '/staff/sign-in', '127.0.0.41', { username: 'no-such-staff', password: GUESSES[LIMIT]! });
    expect(last.status).toBe(429);
    expect(text(last)).toContain('Too many sign-in attempts from this address. Wait a minute and try again.');
  });

  it('still lets the real administrator in from another address', async () => {
    const answer = await submit('/staff/sign-in', '/staff/sign-in', '127.0.0.42', { username: 'boss', password: STAFF_PASSWORD });
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/staff/');
    expect(answer.cookies.lango_staff).toMatch(/.{20,}/);
  });

  it('limits the code and SMS steps of a two-step sign-in per address', async () => {
    for (const [step, from] of [['/staff/sign-in/code', '127.0.0.43'], ['/staff/sign-in/code/sms', '127.0.0.44']] as const) {
      const answers = await hammer(LIMIT + 1, () => send('POST', step, from, {}, { code: '123456', _csrf: 'x' }));
      // Without a form cookie each try is refused (403); the limiter counts them all the same.
      expect(answers.slice(0, LIMIT).every((a) => a.status === 403), step).toBe(true);
      expect(answers[LIMIT]!.status, step).toBe(429);
    }
  });

  it('locks the account after five wrong passwords, even for the right password from elsewhere (pinned behaviour)', async () => {
    const wrong = await hammer(5, (i) => submit('/staff/sign-in', '/staff/sign-in', `127.0.0.${50 + i}`, { username: 'clerk', password: GUESSES[i]! }));
    expect(wrong.map((a) => a.status)).toEqual([401, 401, 401, 401, 423]);
    const right = await submit('/staff/sign-in', '/staff/sign-in', '127.0.0.60', { username: 'clerk', password: 'clerk-pass-word-2' });
    expect(right.status).toBe(423);
    expect(text(right)).toMatch(/locked/i);
  });
});

describe('hotspot vouchers (typed on the router page, checked over RADIUS)', () => {
  const login = (code: string, password: string, mac: string) =>
    radclient(`User-Name = "${code}"\nUser-Password = "${password}"\nCalling-Station-Id = "${mac}"\nMessage-Authenticator = 0x00\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET, ['-t', '2']);

  it('refuses a device after ten wrong codes, even with a right one, while another device gets in', () => {
    const { codes } = langoJson<{ codes: Array<{ code: string; password: string }> }>(daemon, 'voucher', 'create', '--plan', 'Day', '--count', '1');
    const real = codes[0]!;
    for (let i = 0; i < 10; i++) {
      const run = login(`ZZ${String(i).padStart(6, '0')}`, 'x', 'AA:BB:CC:00:00:01');
      expect(run.stdout).toContain('Received Access-Reject');
    }
    const blocked = login(real.code, real.password, 'AA:BB:CC:00:00:01');
    expect(blocked.stdout).toContain('Received Access-Reject');
    expect(blocked.stdout).toContain('Too many wrong codes from this device.');
    const other = login(real.code, real.password, 'AA:BB:CC:00:00:02');
    expect(other.stdout, other.stdout + other.stderr).toContain('Received Access-Accept');
  });
});

describe('the log of all those attempts', () => {
  it('shows the refusals and none of the passwords or codes typed', () => {
    const log = daemon.logs().join('\n');
    expect(log).toMatch(/"statusCode":429/);
    expect(log).toContain('sign-in refused: the account is locked');
    for (const typed of [...GUESSES, STAFF_PASSWORD, 'clerk-pass-word-2', 'net-pass-77', 'net-pass-78']) expect(log).not.toContain(typed);
  });
});
