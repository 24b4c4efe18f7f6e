import { describe, expect, it } from 'vitest';
import { FuzzGenerator, type FuzzPacket } from '../../scripts/fuzz-packets.js';
import { verifyMessageAuthenticator, verifyRequestAuthenticator } from '../../src/radius/authenticators.js';
import { decodePacket, MalformedPacketError } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';
import { Code } from '../../src/radius/packet.js';

// The fuzzer's labels are only worth the counts they produce if they are right. Here each
// predictable label is checked against the daemon's own decoder and authenticator checks, one
// packet at a time, without a daemon.

const dictionary = loadDictionary(defaultDictionaryPath());
const SECRET = 'fuzz-secret-123';
const secret = Buffer.from(SECRET);
const generator = (seed: number) => new FuzzGenerator({ seed, secret: SECRET, dictionary, user: { name: 'fuzzuser', password: 'fuzz-pass-1' } });

const CODEC_REASONS = new Set([
  'too_short', 'bad_length', 'truncated_attribute', 'bad_attribute_type', 'bad_attribute_length',
  'bad_message_authenticator_length', 'repeated_message_authenticator',
]);

/** What the packet's own bytes say the daemon must do, as far as decoding and signatures go. */
function check(p: FuzzPacket): void {
  const where = `${p.name} (expects ${p.expect})`;
  if (p.expect === 'unpredictable' || p.source === 'stranger') {
    expect(p.source === 'stranger' ? p.expect : 'unknown_nas', where).toBe('unknown_nas');
    return;
  }
  if (CODEC_REASONS.has(p.expect)) {
    let reason: string | undefined;
    try {
      decodePacket(p.bytes, dictionary);
    } catch (err) {
      if (err instanceof MalformedPacketError) reason = err.reason;
      else throw err;
    }
    expect(reason, where).toBe(p.expect);
    return;
  }
  const packet = decodePacket(p.bytes, dictionary);
  const ma = packet.messageAuthenticatorOffset >= 0;
  switch (p.expect) {
    case 'answered':
      if (packet.code === Code.AccessRequest) {
        expect(p.port, where).toBe('auth');
        expect(ma && verifyMessageAuthenticator(packet, secret), where).toBe(true);
      } else if (packet.code === Code.AccountingRequest) {
        expect(p.port, where).toBe('acct');
        expect(verifyRequestAuthenticator(packet, secret), where).toBe(true);
        if (ma) expect(verifyMessageAuthenticator(packet, secret), where).toBe(true);
      } else {
        expect(packet.code, where).toBe(Code.StatusServer);
        expect(ma && verifyMessageAuthenticator(packet, secret), where).toBe(true);
      }
      return;
    case 'bad_message_authenticator':
      expect(ma, where).toBe(true);
      if (packet.code === Code.AccountingRequest) expect(verifyRequestAuthenticator(packet, secret), where).toBe(true);
      expect(verifyMessageAuthenticator(packet, secret), where).toBe(false);
      return;
    case 'missing_message_authenticator':
      expect(ma, where).toBe(false);
      expect([Code.AccessRequest, Code.StatusServer], where).toContain(packet.code);
      return;
    case 'bad_authenticator':
      expect(packet.code, where).toBe(Code.AccountingRequest);
      expect(verifyRequestAuthenticator(packet, secret), where).toBe(false);
      return;
    case 'wrong_port':
      expect(packet.code, where).toBe(p.port === 'auth' ? Code.AccountingRequest : Code.AccessRequest);
      return;
    case 'unexpected_code':
      expect([Code.AccessRequest, Code.AccountingRequest, Code.StatusServer], where).not.toContain(packet.code);
      return;
    case 'missing_acct_status_type':
    case 'missing_acct_session_id':
      expect(packet.code, where).toBe(Code.AccountingRequest);
      expect(verifyRequestAuthenticator(packet, secret), where).toBe(true);
      expect(packet.attributes.some((a) => a.vendor === 0 && a.type === (p.expect === 'missing_acct_status_type' ? 40 : 44)), where).toBe(false);
      return;
    default:
      throw new Error(`no check for ${where}`);
  }
}

describe('the fuzz packet generator', () => {
  it('labels every packet with what the decoder and the signature checks actually do with it', () => {
    const g = generator(7);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const p = g.next();
      seen.add(p.name);
      check(p);
    }
    // Every case but the rare 65 KB datagram turns up in a short run.
    const missing = g.caseNames.filter((name) => !seen.has(name) && !name.includes('65 KB'));
    expect(missing).toEqual([]);
  });

  it('gives the same packets for the same seed and different ones for another', () => {
    const [a, b, c] = [generator(42), generator(42), generator(43)];
    const first = Array.from({ length: 500 }, () => a.next().bytes.toString('hex'));
    expect(Array.from({ length: 500 }, () => b.next().bytes.toString('hex'))).toEqual(first);
    expect(Array.from({ length: 500 }, () => c.next().bytes.toString('hex'))).not.toEqual(first);
  });

  it('reaches the size limits: a 4096-byte packet that decodes, datagrams over 4096, and empty ones', () => {
    const g = generator(1);
    const sizes = new Map<string, number[]>();
    for (let i = 0; i < 30_000; i++) {
      const p = g.next();
      sizes.set(p.name, [...(sizes.get(p.name) ?? []), p.bytes.length]);
    }
    expect(new Set(sizes.get('access 4096 bytes'))).toEqual(new Set([4096]));
    expect(Math.min(...sizes.get('Length above 4096')!)).toBeGreaterThan(4096);
    expect(Math.max(...sizes.get('Length above 4096')!)).toBeGreaterThan(9000);
    expect(sizes.get('shorter than a header')).toContain(0);
  });
});
