import { hideUserPassword } from '../src/radius/auth/pap.js';
import { MAX_PACKET, MIN_PACKET, encodeAttribute, type AttributeValue } from '../src/radius/codec.js';
import type { DataType, Dictionary } from '../src/radius/dictionary.js';
import { hmacMd5, md5 } from '../src/radius/md5.js';
import { Attr, Code } from '../src/radius/packet.js';
import { mulberry32 } from './kit.js';

// A seeded, structure-aware RADIUS fuzzer: it starts from packets a real NAS would send, signed
// with the right secret, and breaks one thing at a time — an attribute length, a vendor
// attribute, the Message-Authenticator, the header — so each packet reaches a known check in
// the daemon. Every packet carries what the daemon should do with it (answer it, count it as a
// duplicate, or drop it for a named reason), so a run can hold the daemon's /metrics to account.
// Random bytes and bit flips are labelled `unpredictable`: they may land on any check.
//
// The expectations are written from RFC 2865/2866/3579/5997 and the dictionary's data types,
// not from the daemon's decoder, so a decoder that drifts shows up as a count mismatch.

/** Which daemon socket a packet goes to, and from where: the known NAS or an address it does not know. */
export type Port = 'auth' | 'acct';
export type Source = 'nas' | 'stranger';

/**
 * `answered`: any reply (Accept, Reject, Accounting-Response, Status-Server's answer);
 * `duplicate`: caught by the dedupe cache; `unpredictable`: counted under some reason, or answered;
 * anything else: the lango_radius_drops_total reason.
 */
export type Expectation = 'answered' | 'duplicate' | 'unpredictable' | string;

export interface FuzzPacket {
  /** The mutation that made it, for the per-case table. */
  readonly name: string;
  readonly bytes: Buffer;
  readonly port: Port;
  readonly source: Source;
  readonly expect: Expectation;
  /** Sent again right after (a NAS retransmission): the copy is expected to count as a duplicate. */
  readonly retransmit?: boolean;
  /** A login with the right password and nothing that voids it: the only kind an Access-Accept may answer. */
  readonly mayAccept?: boolean;
}

export interface FuzzSetup {
  seed: number;
  secret: string;
  dictionary: Dictionary;
  /** A customer who exists, so some fuzz logins are accepted rather than rejected. */
  user: { name: string; password: string };
}

/** The seeded generator (scripts/kit.ts mulberry32) with the picks the fuzzer needs. */
export class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  /** An integer in [low, high], both included. */
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** RFC value sizes by dictionary type; a known attribute of another size is malformed. */
const FIXED: Partial<Record<DataType, number>> = {
  integer: 4, ipaddr: 4, date: 4, signed: 4, integer64: 8, ipv6addr: 16, ifid: 8, byte: 1, short: 2, ether: 6,
};

/** Whether a value of `length` bytes fits a data type (RFC 8044 sizes). */
export function sizeFits(dataType: DataType, length: number): boolean {
  const fixed = FIXED[dataType];
  if (fixed !== undefined) return length === fixed;
  if (dataType === 'ipv6prefix') return length >= 2 && length <= 18;
  return true;
}

const raw = (type: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([type, value.length + 2]), value]);
const vsa = (vendor: number, body: Buffer): Buffer => {
  const head = Buffer.alloc(6);
  head[0] = Attr.VendorSpecific;
  head[1] = 6 + body.length;
  head.writeUInt32BE(vendor, 2);
  return Buffer.concat([head, body]);
};
const flip = (buffer: Buffer, at: number, mask: number): void => {
  buffer[at] = buffer[at]! ^ mask;
};
const MA_PLACEHOLDER = raw(Attr.MessageAuthenticator, Buffer.alloc(16));

function header(code: number, identifier: number, authenticator: Buffer, attributes: Buffer): Buffer {
  const out = Buffer.alloc(MIN_PACKET + attributes.length);
  out[0] = code;
  out[1] = identifier;
  out.writeUInt16BE(out.length, 2);
  authenticator.copy(out, 4);
  attributes.copy(out, MIN_PACKET);
  return out;
}

/** Offsets of Message-Authenticator values in a well-formed packet. */
function maOffsets(packet: Buffer): number[] {
  const found: number[] = [];
  for (let at = MIN_PACKET; at + 2 <= packet.length && packet[at + 1]! >= 2; at += packet[at + 1]!) {
    if (packet[at] === Attr.MessageAuthenticator && packet[at + 1] === 18) found.push(at + 2);
  }
  return found;
}

/**
 * Signs a framed packet in place, wherever its Message-Authenticator sits (RFC 3579 §3.2 allows
 * any position; encodeRequest always puts it first). `computed`: Accounting/CoA/Disconnect, whose
 * HMAC is over a zero authenticator field and whose Request Authenticator is MD5 (RFC 2866 §3).
 */
export function seal(packet: Buffer, secret: Buffer, computed: boolean): Buffer {
  if (computed) packet.fill(0, 4, 20);
  const ma = maOffsets(packet)[0];
  if (ma !== undefined) {
    packet.fill(0, ma, ma + 16);
    hmacMd5(secret, [packet]).copy(packet, ma);
  }
  if (computed) md5([packet, secret]).copy(packet, 4);
  return packet;
}

const ACCT_START = 1;
const ACCT_STOP = 2;
const ACCT_INTERIM = 3;
/** Accounting sessions are drawn from a fixed pool, so the database stays small over a million packets. */
const SESSION_POOL = 2000;
/** A few devices only: wrong logins feed the guess limiter, which must stay small for the memory check. */
const DEVICES = ['02-00-00-00-00-01', '02-00-00-00-00-02', '02-00-00-00-00-03', '02-00-00-00-00-04'];
const UNKNOWN_CODES = [0, 2, 3, 5, 11, 13, 41, 44, 99, 200, 255];

interface Case {
  name: string;
  weight: number;
  /** False where the mutation replaces the password, so even the right user must be refused. */
  canAccept?: boolean;
  /** Status-Server on the access port is answered with an Access-Accept (RFC 5997 §3). */
  acceptsByDesign?: boolean;
  make: () => Omit<FuzzPacket, 'name'>;
}

/**
 * An endless, reproducible stream of fuzz packets. The identifier advances with every packet,
 * so the daemon's dedupe cache (keyed by source port and identifier) sees a retransmission only
 * where the generator meant one.
 */
export class FuzzGenerator {
  private readonly rng: Random;
  private readonly secret: Buffer;
  private readonly wrongSecret = Buffer.from('not-the-secret-0', 'utf8');
  private identifier = 0;
  private serial = 0;
  /** Set when the packet being made logs in as the real user with the right password. */
  private rightPassword = false;
  private readonly cases: Case[];
  private readonly totalWeight: number;
  private readonly junkSessionIds: Buffer[];
  private readonly junkUserNames: Buffer[];
  private readonly junkDevices: Buffer[];
  private readonly vendorAttrs: Array<{ vendor: number; type: number; dataType: DataType; name: string }>;

  constructor(private readonly setup: FuzzSetup) {
    this.rng = new Random(setup.seed);
    this.secret = Buffer.from(setup.secret, 'utf8');
    const d = setup.dictionary;
    this.vendorAttrs = [
      'Mikrotik-Rate-Limit', 'Mikrotik-Recv-Limit', 'Mikrotik-Xmit-Limit', 'Mikrotik-Group', 'Mikrotik-Address-List',
      'MS-CHAP-Challenge', 'MS-CHAP2-Response', 'MS-MPPE-Send-Key', 'MS-Primary-DNS-Server',
      'WISPr-Location-ID', 'WISPr-Bandwidth-Max-Up', 'WISPr-Bandwidth-Max-Down', 'WISPr-Session-Terminate-Time',
    ].flatMap((name) => {
      const def = d.byName(name);
      return def ? [{ vendor: def.vendor, type: def.type, dataType: def.dataType, name }] : [];
    });
    // Binary session ids and user names, from small pools: the daemon keeps a bounded mirror of
    // sessions in memory, and a run that opened a million distinct ones would measure that bound,
    // not a leak.
    this.junkSessionIds = Array.from({ length: 256 }, () => this.randomValue('Acct-Session-Id'));
    this.junkUserNames = Array.from({ length: 64 }, () => this.randomValue('User-Name'));
    this.junkDevices = Array.from({ length: 16 }, () => this.randomValue('Calling-Station-Id'));
    this.cases = this.defineCases();
    this.totalWeight = this.cases.reduce((sum, c) => sum + c.weight, 0);
  }

  /** The case names, for tables that list every case even when a short run misses one. */
  get caseNames(): string[] {
    return this.cases.map((c) => c.name);
  }

  next(): FuzzPacket {
    let roll = this.rng.next() * this.totalWeight;
    const chosen = this.cases.find((c) => (roll -= c.weight) < 0) ?? this.cases[this.cases.length - 1]!;
    this.rightPassword = false;
    const packet = chosen.make();
    return { name: chosen.name, ...packet, mayAccept: chosen.acceptsByDesign === true || (this.rightPassword && chosen.canAccept !== false) };
  }

  private id(): number {
    this.identifier = (this.identifier + 1) & 255;
    return this.identifier;
  }

  private attr(name: string, value: AttributeValue): Buffer {
    return encodeAttribute(this.setup.dictionary.require(name), value);
  }

  // ------------------------------------------------------------------------------------------
  // Valid packets, the starting point of every mutation.

  /** Access-Request attributes (without Message-Authenticator) for `authenticator`. */
  private loginAttributes(authenticator: Buffer): Buffer[] {
    const r = this.rng;
    const known = r.chance(0.3);
    const name = known ? this.setup.user.name : r.pick(['nobody', 'guest', `fuzz-${r.int(1000)}`, '02:00:00:00:00:09', '']);
    const password = known && r.chance(0.5) ? this.setup.user.password : `wrong-${r.int(100)}`;
    this.rightPassword = password === this.setup.user.password;
    const list = [
      name ? this.attr('User-Name', name) : Buffer.alloc(0),
      this.attr('User-Password', hideUserPassword(Buffer.from(password), this.secret, authenticator)),
      this.attr('NAS-IP-Address', '127.0.0.1'),
      this.attr('NAS-Port', r.int(65536)),
      this.attr('Calling-Station-Id', r.pick(DEVICES)),
    ];
    return list.filter((b) => b.length > 0);
  }

  /** A valid Access-Request, Message-Authenticator first, unless `attributes` places it itself. */
  private accessRequest(mutate?: (attributes: Buffer[]) => Buffer[], secret = this.secret): Buffer {
    const authenticator = this.rng.bytes(16);
    let attributes = [MA_PLACEHOLDER, ...this.loginAttributes(authenticator)];
    if (mutate) attributes = mutate(attributes);
    return seal(header(Code.AccessRequest, this.id(), authenticator, Buffer.concat(attributes)), secret, false);
  }

  private accountingAttributes(): Buffer[] {
    const r = this.rng;
    const session = r.int(SESSION_POOL);
    const status = r.pick([ACCT_START, ACCT_INTERIM, ACCT_INTERIM, ACCT_STOP]);
    // The serial makes every packet unique: two equal Accounting-Requests under one identifier
    // would be a retransmission to the dedupe cache, which is not what this packet is for.
    this.serial++;
    return [
      this.attr('Acct-Status-Type', status),
      this.attr('Acct-Session-Id', `fz-${session}`),
      this.attr('User-Name', `fuzz-acct-${session % 50}`),
      this.attr('NAS-IP-Address', '127.0.0.1'),
      this.attr('NAS-Port', session),
      this.attr('Acct-Session-Time', this.serial % 1_000_000),
      this.attr('Acct-Input-Octets', r.int(2 ** 32)),
      this.attr('Acct-Output-Octets', r.int(2 ** 32)),
      this.attr('Framed-IP-Address', `10.9.${session >> 8}.${session & 255}`),
      ...(status === ACCT_STOP ? [this.attr('Acct-Terminate-Cause', r.between(1, 20))] : []),
    ];
  }

  private accountingRequest(mutate?: (attributes: Buffer[]) => Buffer[], options: { ma?: boolean; code?: number; secret?: Buffer } = {}): Buffer {
    let attributes = this.accountingAttributes();
    if (options.ma) attributes = [MA_PLACEHOLDER, ...attributes];
    if (mutate) attributes = mutate(attributes);
    return seal(header(options.code ?? Code.AccountingRequest, this.id(), Buffer.alloc(16), Buffer.concat(attributes)), options.secret ?? this.secret, true);
  }

  private statusServer(withMa: boolean): Buffer {
    return seal(header(Code.StatusServer, this.id(), this.rng.bytes(16), withMa ? MA_PLACEHOLDER : Buffer.alloc(0)), this.secret, false);
  }

  /** Any valid request, for the unknown-NAS and bit-flip cases. */
  private anyValid(): { bytes: Buffer; port: Port } {
    return this.rng.chance(0.5) ? { bytes: this.accessRequest(), port: 'auth' } : { bytes: this.accountingRequest(), port: 'acct' };
  }

  /** Inserts `extra` among the attributes, after the first (so the packet still starts like a login). */
  private insert(attributes: Buffer[], ...extra: Buffer[]): Buffer[] {
    const at = 1 + this.rng.int(attributes.length);
    return [...attributes.slice(0, at), ...extra, ...attributes.slice(at)];
  }

  /** A string attribute the daemon tolerates anywhere in a login, with `value` of any length up to 253. */
  private stringAttribute(value: Buffer): Buffer {
    // Class (25), Reply-Message (18), Filter-Id (11), Callback-Number (19), and types no dictionary names.
    return raw(this.rng.pick([11, 18, 19, 25, 190, 224, 241, 255]), value);
  }

  /** A vendor attribute whose value fits or breaks its dictionary type; the expectation follows. */
  private knownVendorAttribute(): { attr: Buffer; fits: boolean } {
    const r = this.rng;
    const def = r.pick(this.vendorAttrs);
    const fixed = FIXED[def.dataType];
    const length = fixed !== undefined && r.chance(0.5) ? fixed : r.between(0, 60);
    const sub = Buffer.concat([Buffer.from([def.type, length + 2]), r.bytes(length)]);
    return { attr: vsa(def.vendor, sub), fits: sizeFits(def.dataType, length) };
  }

  /** A value of the right size for its type and random in every other way (NULs, bad UTF-8, 0xffffffff, year 2106). */
  private randomValue(name: string): Buffer {
    const r = this.rng;
    const def = this.setup.dictionary.require(name);
    const fixed = FIXED[def.dataType];
    if (fixed !== undefined) return raw(def.type, r.chance(0.2) ? Buffer.alloc(fixed, r.pick([0, 0xff])) : r.bytes(fixed));
    if (def.dataType === 'ipv6prefix') return raw(def.type, Buffer.concat([Buffer.from([0, r.int(256)]), r.bytes(r.int(17))]));
    return raw(def.type, r.bytes(r.between(1, r.chance(0.1) ? 253 : 40)));
  }

  /** A signed login whose attributes all have legal sizes and junk contents: the handler's input checks, not the decoder's. */
  private randomLogin(): Buffer {
    const r = this.rng;
    const names = ['User-Name', 'User-Password', 'NAS-Port', 'NAS-Port-Type', 'Service-Type', 'Framed-Protocol', 'Calling-Station-Id', 'Called-Station-Id',
      'NAS-Identifier', 'State', 'Class', 'Framed-IP-Address', 'Idle-Timeout', 'Framed-IPv6-Prefix', 'NAS-Port-Id'];
    const value = (n: string): Buffer => {
      // Unknown names are cached (bounded) by the daemon's subscriber lookup: junk names come from a pool.
      if (n === 'User-Name') return r.chance(0.3) ? this.attr(n, this.setup.user.name) : r.pick(this.junkUserNames);
      // Wrong logins are remembered per device for five minutes (the guess limiter): junk devices come from a pool too.
      if (n === 'Calling-Station-Id') return r.pick(this.junkDevices);
      return this.randomValue(n);
    };
    return this.accessRequest(([ma]) => [ma!, ...names.filter(() => r.chance(0.6)).map(value)]);
  }

  /** A signed Accounting-Request with a real status and junk everywhere else: huge counters, odd timestamps, binary session ids. */
  private randomAccounting(): Buffer {
    const r = this.rng;
    const names = ['Acct-Session-Time', 'Acct-Input-Octets', 'Acct-Output-Octets', 'Acct-Input-Gigawords', 'Acct-Output-Gigawords', 'Acct-Input-Packets',
      'Event-Timestamp', 'Acct-Delay-Time', 'Framed-IP-Address', 'Acct-Terminate-Cause', 'NAS-Port-Id', 'Calling-Station-Id', 'Called-Station-Id',
      'Acct-Multi-Session-Id', 'Acct-Link-Count', 'Acct-Authentic', 'Framed-IPv6-Prefix', 'Class'];
    this.serial++;
    const n = r.int(SESSION_POOL);
    const session = r.chance(0.2) ? this.junkSessionIds[n % this.junkSessionIds.length]! : this.attr('Acct-Session-Id', `fz-${n}`);
    // One junk name per session: the daemon's session mirror is keyed by session and user name.
    const user = r.chance(0.3) ? this.attr('User-Name', this.setup.user.name) : this.junkUserNames[n % this.junkUserNames.length]!;
    return this.accountingRequest(() => [
      this.attr('Acct-Status-Type', r.pick([ACCT_START, ACCT_INTERIM, ACCT_STOP])),
      session,
      user,
      this.attr('Class', Buffer.from(`serial-${this.serial}`)),
      ...names.filter(() => r.chance(0.6)).map((n) => this.randomValue(n)),
    ]);
  }

  // ------------------------------------------------------------------------------------------

  private defineCases(): Case[] {
    const r = this.rng;
    const auth = (bytes: Buffer, expect: Expectation): Omit<FuzzPacket, 'name'> => ({ bytes, port: 'auth', source: 'nas', expect });
    const acct = (bytes: Buffer, expect: Expectation): Omit<FuzzPacket, 'name'> => ({ bytes, port: 'acct', source: 'nas', expect });
    const dictionary = this.setup.dictionary;
    const integerAttrs = ['NAS-Port', 'Session-Timeout', 'Service-Type', 'NAS-Port-Type', 'Framed-IP-Address'].map((n) => dictionary.require(n).type);

    return [
      // --- answered: valid, or odd but legal ---
      { name: 'access valid', weight: 8, make: () => auth(this.accessRequest(), 'answered') },
      { name: 'access MA last', weight: 2, make: () => auth(this.accessRequest(([ma, ...rest]) => [...rest, ma!]), 'answered') },
      { name: 'access MA in the middle', weight: 2, make: () => auth(this.accessRequest(([ma, first, ...rest]) => [first!, ma!, ...rest]), 'answered') },
      { name: 'access Proxy-State', weight: 2, make: () => auth(this.accessRequest((a) => [...a, raw(Attr.ProxyState, r.bytes(r.between(1, 40)))]), 'answered') },
      { name: 'access zero-length string', weight: 3, make: () => auth(this.accessRequest((a) => this.insert(a, this.stringAttribute(Buffer.alloc(0)))), 'answered') },
      { name: 'access unknown attributes', weight: 3, make: () => auth(this.accessRequest((a) => this.insert(a, ...Array.from({ length: r.between(1, 8) }, () => raw(r.between(192, 255), r.bytes(r.int(100)))))), 'answered') },
      { name: 'access long strings', weight: 2, make: () => auth(this.accessRequest((a) => this.insert(a, this.stringAttribute(r.bytes(253)), this.stringAttribute(r.bytes(253)))), 'answered') },
      { name: 'VSA unknown vendor', weight: 3, make: () => auth(this.accessRequest((a) => this.insert(a, vsa(r.between(100_000, 2 ** 32 - 1), r.bytes(r.between(0, 80))))), 'answered') },
      { name: 'VSA vendor 0', weight: 1, make: () => auth(this.accessRequest((a) => this.insert(a, vsa(0, r.bytes(r.between(0, 40))))), 'answered') },
      {
        name: 'VSA bad sub-length',
        weight: 3,
        // Not the common 1+1 format, so kept whole as an opaque Vendor-Specific, as FreeRADIUS does.
        make: () => auth(this.accessRequest((a) => this.insert(a, vsa(r.pick([14988, 311, 14122, 9]), Buffer.concat([Buffer.from([r.between(1, 30), r.pick([0, 1, 60, 255])]), r.bytes(r.between(0, 20))])))), 'answered'),
      },
      {
        name: 'VSA nested',
        weight: 2,
        // A Vendor-Specific inside an unknown vendor's sub-attribute 26: opaque bytes, legal.
        make: () => auth(this.accessRequest((a) => this.insert(a, vsa(r.between(100_000, 200_000), raw(26, vsa(r.between(100_000, 200_000), raw(1, r.bytes(r.between(0, 30)))))))), 'answered'),
      },
      {
        name: 'VSA known vendor junk',
        weight: 6,
        make: () => {
          const { attr, fits } = this.knownVendorAttribute();
          return auth(this.accessRequest((a) => this.insert(a, attr)), fits ? 'answered' : 'bad_attribute_length');
        },
      },
      {
        name: 'access CHAP junk',
        weight: 2,
        canAccept: false,
        make: () => auth(this.accessRequest(([ma, name, , ...rest]) => [ma!, name!, raw(Attr.ChapPassword, r.bytes(r.pick([0, 1, 16, 17, 18, 40]))), ...(r.chance(0.5) ? [raw(Attr.ChapChallenge, r.bytes(r.int(40)))] : []), ...rest]), 'answered'),
      },
      {
        name: 'access MS-CHAP junk',
        weight: 2,
        canAccept: false,
        make: () =>
          auth(this.accessRequest(([ma, name, , ...rest]) => [ma!, name!, vsa(311, raw(11, r.bytes(r.pick([0, 8, 16, 17])))), vsa(311, raw(r.pick([1, 25]), r.bytes(r.pick([0, 10, 50, 49])))), ...rest]), 'answered'),
      },
      { name: 'access EAP junk', weight: 2, make: () => auth(this.accessRequest((a) => [...a, raw(Attr.EapMessage, r.bytes(r.between(0, 200)))]), 'answered') },
      { name: 'access password junk', weight: 2, canAccept: false, make: () => auth(this.accessRequest(([ma, name, , ...rest]) => [ma!, name!, raw(Attr.UserPassword, r.bytes(r.pick([0, 1, 15, 17, 129, 200]))), ...rest]), 'answered') },
      { name: 'access 4096 bytes', weight: 1, make: () => auth(this.accessRequest((a) => fillTo(MAX_PACKET - MIN_PACKET, a, r)), 'answered') },
      { name: 'datagram longer than Length', weight: 1, make: () => auth(Buffer.concat([this.accessRequest(), r.bytes(r.between(1, 300))]), 'answered') },
      { name: 'datagram 65 KB, Length small', weight: 0.05, make: () => auth(Buffer.concat([this.accessRequest(), Buffer.alloc(65_000)]), 'answered') },
      { name: 'accounting valid', weight: 6, make: () => acct(this.accountingRequest(), 'answered') },
      { name: 'accounting with MA', weight: 2, make: () => acct(this.accountingRequest(undefined, { ma: true }), 'answered') },
      { name: 'accounting unknown status', weight: 1, make: () => acct(this.accountingRequest(([, ...rest]) => [this.attr('Acct-Status-Type', r.chance(0.5) ? r.pick([9, 10, 11, 15]) : r.between(16, 2 ** 32 - 1)), ...rest]), 'answered') },
      { name: 'accounting VSA junk', weight: 2, make: () => {
        const { attr, fits } = this.knownVendorAttribute();
        return acct(this.accountingRequest((a) => [...a, attr]), fits ? 'answered' : 'bad_attribute_length');
      } },
      { name: 'access random values', weight: 4, canAccept: false, make: () => auth(this.randomLogin(), 'answered') },
      { name: 'accounting random values', weight: 4, make: () => acct(this.randomAccounting(), 'answered') },
      { name: 'Status-Server', weight: 1, acceptsByDesign: true, make: () => ({ bytes: this.statusServer(true), port: r.chance(0.5) ? 'auth' : 'acct', source: 'nas', expect: 'answered' }) },
      { name: 'access retransmitted', weight: 2, make: () => ({ ...auth(this.accessRequest(), 'answered'), retransmit: true }) },
      { name: 'accounting retransmitted', weight: 2, make: () => ({ ...acct(this.accountingRequest(), 'answered'), retransmit: true }) },

      // --- framing ---
      { name: 'shorter than a header', weight: 2, make: () => auth(r.bytes(r.int(MIN_PACKET)), 'too_short') },
      {
        name: 'Length below 20',
        weight: 1,
        make: () => {
          const p = this.accessRequest();
          p.writeUInt16BE(r.int(MIN_PACKET), 2);
          return auth(p, 'bad_length');
        },
      },
      {
        name: 'Length above the datagram',
        weight: 2,
        make: () => {
          const p = this.accessRequest();
          p.writeUInt16BE(r.between(p.length + 1, MAX_PACKET), 2);
          return auth(p, 'bad_length');
        },
      },
      {
        name: 'Length above 4096',
        weight: 1,
        make: () => {
          const size = r.pick([MAX_PACKET + 1, 5000, 9000, 65_000]);
          const p = Buffer.concat([this.accessRequest(), r.bytes(r.chance(0.05) ? size : MAX_PACKET + 1 + r.int(100))]);
          p.writeUInt16BE(Math.min(p.length, 65_535), 2);
          return { ...auth(p, 'bad_length'), port: r.chance(0.5) ? 'auth' : 'acct' };
        },
      },

      // --- attribute lengths and types ---
      { name: 'attribute length 0 or 1', weight: 3, make: () => auth(this.accessRequest((a) => this.insert(a, Buffer.from([r.between(1, 255), r.int(2)]))), 'bad_attribute_length') },
      { name: 'attribute over the end', weight: 3, make: () => {
        const p = this.accessRequest((a) => [...a, Buffer.from([r.between(1, 255), 0])]);
        p[p.length - 1] = r.between(3, 255);
        return auth(p, 'truncated_attribute');
      } },
      { name: 'one byte after the last attribute', weight: 2, make: () => auth(this.accessRequest((a) => [...a, Buffer.from([r.between(0, 255)])]), 'truncated_attribute') },
      { name: 'attribute type 0', weight: 2, make: () => auth(this.accessRequest((a) => this.insert(a, raw(0, r.bytes(r.int(20))))), 'bad_attribute_type') },
      {
        name: 'integer attribute wrong size',
        weight: 3,
        make: () => auth(this.accessRequest((a) => this.insert(a, raw(r.pick(integerAttrs), r.bytes(r.pick([0, 1, 2, 3, 5, 8]))))), 'bad_attribute_length'),
      },
      { name: 'VSA shorter than a vendor id', weight: 2, make: () => auth(this.accessRequest((a) => this.insert(a, raw(Attr.VendorSpecific, r.bytes(r.int(4))))), 'bad_attribute_length') },

      // --- Message-Authenticator ---
      { name: 'MA wrong length', weight: 2, make: () => auth(this.accessRequest(([, ...rest]) => [raw(Attr.MessageAuthenticator, r.bytes(r.pick([0, 1, 15, 17, 32]))), ...rest]), 'bad_message_authenticator_length') },
      { name: 'MA repeated', weight: 2, make: () => auth(this.accessRequest((a) => [...a, MA_PLACEHOLDER]), 'repeated_message_authenticator') },
      {
        name: 'MA wrong',
        weight: 3,
        make: () => {
          const p = this.accessRequest();
          flip(p, 22 + r.int(16), 1 << r.int(8));
          return auth(p, 'bad_message_authenticator');
        },
      },
      { name: 'access wrong secret', weight: 2, make: () => auth(this.accessRequest(undefined, this.wrongSecret), 'bad_message_authenticator') },
      { name: 'access without MA', weight: 3, make: () => auth(this.accessRequest(([, ...rest]) => rest), 'missing_message_authenticator') },
      { name: 'Status-Server without MA', weight: 1, make: () => auth(this.statusServer(false), 'missing_message_authenticator') },
      {
        name: 'Status-Server wrong MA',
        weight: 1,
        make: () => {
          const p = this.statusServer(true);
          flip(p, 22 + r.int(16), 0xff);
          return auth(p, 'bad_message_authenticator');
        },
      },

      // --- accounting authenticators and content ---
      {
        name: 'accounting wrong authenticator',
        weight: 3,
        make: () => {
          const p = this.accountingRequest();
          flip(p, 4 + r.int(16), 1 << r.int(8));
          return acct(p, 'bad_authenticator');
        },
      },
      { name: 'accounting wrong secret', weight: 1, make: () => acct(this.accountingRequest(undefined, { secret: this.wrongSecret }), 'bad_authenticator') },
      {
        name: 'accounting wrong MA',
        weight: 2,
        make: () => {
          // The Request Authenticator is right (computed after the damage); only the HMAC is not.
          const attrs = [MA_PLACEHOLDER, ...this.accountingAttributes()];
          const p = header(Code.AccountingRequest, this.id(), Buffer.alloc(16), Buffer.concat(attrs));
          seal(p, this.secret, true);
          flip(p, 22 + r.int(16), 0x55);
          p.fill(0, 4, 20);
          md5([p, this.secret]).copy(p, 4);
          return acct(p, 'bad_message_authenticator');
        },
      },
      { name: 'accounting without status', weight: 1, make: () => acct(this.accountingRequest(([, ...rest]) => rest), 'missing_acct_status_type') },
      { name: 'accounting without session id', weight: 1, make: () => acct(this.accountingRequest(([status, , ...rest]) => [status!, ...rest]), 'missing_acct_session_id') },

      // --- codes and ports ---
      { name: 'access to the accounting port', weight: 1, make: () => ({ ...auth(this.accessRequest(), 'wrong_port'), port: 'acct' }) },
      { name: 'accounting to the access port', weight: 1, make: () => ({ ...acct(this.accountingRequest(), 'wrong_port'), port: 'auth' }) },
      {
        name: 'unknown or reply code',
        weight: 2,
        make: () => {
          const p = this.accessRequest();
          p[0] = r.pick(UNKNOWN_CODES);
          return { ...auth(p, 'unexpected_code'), port: r.chance(0.5) ? 'auth' : 'acct' };
        },
      },
      { name: 'CoA and Disconnect requests', weight: 1, make: () => ({ ...acct(this.accountingRequest(undefined, { ma: true, code: r.pick([Code.CoaRequest, Code.DisconnectRequest]) }), 'unexpected_code'), port: r.chance(0.5) ? 'auth' : 'acct' }) },

      // --- who is asking ---
      { name: 'unknown NAS', weight: 3, make: () => ({ ...this.anyValid(), source: 'stranger', expect: 'unknown_nas' }) },
      { name: 'unknown NAS, random bytes', weight: 1, make: () => ({ bytes: r.bytes(r.int(300)), port: r.chance(0.5) ? 'auth' : 'acct', source: 'stranger', expect: 'unknown_nas' }) },

      // --- no structure ---
      {
        name: 'random bytes',
        weight: 3,
        make: () => {
          const p = r.bytes(r.between(MIN_PACKET, 400));
          // Half claim their real length, so the attribute walk gets some exercise too.
          if (r.chance(0.5)) p.writeUInt16BE(p.length, 2);
          return { bytes: p, port: r.chance(0.5) ? 'auth' : 'acct', source: 'nas', expect: 'unpredictable' };
        },
      },
      {
        name: 'bit flips',
        weight: 5,
        make: () => {
          const { bytes, port } = this.anyValid();
          for (let i = r.between(1, 4); i > 0; i--) flip(bytes, r.int(bytes.length), 1 << r.int(8));
          return { bytes, port, source: 'nas', expect: 'unpredictable' };
        },
      },
    ];
  }
}

/**
 * Pads a login with filler attributes (an unnamed type, 255 bytes at most each) so the
 * attributes take exactly `size` bytes: the largest packet RADIUS allows.
 */
function fillTo(size: number, attributes: Buffer[], r: Random): Buffer[] {
  const out = [...attributes];
  let left = size - attributes.reduce((sum, a) => sum + a.length, 0);
  while (left > 0) {
    // Never leave a single byte: no attribute is shorter than two.
    const take = left <= 255 ? left : left - 255 >= 2 ? 255 : 200;
    out.push(raw(r.between(192, 255), r.bytes(take - 2)));
    left -= take;
  }
  return out;
}
