import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addCustomer, addPlan, createSubscriberLookup, type Plan } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { createGroupCommit } from '../db/group-commit.js';
import { hideUserPassword } from '../radius/auth/pap.js';
import { encodeRequest } from '../radius/authenticators.js';
import { decodePacket, encodeAttribute } from '../radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../radius/dictionary.js';
import { Code } from '../radius/packet.js';
import type { HandlerResult, RadiusClient } from '../radius/server.js';
import { createAccessHandler } from './access.js';
import { resolveAttributes } from './attributes.js';
import { previewReply, previewUsage, type PreviewCase } from './reply-preview.js';
import type { UsageNow } from './usage.js';

// The plan page's reply preview against the real Access-Request handler: the same plan, the same
// moment and the same usage must give byte-for-byte the same Access-Accept attributes.

const dictionary = loadDictionary(defaultDictionaryPath());
const a = resolveAttributes(dictionary);
const box = createSecretBox(Buffer.alloc(32, 9));
const secret = Buffer.from('preview-secret');
const client: RadiusClient = { id: 1, name: 'R1', ip: '10.0.0.1', secret, requireMessageAuthenticator: 'no', messageAuthenticatorSeen: false };
const zone = 'Africa/Nairobi';
const NOW = DateTime.fromISO('2026-11-24T10:00', { zone }).toMillis();
const GB = 1e9;

let conn: Connection;
let usage: UsageNow = previewUsage(0);

function accessReply(username: string, password: string): Promise<HandlerResult> {
  const handler = createAccessHandler({
    subscribers: createSubscriberLookup(conn.db),
    usage: () => usage,
    activate: () => undefined,
    commit: createGroupCommit(conn.sqlite),
    box,
    attributes: a,
    interimSeconds: 300,
    staleGraceSeconds: 120,
    zone,
    logger: pino({ level: 'silent' }),
  });
  const authenticator = Buffer.alloc(16, 3);
  const datagram = encodeRequest({
    code: Code.AccessRequest,
    identifier: 1,
    authenticator,
    secret,
    messageAuthenticator: true,
    attributes: Buffer.concat([encodeAttribute(a.userName, username), encodeAttribute(a.userPassword, hideUserPassword(Buffer.from(password), secret, authenticator))]),
  });
  const packet = decodePacket(datagram, dictionary);
  return new Promise((resolve, reject) => handler({ kind: 'auth', client, packet, source: { address: client.ip, port: 1 } }, (r) => (r instanceof Error ? reject(r) : resolve(r))));
}

function accepted(c: PreviewCase): Buffer {
  if (c.outcome.kind !== 'accept') throw new Error(`the preview rejects: ${c.outcome.reason}`);
  return c.outcome.attributes;
}

let home: Plan;
let night: Plan;

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-preview-')), 'lango.db'));
  home = addPlan(conn.db, {
    name: 'Home 10M', priceMinor: 150_000, currency: 'KES', durationSeconds: 30 * 86400, rateLimit: '5M/10M', dataBytes: 100 * GB,
    fupTiers: [{ afterBytes: 50 * GB, rateLimit: '2M/4M' }, { afterBytes: 80 * GB, rateLimit: '512k/1M' }], idleTimeoutSeconds: 600, ipPool: 'home-pool',
  });
  night = addPlan(conn.db, { name: 'Night', priceMinor: 5_000, currency: 'KES', durationSeconds: 7 * 86400, rateLimit: '10M/10M', windowStartMinute: 22 * 60, windowEndMinute: 6 * 60, interimIntervalSeconds: 120 });
  addCustomer(conn.db, box, { username: 'alice', password: 'alice-pass', planName: 'Home 10M' }, zone);
});
afterAll(() => {
  vi.useRealTimers();
  conn.close();
});

describe('reply preview', () => {
  it('gives a fresh customer exactly the attributes the access handler sends', async () => {
    const [fresh] = previewReply(home, { now: NOW, zone, defaultInterimSeconds: 300, attributes: a, dictionary });
    usage = previewUsage(0);
    const reply = await accessReply('alice', 'alice-pass');
    expect(reply).toMatchObject({ kind: 'reply', code: Code.AccessAccept });
    expect(accepted(fresh!).equals((reply as { attributes: Buffer }).attributes)).toBe(true);
    expect(fresh!.outcome.kind === 'accept' && fresh!.outcome.rows).toEqual([
      { name: 'Mikrotik-Rate-Limit', value: '5M/10M' },
      { name: 'Session-Timeout', value: String(30 * 86400) },
      { name: 'Mikrotik-Total-Limit', value: String((100 * GB) % 2 ** 32) },
      { name: 'Mikrotik-Total-Limit-Gigawords', value: String(Math.floor((100 * GB) / 2 ** 32)) },
      { name: 'Acct-Interim-Interval', value: '300' },
      { name: 'Idle-Timeout', value: '600' },
      { name: 'Framed-Pool', value: 'home-pool' },
    ]);
  });

  it('gives a customer past each FUP tier the tier speed and the bytes left, as the access handler does', async () => {
    const cases = previewReply(home, { now: NOW, zone, defaultInterimSeconds: 300, attributes: a, dictionary });
    expect(cases.map((c) => c.tier)).toEqual([null, 0, 1]);
    for (const c of cases.slice(1)) {
      usage = previewUsage(c.usedBytes);
      const reply = await accessReply('alice', 'alice-pass');
      expect(accepted(c).equals((reply as { attributes: Buffer }).attributes)).toBe(true);
    }
    const rate = (c: PreviewCase) => (c.outcome.kind === 'accept' ? c.outcome.rows.find((r) => r.name === 'Mikrotik-Rate-Limit')?.value : undefined);
    expect(cases.map(rate)).toEqual(['5M/10M', '2M/4M', '512k/1M']);
  });

  it('previews a night plan by day at the start of its hours, with the session ending when they do', () => {
    const [c] = previewReply(night, { now: NOW, zone, defaultInterimSeconds: 300, attributes: a, dictionary });
    expect(DateTime.fromMillis(c!.at, { zone }).toFormat('yyyy-MM-dd HH:mm')).toBe('2026-11-24 22:00');
    const rows = c!.outcome.kind === 'accept' ? c!.outcome.rows : [];
    expect(rows).toContainEqual({ name: 'Session-Timeout', value: String(8 * 3600) });
    expect(rows).toContainEqual({ name: 'Acct-Interim-Interval', value: '120' });
  });
});
