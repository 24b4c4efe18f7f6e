/**
 * A MikroTik router's API service on loopback (mikrotik.md §8): the real wire protocol, through
 * the one codec in src/routeros/words.ts, so Lango's client and npm node-routeros both connect
 * to it unchanged. It holds a fresh hotspot router's configuration in memory (identity,
 * resources, ether1/ether2/bridge-hotspot, /radius, /radius/incoming, hotspot profiles and
 * server, walled garden, /ppp/aaa, simple queues) with print/add/set/remove/get/unset/
 * enable/disable/move on them, queries (`?name=x`, `?name`, `?-name`, `?<`/`?>`, `?#|&!.N`) and
 * `.proplist`, and counters that move with wall time: interface bytes and packets, the bytes of
 * the users handed to addHotspotUser/addPppUser and of the PPP users' dynamic simple queues.
 * `/interface/monitor-traffic` answers once with `=once=` and streams each second without it
 * until `/cancel`.
 *
 * The version decides what a router of that firmware would do: from 7.18 a print that matches
 * nothing answers `!empty` before `!done` (the reply node-routeros cannot handle); before 7.15
 * /radius has no require-message-auth; RouterOS 6 names neither the unknown parameter nor the
 * item code in its traps (7: `unknown parameter X`, `no such item (4)`). Trap texts are the
 * ones public client code and bug reports quote from real routers; `not logged in` (a command
 * before login) is the one guessed.
 *
 * In-process: `const router = await startRouterOsEmulator({ username: 'lango', password: 's3cret' })`.
 * As a process:
 *   node dist/scripts/emulators/routeros.js --port 8728 --user lango --password s3cret \
 *     [--version 7.18.2] [--legacy-login]          prints {"port": …}, runs until SIGTERM
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { parseArgs } from 'node:util';
import { formatRouterOsDuration, parseRouterOsDuration } from '../../src/routeros/durations.js';
import { attributesOf, encodeSentence, SentenceReader, tagOf } from '../../src/routeros/words.js';
import { listenArgs, runIfMain, serveUntilSignalled } from './http-kit.js';

export interface RouterOsEmulatorOptions {
  /** 0 = any free port (default). */
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  /** RouterOS version reported by /system/resource; from 7.18 an empty print answers `!empty`. Default '7.16.2'. */
  version?: string;
  identity?: string;
  boardName?: string;
  /** Answer only the pre-6.43 challenge login (=ret= then =response=). */
  legacyLogin?: boolean;
  /** Serve TLS (api-ssl) with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Property names this "firmware" does not know, in every menu: an add or set naming one
   * answers `!trap unknown parameter …` and prints leave them out, as a router of another
   * version would (e.g. ['require-message-auth'] before 7.15, which a version below 7.15 implies).
   */
  unknownProperties?: string[];
  /**
   * Log in as an API user without the "sensitive" policy: prints (and gets) of /radius leave
   * out `secret`, as real RouterOS does; writing it still works. items() still shows it.
   */
  hideSecrets?: boolean;
}

export interface EmulatedUser {
  user: string;
  address: string;
  macAddress: string;
  /** Bytes per second the user moves while active (counters grow with time). Router's view: in = from the user. */
  inRate?: number;
  outRate?: number;
}

export interface RouterOsEmulator {
  port: number;
  host: string;
  /** Items of a list menu ('/radius', '/ip/hotspot/walled-garden', …) or the one item of a single menu ('/radius/incoming', '/ppp/aaa'), each with its '.id' where it has one. */
  items(menu: string): Array<Record<string, string>>;
  /** Logs a hotspot user in as if through the login page; returns its .id in /ip/hotspot/active. */
  addHotspotUser(user: EmulatedUser): string;
  /**
   * A PPPoE user: /ppp/active entry plus its dynamic simple queue `<pppoe-NAME>`; returns the /ppp/active .id.
   * `maxLimit` is the queue's "upload/download" in bits per second (default from the rates).
   */
  addPppUser(user: EmulatedUser & { sessionId?: string; maxLimit?: string }): string;
  /** Every command sentence received after login, in order (passwords never recorded). */
  readonly commands: string[][];
  /** false: accept connections but never answer (a hung router); true again: answer. */
  setResponsive(on: boolean): void;
  /** Open API connections now. */
  readonly connections: number;
  close(): Promise<void>;
}

type Item = Record<string, string>;

interface Entry {
  id?: string;
  props: Item;
  /** Values that move with time, computed at each print. */
  live?: () => Item;
  /** Runs when the entry is removed (a PPP session takes its queue with it). */
  onRemove?: () => void;
}

interface MenuSpec {
  kind: 'list' | 'single';
  /** Properties an add or set may name; anything else is an unknown parameter. */
  writable: readonly string[];
  booleans?: readonly string[];
  durations?: readonly string[];
  /** Properties an add leaves unset get these. */
  defaults?: Item;
  /** Commands besides print (and get, which every menu answers). */
  commands: readonly Verb[];
  uniqueName?: boolean;
}

type Verb = 'add' | 'set' | 'remove' | 'unset' | 'enable' | 'disable' | 'move';

type Reply = string[];

const LIST_EDIT: readonly Verb[] = ['add', 'set', 'remove', 'unset', 'enable', 'disable', 'move'];

const QUEUE_PROPS = ['name', 'target', 'dst', 'parent', 'packet-marks', 'priority', 'queue', 'limit-at', 'max-limit', 'burst-limit', 'burst-threshold', 'burst-time', 'bucket-size', 'time', 'comment', 'disabled'];

/** What a fresh hotspot router knows. Property names as RouterOS prints them (mikrotik.md §6, §8). */
function menuSpecs(version: Version): Record<string, MenuSpec> {
  const v7 = version[0] >= 7;
  return {
    '/system/identity': { kind: 'single', writable: ['name'], commands: ['set'] },
    '/system/resource': { kind: 'single', writable: [], commands: [] },
    '/interface': {
      kind: 'list',
      writable: ['name', 'mtu', 'l2mtu', 'comment', 'disabled'],
      booleans: ['disabled', 'running', 'dynamic', 'slave'],
      commands: ['set', 'unset', 'enable', 'disable'],
      uniqueName: true,
    },
    '/radius': {
      kind: 'list',
      writable: ['address', 'secret', 'service', 'authentication-port', 'accounting-port', 'timeout', 'src-address', 'accounting-backup', 'realm', 'domain', 'called-id', 'protocol', 'certificate', 'radsec-timeout', 'require-message-auth', 'comment', 'disabled', 'place-before', ...(v7 ? ['vrf'] : [])],
      booleans: ['accounting-backup', 'disabled'],
      durations: ['timeout', 'radsec-timeout'],
      defaults: {
        service: '',
        'called-id': '',
        domain: '',
        address: '0.0.0.0',
        secret: '',
        'authentication-port': '1812',
        'accounting-port': '1813',
        timeout: v7 ? '1s100ms' : '300ms',
        'accounting-backup': 'false',
        realm: '',
        'src-address': '0.0.0.0',
        ...(v7 ? { protocol: 'udp', certificate: 'none', 'radsec-timeout': '3s300ms', vrf: 'main' } : {}),
        'require-message-auth': 'yes-for-request-resp',
        disabled: 'false',
      },
      commands: LIST_EDIT,
    },
    '/radius/incoming': { kind: 'single', writable: ['accept', 'port', ...(v7 ? ['vrf'] : [])], booleans: ['accept'], commands: ['set', 'unset'] },
    '/ip/hotspot': {
      kind: 'list',
      writable: ['name', 'interface', 'address-pool', 'profile', 'idle-timeout', 'keepalive-timeout', 'login-timeout', 'addresses-per-mac', 'disabled', 'place-before'],
      booleans: ['disabled', 'invalid', 'HTTPS'],
      durations: ['idle-timeout', 'keepalive-timeout', 'login-timeout'],
      defaults: { 'address-pool': 'none', profile: 'default', 'idle-timeout': '5m', 'keepalive-timeout': 'none', 'login-timeout': 'none', 'addresses-per-mac': 'unlimited', 'proxy-status': 'running', invalid: 'false', HTTPS: 'false', disabled: 'false' },
      commands: LIST_EDIT,
      uniqueName: true,
    },
    '/ip/hotspot/profile': {
      kind: 'list',
      writable: ['name', 'hotspot-address', 'dns-name', 'html-directory', 'html-directory-override', 'rate-limit', 'http-proxy', 'smtp-server', 'login-by', 'http-cookie-lifetime', 'split-user-domain', 'use-radius', 'radius-accounting', 'radius-interim-update', 'nas-port-type', 'radius-default-domain', 'radius-location-id', 'radius-location-name', 'radius-mac-format', 'mac-auth-mode', 'mac-auth-password', 'trial-uptime-limit', 'trial-uptime-reset', 'trial-user-profile', 'ssl-certificate', 'https-redirect', 'install-hotspot-queue'],
      booleans: ['split-user-domain', 'use-radius', 'radius-accounting', 'https-redirect', 'install-hotspot-queue', 'default'],
      durations: ['http-cookie-lifetime', 'radius-interim-update', 'trial-uptime-limit', 'trial-uptime-reset'],
      defaults: hotspotProfileDefaults(),
      commands: ['add', 'set', 'remove', 'unset'],
      uniqueName: true,
    },
    '/ip/hotspot/walled-garden': {
      kind: 'list',
      writable: ['dst-host', 'dst-port', 'path', 'method', 'action', 'server', 'src-address', 'dst-address', 'comment', 'disabled', 'place-before'],
      booleans: ['disabled', 'dynamic'],
      defaults: { action: 'allow', disabled: 'false', dynamic: 'false' },
      commands: LIST_EDIT,
    },
    '/ip/hotspot/walled-garden/ip': {
      kind: 'list',
      writable: ['action', 'dst-address', 'dst-address-list', 'dst-host', 'dst-port', 'protocol', 'server', 'src-address', 'src-address-list', 'comment', 'disabled', 'place-before'],
      booleans: ['disabled', 'dynamic', 'invalid'],
      defaults: { action: 'accept', disabled: 'false', dynamic: 'false', invalid: 'false' },
      commands: LIST_EDIT,
    },
    '/ip/hotspot/active': { kind: 'list', writable: [], booleans: ['radius', 'blocked'], commands: ['remove'] },
    '/ip/hotspot/user': {
      kind: 'list',
      writable: ['name', 'password', 'profile', 'server', 'address', 'mac-address', 'limit-uptime', 'limit-bytes-in', 'limit-bytes-out', 'limit-bytes-total', 'comment', 'disabled'],
      booleans: ['disabled', 'dynamic'],
      durations: ['limit-uptime'],
      defaults: { server: 'all', profile: 'default', disabled: 'false', dynamic: 'false' },
      commands: LIST_EDIT,
      uniqueName: true,
    },
    '/ppp/aaa': {
      kind: 'single',
      writable: ['use-radius', 'accounting', 'interim-update', 'use-circuit-id-in-nas-port-id', ...(v7 ? ['enable-ipv6-accounting'] : [])],
      booleans: ['use-radius', 'accounting', 'use-circuit-id-in-nas-port-id', 'enable-ipv6-accounting'],
      durations: ['interim-update'],
      commands: ['set', 'unset'],
    },
    '/ppp/active': { kind: 'list', writable: [], booleans: ['radius'], commands: ['remove'] },
    '/ppp/secret': {
      kind: 'list',
      writable: ['name', 'password', 'service', 'profile', 'local-address', 'remote-address', 'caller-id', 'limit-bytes-in', 'limit-bytes-out', 'comment', 'disabled'],
      booleans: ['disabled'],
      defaults: { service: 'any', profile: 'default', disabled: 'false' },
      commands: LIST_EDIT,
      uniqueName: true,
    },
    '/queue/simple': {
      kind: 'list',
      writable: [...QUEUE_PROPS, 'place-before'],
      booleans: ['disabled', 'dynamic', 'invalid'],
      defaults: { parent: 'none', 'packet-marks': '', priority: '8/8', queue: 'default-small/default-small', 'limit-at': '0/0', 'max-limit': '0/0', 'burst-limit': '0/0', 'burst-threshold': '0/0', 'burst-time': '0s/0s', 'bucket-size': '0.1/0.1', bytes: '0/0', packets: '0/0', rate: '0/0', 'packet-rate': '0/0', invalid: 'false', dynamic: 'false', disabled: 'false' },
      commands: LIST_EDIT,
      uniqueName: true,
    },
    '/ip/firewall/filter': {
      kind: 'list',
      writable: ['chain', 'action', 'protocol', 'src-address', 'dst-address', 'src-port', 'dst-port', 'in-interface', 'out-interface', 'src-address-list', 'dst-address-list', 'connection-state', 'log', 'log-prefix', 'comment', 'disabled', 'place-before'],
      booleans: ['disabled', 'dynamic', 'invalid', 'log'],
      defaults: { action: 'accept', disabled: 'false', dynamic: 'false', invalid: 'false', log: 'false', 'log-prefix': '' },
      commands: LIST_EDIT,
    },
    '/ip/service': {
      kind: 'list',
      writable: ['port', 'address', 'certificate', 'disabled'],
      booleans: ['disabled', 'invalid'],
      commands: ['set', 'enable', 'disable'],
      uniqueName: true,
    },
    '/log': { kind: 'list', writable: [], commands: [] },
  };
}

function hotspotProfileDefaults(): Item {
  return {
    'hotspot-address': '0.0.0.0',
    'dns-name': '',
    'html-directory': 'hotspot',
    'html-directory-override': '',
    'rate-limit': '',
    'http-proxy': '0.0.0.0:0',
    'smtp-server': '0.0.0.0',
    'login-by': 'http-chap,cookie',
    'http-cookie-lifetime': '3d',
    'split-user-domain': 'false',
    'use-radius': 'false',
    'radius-accounting': 'true',
    'radius-interim-update': 'received',
    'nas-port-type': 'wireless-802.11',
    'radius-default-domain': '',
    'radius-location-id': '',
    'radius-location-name': '',
    'radius-mac-format': 'XX:XX:XX:XX:XX:XX',
    'install-hotspot-queue': 'false',
    default: 'false',
  };
}

// ---- version, durations, values -------------------------------------------------------------

type Version = [number, number, number];

function parseVersion(text: string): Version {
  const parts = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim());
  if (!parts) throw new Error(`version '${text}' is not like 7.16.2`);
  return [Number(parts[1]), Number(parts[2] ?? 0), Number(parts[3] ?? 0)];
}

function atLeast(version: Version, major: number, minor: number): boolean {
  return version[0] > major || (version[0] === major && version[1] >= minor);
}

/** Uptimes print in whole seconds. */
function formatUptime(since: number): string {
  return formatRouterOsDuration(Math.floor((Date.now() - since) / 1000) * 1000);
}

function normaliseValue(spec: MenuSpec, name: string, value: string): string {
  if (spec.booleans?.includes(name)) {
    if (value === 'yes' || value === 'true') return 'true';
    if (value === 'no' || value === 'false') return 'false';
  }
  if (spec.durations?.includes(name)) {
    const ms = parseRouterOsDuration(value);
    if (ms !== undefined) return formatRouterOsDuration(ms);
  }
  return value;
}

// ---- queries --------------------------------------------------------------------------------

/** The print query words (`?…`) as a test on one item, evaluated on a stack as RouterOS does. */
function compileQuery(words: readonly string[], normalise: (name: string, value: string) => string): (item: Item) => boolean {
  const steps = words.filter((w) => w.startsWith('?')).map((w) => w.slice(1));
  if (steps.length === 0) return () => true;
  return (item) => {
    const stack: boolean[] = [];
    for (const step of steps) {
      if (step.startsWith('#')) {
        const ops = step.slice(1);
        for (let i = 0; i < ops.length; i++) {
          const op = ops[i]!;
          if (op === '|' || op === '&') {
            const b = stack.pop() ?? false;
            const a = stack.pop() ?? false;
            stack.push(op === '|' ? a || b : a && b);
          } else if (op === '!') stack.push(!(stack.pop() ?? false));
          else if (op === '.') stack.push(stack[stack.length - 1] ?? false);
          else if (/\d/.test(op)) {
            let digits = op;
            while (i + 1 < ops.length && /\d/.test(ops[i + 1]!)) digits += ops[++i];
            stack.push(stack[Number(digits)] ?? false);
          }
        }
        continue;
      }
      if (step.startsWith('-')) {
        stack.push(item[step.slice(1)] === undefined);
        continue;
      }
      const compare = step[0] === '<' || step[0] === '>' ? step[0] : step[0] === '=' ? '=' : undefined;
      const body = compare ? step.slice(1) : step;
      const eq = body.indexOf('=');
      if (eq < 0) {
        stack.push(item[body] !== undefined);
        continue;
      }
      const name = body.slice(0, eq);
      const wanted = normalise(name, body.slice(eq + 1));
      const actual = item[name];
      if (actual === undefined) stack.push(false);
      else if (compare === '<' || compare === '>') {
        const numeric = /^-?\d+(\.\d+)?$/.test(actual) && /^-?\d+(\.\d+)?$/.test(wanted);
        const order = numeric ? Number(actual) - Number(wanted) : actual < wanted ? -1 : actual > wanted ? 1 : 0;
        stack.push(compare === '<' ? order < 0 : order > 0);
      } else stack.push(actual === wanted);
    }
    return stack.every(Boolean);
  };
}

// ---- the router -----------------------------------------------------------------------------

interface Interface {
  name: string;
  type: string;
  mac: string;
  comment?: string;
  /** Bytes per second received and sent (rx from the wire, tx to it). */
  rxRate: number;
  txRate: number;
  rxBase: number;
  txBase: number;
}

class TrapError extends Error {
  constructor(
    message: string,
    readonly category?: number,
  ) {
    super(message);
  }
}

const PRINT_FLAGS = new Set(['.proplist', 'detail', 'stats', 'without-paging', 'terse', 'brief', 'count-only', 'follow', 'follow-only', 'interval', 'where', '.query']);

class Router {
  readonly version: Version;
  readonly specs: Record<string, MenuSpec>;
  readonly menus = new Map<string, Entry[]>();
  private readonly nextId = new Map<string, number>();
  private readonly unknown: Set<string>;
  private readonly started = Date.now();
  private readonly bootedAt: number;
  private sessionCounter = 0;

  constructor(private readonly options: Required<Pick<RouterOsEmulatorOptions, 'version' | 'identity' | 'boardName'>> & RouterOsEmulatorOptions) {
    this.version = parseVersion(options.version);
    this.specs = menuSpecs(this.version);
    this.unknown = new Set(options.unknownProperties ?? []);
    if (!atLeast(this.version, 7, 15)) this.unknown.add('require-message-auth');
    this.bootedAt = this.started - (3 * 86_400 + 4 * 3600 + 12 * 60 + 5) * 1000;
    for (const menu of Object.keys(this.specs)) this.menus.set(menu, []);
    this.seed();
  }

  private seed(): void {
    this.single('/system/identity', { name: this.options.identity });
    const version = /\s/.test(this.options.version) ? this.options.version : `${this.options.version} (stable)`;
    const totalMemory = 268_435_456;
    this.single('/system/resource', {
      version,
      'build-time': '2024-10-24 11:07:38',
      'factory-software': '6.44.6',
      'free-memory': '0',
      'total-memory': String(totalMemory),
      cpu: 'ARM',
      'cpu-count': '4',
      'cpu-frequency': '864',
      'free-hdd-space': '3624960',
      'total-hdd-space': '16777216',
      'write-sect-since-reboot': '4410',
      'write-sect-total': '118340',
      'architecture-name': 'arm',
      'board-name': this.options.boardName,
      platform: 'MikroTik',
    }, () => ({
      uptime: formatUptime(this.bootedAt),
      'cpu-load': String(1 + Math.floor(Math.random() * 40)),
      'free-memory': String(Math.floor(totalMemory * (0.55 + Math.random() * 0.05))),
    }));
    const mbit = 125_000;
    const interfaces: Interface[] = [
      { name: 'ether1', type: 'ether', mac: '48:8F:5A:10:00:01', comment: 'WAN', rxRate: 4 * mbit, txRate: 1.5 * mbit, rxBase: 41_870_112_345, txBase: 9_312_004_117 },
      { name: 'ether2', type: 'ether', mac: '48:8F:5A:10:00:02', rxRate: 0.2 * mbit, txRate: 0.5 * mbit, rxBase: 1_204_553_012, txBase: 3_556_710_934 },
      { name: 'bridge-hotspot', type: 'bridge', mac: '48:8F:5A:10:00:03', rxRate: 1.4 * mbit, txRate: 3.8 * mbit, rxBase: 8_991_220_456, txBase: 38_120_665_903 },
    ];
    for (const iface of interfaces) this.addInterface(iface);
    this.single('/radius/incoming', { accept: 'false', port: '3799', ...(this.version[0] >= 7 ? { vrf: 'main' } : {}) });
    this.insert('/ip/hotspot/profile', { ...hotspotProfileDefaults(), name: 'default', default: 'true' });
    this.insert('/ip/hotspot/profile', { ...hotspotProfileDefaults(), name: 'hsprof1', 'hotspot-address': '10.5.50.1', 'dns-name': 'login.wifi' });
    this.insert('/ip/hotspot', { ...this.specs['/ip/hotspot']!.defaults, name: 'hotspot1', interface: 'bridge-hotspot', 'address-pool': 'hs-pool-3', profile: 'hsprof1' });
    this.single('/ppp/aaa', { 'use-radius': 'false', accounting: 'true', 'interim-update': '0s', 'use-circuit-id-in-nas-port-id': 'false', ...(this.version[0] >= 7 ? { 'enable-ipv6-accounting': 'false' } : {}) });
    const services: Array<[string, string, string]> = [['telnet', '23', 'true'], ['ftp', '21', 'true'], ['www', '80', 'false'], ['ssh', '22', 'false'], ['www-ssl', '443', 'true'], ['api', '8728', 'false'], ['winbox', '8291', 'false'], ['api-ssl', '8729', this.options.tls ? 'false' : 'true']];
    for (const [name, port, disabled] of services) this.insert('/ip/service', { name, port, address: '', certificate: name.endsWith('ssl') ? 'none' : '', disabled, invalid: 'false' });
  }

  private single(menu: string, props: Item, live?: () => Item): void {
    this.menus.set(menu, [{ props, ...(live && { live }) }]);
  }

  private newId(menu: string): string {
    const next = this.nextId.get(menu) ?? 1;
    this.nextId.set(menu, next + 1);
    return `*${next.toString(16).toUpperCase()}`;
  }

  insert(menu: string, props: Item, extra: Omit<Entry, 'id' | 'props'> = {}, before?: number): string {
    const id = this.newId(menu);
    const list = this.menus.get(menu)!;
    const entry: Entry = { id, props, ...extra };
    if (before === undefined) list.push(entry);
    else list.splice(before, 0, entry);
    return id;
  }

  private addInterface(iface: Interface): void {
    const started = this.started;
    this.insert('/interface', {
      name: iface.name,
      'default-name': iface.type === 'ether' ? iface.name : '',
      type: iface.type,
      mtu: '1500',
      'actual-mtu': '1500',
      l2mtu: '1598',
      'max-l2mtu': '9214',
      'mac-address': iface.mac,
      'last-link-up-time': '2026-11-20 08:14:02',
      'link-downs': '1',
      ...(iface.comment && { comment: iface.comment }),
      running: 'true',
      disabled: 'false',
    }, {
      live: () => {
        const seconds = (Date.now() - started) / 1000;
        const rx = Math.floor(iface.rxBase + iface.rxRate * seconds);
        const tx = Math.floor(iface.txBase + iface.txRate * seconds);
        return {
          'rx-byte': String(rx),
          'tx-byte': String(tx),
          'rx-packet': String(Math.floor(rx / 900)),
          'tx-packet': String(Math.floor(tx / 1100)),
          'rx-drop': '0',
          'tx-drop': '0',
          'tx-queue-drop': '0',
          'rx-error': '0',
          'tx-error': '0',
          'fp-rx-byte': String(rx),
          'fp-tx-byte': '0',
          'fp-rx-packet': String(Math.floor(rx / 900)),
          'fp-tx-packet': '0',
        };
      },
    });
    this.rates.set(iface.name, iface);
  }

  readonly rates = new Map<string, Interface>();

  /** Every value of an entry as a print shows it: stored, then moving, without what this firmware does not know. */
  view(menu: string, entry: Entry): Item {
    const out: Item = {};
    if (entry.id !== undefined) out['.id'] = entry.id;
    const merged = { ...entry.props, ...entry.live?.() };
    for (const [name, value] of Object.entries(merged)) if (!this.unknown.has(name)) out[name] = value;
    return out;
  }

  /** What the API user is shown: without the "sensitive" policy, /radius prints leave out the secret. */
  private shown(menu: string, entry: Entry): Item {
    const item = this.view(menu, entry);
    if (this.options.hideSecrets && menu === '/radius') delete item.secret;
    return item;
  }

  items(menu: string): Item[] {
    const list = this.menus.get(menu);
    if (!list) throw new Error(`the emulator has no menu ${menu}`);
    return list.map((entry) => this.view(menu, entry));
  }

  addHotspotUser(user: EmulatedUser): string {
    const since = Date.now();
    const inRate = user.inRate ?? 20_000;
    const outRate = user.outRate ?? 80_000;
    const profile = this.findByName('/ip/hotspot/profile', 'hsprof1');
    return this.insert('/ip/hotspot/active', {
      server: 'hotspot1',
      user: user.user,
      domain: '',
      address: user.address,
      'mac-address': user.macAddress,
      'login-by': 'http-chap',
      'idle-time': '0s',
      'keepalive-timeout': '2m',
      radius: profile?.props['use-radius'] === 'true' ? 'true' : 'false',
      blocked: 'false',
    }, {
      live: () => {
        const seconds = (Date.now() - since) / 1000;
        const bytesIn = Math.floor(inRate * seconds);
        const bytesOut = Math.floor(outRate * seconds);
        return {
          uptime: formatUptime(since),
          'bytes-in': String(bytesIn),
          'bytes-out': String(bytesOut),
          'packets-in': String(Math.floor(bytesIn / 600)),
          'packets-out': String(Math.floor(bytesOut / 1200)),
        };
      },
    });
  }

  addPppUser(user: EmulatedUser & { sessionId?: string; maxLimit?: string }): string {
    const since = Date.now();
    const up = user.inRate ?? 30_000;
    const down = user.outRate ?? 120_000;
    const queueName = `<pppoe-${user.user}>`;
    const sessionId = user.sessionId ?? `0x81c0${(++this.sessionCounter).toString(16).padStart(4, '0')}`;
    const aaa = this.menus.get('/ppp/aaa')![0]!;
    const maxLimit = user.maxLimit ?? `${roundBits(up * 8 * 2)}/${roundBits(down * 8 * 2)}`;
    const queueId = this.insert('/queue/simple', {
      ...this.specs['/queue/simple']!.defaults,
      name: queueName,
      target: queueName,
      'max-limit': maxLimit,
      dynamic: 'true',
    }, {
      live: () => {
        const seconds = (Date.now() - since) / 1000;
        const jitter = (): number => 0.85 + Math.random() * 0.3;
        const bytesUp = Math.floor(up * seconds);
        const bytesDown = Math.floor(down * seconds);
        return {
          bytes: `${bytesUp}/${bytesDown}`,
          packets: `${Math.floor(bytesUp / 600)}/${Math.floor(bytesDown / 1200)}`,
          rate: `${Math.round(up * 8 * jitter())}/${Math.round(down * 8 * jitter())}`,
          'packet-rate': `${Math.round(up / 600)}/${Math.round(down / 1200)}`,
        };
      },
    });
    return this.insert('/ppp/active', {
      name: user.user,
      service: 'pppoe',
      'caller-id': user.macAddress,
      address: user.address,
      encoding: '',
      'session-id': sessionId,
      'limit-bytes-in': '0',
      'limit-bytes-out': '0',
      radius: aaa.props['use-radius'] === 'true' ? 'true' : 'false',
    }, {
      live: () => ({ uptime: formatUptime(since) }),
      onRemove: () => this.removeById('/queue/simple', queueId),
    });
  }

  private findByName(menu: string, name: string): Entry | undefined {
    return this.menus.get(menu)?.find((entry) => entry.props.name === name);
  }

  private removeById(menu: string, id: string): void {
    const list = this.menus.get(menu)!;
    const at = list.findIndex((entry) => entry.id === id);
    if (at >= 0) list.splice(at, 1)[0]!.onRemove?.();
  }

  // ---- commands ----

  /** Runs one logged-in command; answers its reply sentences (without tags: the connection adds them). */
  run(command: string, words: readonly string[]): Reply[] {
    const cut = command.lastIndexOf('/');
    const menu = command.slice(0, cut);
    const verb = command.slice(cut + 1);
    if (command === '/interface/monitor-traffic') return this.monitorTraffic(attributesOf(words), words);
    const spec = this.specs[menu];
    if (!spec) throw new TrapError('no such command prefix', 0);
    const attributes = attributesOf(words);
    if (verb === 'print') return this.print(menu, spec, attributes, words);
    if (verb === 'get') return this.get(menu, spec, attributes);
    if (!(spec.commands as readonly string[]).includes(verb)) throw new TrapError('no such command', 0);
    switch (verb as Verb) {
      case 'add':
        return this.add(menu, spec, attributes);
      case 'set':
        return this.set(menu, spec, attributes);
      case 'remove':
        for (const entry of this.targets(menu, spec, attributes, ['numbers', '.id'])) this.removeById(menu, entry.id!);
        return [['!done']];
      case 'unset':
        return this.unset(menu, spec, attributes);
      case 'enable':
      case 'disable':
        for (const entry of this.targets(menu, spec, attributes, ['numbers', '.id'])) entry.props.disabled = verb === 'disable' ? 'true' : 'false';
        return [['!done']];
      case 'move':
        return this.move(menu, spec, attributes);
    }
  }

  private unknownParameter(name: string): TrapError {
    return new TrapError(this.version[0] >= 7 ? `unknown parameter ${name}` : 'unknown parameter', 1);
  }

  private noSuchItem(): TrapError {
    return new TrapError(this.version[0] >= 7 ? 'no such item (4)' : 'no such item', 0);
  }

  private checkNames(spec: MenuSpec, attributes: Item, allowed: readonly string[]): void {
    for (const name of Object.keys(attributes)) {
      if (allowed.includes(name)) continue;
      if (this.unknown.has(name) || !spec.writable.includes(name)) throw this.unknownParameter(name);
    }
  }

  /** The entries named by `=numbers=` / `=.id=`: ids (`*1`), or names where the menu has them. */
  private targets(menu: string, spec: MenuSpec, attributes: Item, allowed: readonly string[]): Entry[] {
    if (spec.kind === 'single') throw new TrapError('no such command', 0);
    this.checkNames({ ...spec, writable: [] }, attributes, allowed);
    const list = this.menus.get(menu)!;
    const wanted = attributes['.id'] ?? attributes.numbers ?? attributes.number;
    if (wanted === undefined || wanted === '') throw new TrapError('missing value(s) of argument(s) numbers', 1);
    return wanted.split(',').map((key) => {
      const entry = list.find((e) => e.id === key || (!key.startsWith('*') && e.props.name === key));
      if (!entry) throw this.noSuchItem();
      return entry;
    });
  }

  private print(menu: string, spec: MenuSpec, attributes: Item, words: readonly string[]): Reply[] {
    for (const name of Object.keys(attributes)) if (!PRINT_FLAGS.has(name)) throw this.unknownParameter(name);
    const proplist = (attributes['.proplist'] ?? words.find((w) => w.startsWith('.proplist='))?.slice(10))?.split(',').filter(Boolean);
    const matches = compileQuery(words, (name, value) => normaliseValue(spec, name, value));
    const found = this.menus.get(menu)!.map((entry) => this.shown(menu, entry)).filter(matches);
    if ('count-only' in attributes) return [['!done', `=ret=${found.length}`]];
    if (found.length === 0) return atLeast(this.version, 7, 18) ? [['!empty'], ['!done']] : [['!done']];
    const replies: Reply[] = found.map((item) => {
      const names = proplist ?? Object.keys(item);
      return ['!re', ...names.filter((n) => item[n] !== undefined).map((n) => `=${n}=${item[n]}`)];
    });
    replies.push(['!done']);
    return replies;
  }

  private get(menu: string, spec: MenuSpec, attributes: Item): Reply[] {
    const name = attributes['value-name'];
    const { ['value-name']: _, ...rest } = attributes;
    const entry = spec.kind === 'single' ? (this.checkNames({ ...spec, writable: [] }, rest, []), this.menus.get(menu)![0]!) : this.targets(menu, spec, rest, ['numbers', 'number', '.id'])[0]!;
    if (name === undefined) throw new TrapError('missing value(s) of argument(s) value-name', 1);
    const value = this.shown(menu, entry)[name];
    if (value === undefined) throw this.unknownParameter(name);
    return [['!done', `=ret=${value}`]];
  }

  private add(menu: string, spec: MenuSpec, attributes: Item): Reply[] {
    this.checkNames(spec, attributes, []);
    const { ['place-before']: placeBefore, ...given } = attributes;
    const props: Item = { ...spec.defaults };
    for (const [name, value] of Object.entries(given)) props[name] = normaliseValue(spec, name, value);
    if (spec.uniqueName) {
      if (!props.name) throw new TrapError('missing value(s) of argument(s) name', 1);
      if (this.findByName(menu, props.name)) throw new TrapError('failure: already have such name', 1);
    }
    let before: number | undefined;
    if (placeBefore !== undefined) {
      before = this.menus.get(menu)!.findIndex((entry) => entry.id === placeBefore);
      if (before < 0) throw this.noSuchItem();
    }
    return [['!done', `=ret=${this.insert(menu, props, {}, before)}`]];
  }

  private set(menu: string, spec: MenuSpec, attributes: Item): Reply[] {
    const { numbers, ['.id']: id, ...changes } = attributes;
    let entries: Entry[];
    if (spec.kind === 'single') {
      // A single menu has no items to pick: naming one is an argument the command lacks.
      if (numbers !== undefined) throw this.unknownParameter('numbers');
      if (id !== undefined) throw this.unknownParameter('.id');
      entries = [this.menus.get(menu)![0]!];
    } else entries = this.targets(menu, spec, { ...(numbers !== undefined && { numbers }), ...(id !== undefined && { '.id': id }) }, ['numbers', '.id']);
    this.checkNames({ ...spec, writable: spec.writable.filter((n) => n !== 'place-before') }, changes, []);
    if (spec.uniqueName && changes.name !== undefined) {
      const other = this.findByName(menu, changes.name);
      if (other && !entries.includes(other)) throw new TrapError('failure: already have such name', 1);
    }
    for (const entry of entries) for (const [name, value] of Object.entries(changes)) entry.props[name] = normaliseValue(spec, name, value);
    return [['!done']];
  }

  private unset(menu: string, spec: MenuSpec, attributes: Item): Reply[] {
    const name = attributes['value-name'];
    const { ['value-name']: _, ...rest } = attributes;
    const entries = spec.kind === 'single' ? [this.menus.get(menu)![0]!] : this.targets(menu, spec, rest, ['numbers', '.id']);
    if (name === undefined) throw new TrapError('missing value(s) of argument(s) value-name', 1);
    if (this.unknown.has(name) || !spec.writable.includes(name)) throw this.unknownParameter(name);
    for (const entry of entries) {
      const fallback = spec.defaults?.[name];
      if (fallback === undefined) delete entry.props[name];
      else entry.props[name] = fallback;
    }
    return [['!done']];
  }

  private move(menu: string, spec: MenuSpec, attributes: Item): Reply[] {
    const { destination, ...rest } = attributes;
    const moving = this.targets(menu, spec, rest, ['numbers', '.id']);
    const list = this.menus.get(menu)!;
    for (const entry of moving) list.splice(list.indexOf(entry), 1);
    let at = list.length;
    if (destination !== undefined && destination !== '') {
      at = list.findIndex((entry) => entry.id === destination);
      if (at < 0) throw this.noSuchItem();
    }
    list.splice(at, 0, ...moving);
    return [['!done']];
  }

  /** One `!re` per interface: bits and packets per second now, near the interface's rate. */
  trafficSample(names: readonly string[], proplist?: readonly string[]): Reply[] {
    return names.map((name) => {
      const iface = this.rates.get(name)!;
      const jitter = (): number => 0.9 + Math.random() * 0.2;
      const rx = iface.rxRate * jitter();
      const tx = iface.txRate * jitter();
      const item: Item = {
        name,
        'rx-packets-per-second': String(Math.round(rx / 900)),
        'rx-bits-per-second': String(Math.round(rx * 8)),
        'fp-rx-packets-per-second': String(Math.round(rx / 900)),
        'fp-rx-bits-per-second': String(Math.round(rx * 8)),
        'rx-drops-per-second': '0',
        'rx-errors-per-second': '0',
        'tx-packets-per-second': String(Math.round(tx / 1100)),
        'tx-bits-per-second': String(Math.round(tx * 8)),
        'fp-tx-packets-per-second': '0',
        'fp-tx-bits-per-second': '0',
        'tx-drops-per-second': '0',
        'tx-queue-drops-per-second': '0',
        'tx-errors-per-second': '0',
      };
      return ['!re', ...(proplist ?? Object.keys(item)).filter((n) => item[n] !== undefined).map((n) => `=${n}=${item[n]}`)];
    });
  }

  /** Validates a monitor-traffic command; the connection answers once or streams. */
  private monitorTraffic(attributes: Item, words: readonly string[]): Reply[] {
    for (const name of Object.keys(attributes)) if (!['interface', 'once', '.proplist', 'duration', 'interval'].includes(name)) throw this.unknownParameter(name);
    const names = monitoredInterfaces(attributes);
    if (names.length === 0) throw new TrapError('missing value(s) of argument(s) interface', 1);
    for (const name of names) if (!this.rates.has(name)) throw this.noSuchItem();
    if (!('once' in attributes)) throw new StreamRequest(names, proplistOf(attributes, words));
    return [...this.trafficSample(names, proplistOf(attributes, words)), ['!done']];
  }
}

/** Thrown by a command that keeps answering until cancelled; the connection runs the stream. */
class StreamRequest extends Error {
  constructor(
    readonly interfaces: string[],
    readonly proplist: string[] | undefined,
  ) {
    super('stream');
  }
}

function monitoredInterfaces(attributes: Item): string[] {
  return (attributes.interface ?? '').split(',').filter(Boolean);
}

function proplistOf(attributes: Item, words: readonly string[]): string[] | undefined {
  return (attributes['.proplist'] ?? words.find((w) => w.startsWith('.proplist='))?.slice(10))?.split(',').filter(Boolean);
}

/** Bits per second rounded up to whole kilobits, as an operator would write a limit. */
function roundBits(bits: number): number {
  return Math.max(1000, Math.ceil(bits / 1000) * 1000);
}

// ---- connections ----------------------------------------------------------------------------

export async function startRouterOsEmulator(options: RouterOsEmulatorOptions = {}): Promise<RouterOsEmulator> {
  const username = options.username ?? 'admin';
  const password = options.password ?? '';
  const router = new Router({ ...options, version: options.version ?? '7.16.2', identity: options.identity ?? 'MikroTik', boardName: options.boardName ?? 'hAP ac^2' });
  const commands: string[][] = [];
  const sockets = new Set<Socket>();
  const streams = new Set<NodeJS.Timeout>();
  let responsive = true;

  const serve = (socket: Socket): void => {
    sockets.add(socket);
    const reader = new SentenceReader();
    const running = new Map<string, NodeJS.Timeout>();
    let loggedIn = false;
    let challenge: Buffer | undefined;

    const send = (sentences: Reply[], tag: string | undefined): void => {
      if (socket.destroyed) return;
      const tagged = sentences.map(([kind, ...rest]) => (tag === undefined ? [kind!, ...rest] : [kind!, `.tag=${tag}`, ...rest]));
      socket.write(Buffer.concat(tagged.map((words) => encodeSentence(words))));
    };
    const trap = (error: TrapError, tag: string | undefined): void => {
      send([['!trap', ...(error.category !== undefined ? [`=category=${error.category}`] : []), `=message=${error.message}`], ['!done']], tag);
    };
    const stopAll = (): void => {
      for (const timer of running.values()) {
        clearInterval(timer);
        streams.delete(timer);
      }
      running.clear();
    };

    const login = (attributes: Record<string, string>, tag: string | undefined): void => {
      if (attributes.response !== undefined && challenge) {
        const expected = '00' + createHash('md5').update(Buffer.concat([Buffer.from([0]), Buffer.from(password, 'utf8'), challenge])).digest('hex');
        challenge = undefined;
        if (options.legacyLogin && attributes.name === username && attributes.response.toLowerCase() === expected) {
          loggedIn = true;
          send([['!done']], tag);
        } else trap(new TrapError(options.legacyLogin ? 'cannot log in' : 'invalid user name or password (6)'), tag);
        return;
      }
      // A pre-6.43 router answers every /login without a response with a challenge; later ones
      // still do when no name is given, and take the name and password in the clear.
      if (options.legacyLogin || attributes.name === undefined) {
        challenge = randomBytes(16);
        send([['!done', `=ret=${challenge.toString('hex')}`]], tag);
        return;
      }
      if (attributes.name === username && attributes.password === password) {
        loggedIn = true;
        send([['!done']], tag);
      } else trap(new TrapError('invalid user name or password (6)'), tag);
    };

    const handle = (words: string[]): void => {
      if (words.length === 0) return;
      const [command, ...rest] = words as [string, ...string[]];
      const tag = tagOf(rest);
      const attributes = attributesOf(rest);
      if (command === '/login') return login(attributes, tag);
      if (!loggedIn) return trap(new TrapError('not logged in'), tag);
      commands.push(words.map((word) => (word.startsWith('=password=') ? '=password=' : word)));
      if (command === '/quit') {
        send([['!fatal', 'session terminated on request']], undefined);
        socket.end();
        return;
      }
      if (command === '/cancel') {
        const targets = attributes.tag !== undefined ? [attributes.tag] : [...running.keys()];
        const cancelled = targets.filter((t) => running.has(t));
        for (const t of cancelled) {
          const timer = running.get(t)!;
          clearInterval(timer);
          streams.delete(timer);
          running.delete(t);
          send([['!trap', '=category=2', '=message=interrupted']], t);
        }
        send([['!done']], tag);
        for (const t of cancelled) send([['!done']], t);
        return;
      }
      try {
        send(router.run(command, rest), tag);
      } catch (error) {
        if (error instanceof StreamRequest) {
          const key = tag ?? '';
          const previous = running.get(key);
          if (previous) {
            clearInterval(previous);
            streams.delete(previous);
          }
          const tick = (): void => {
            if (responsive) send(router.trafficSample(error.interfaces, error.proplist), tag);
          };
          tick();
          const timer = setInterval(tick, 1000);
          running.set(key, timer);
          streams.add(timer);
        } else if (error instanceof TrapError) trap(error, tag);
        else throw error;
      }
    };

    socket.on('data', (chunk: Buffer) => {
      let sentences: string[][];
      try {
        sentences = reader.push(chunk);
      } catch {
        // A control byte or an impossible length: RouterOS hangs up on that connection only.
        socket.destroy();
        return;
      }
      if (!responsive) {
        for (const words of sentences) if (loggedIn && words[0] !== '/login') commands.push(words.map((w) => (w.startsWith('=password=') ? '=password=' : w)));
        return;
      }
      for (const words of sentences) {
        try {
          handle(words);
        } catch (error) {
          send([['!fatal', `emulator: ${error instanceof Error ? error.message : String(error)}`]], undefined);
          socket.destroy();
          return;
        }
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      stopAll();
      sockets.delete(socket);
    });
  };

  const server: Server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, serve) : createTcpServer(serve);
  server.on('tlsClientError', () => undefined);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const address = server.address() as AddressInfo;

  return {
    port: address.port,
    host: address.address,
    items: (menu) => router.items(menu),
    addHotspotUser: (user) => router.addHotspotUser(user),
    addPppUser: (user) => router.addPppUser(user),
    commands,
    setResponsive(on) {
      responsive = on;
    },
    get connections() {
      return sockets.size;
    },
    async close() {
      for (const timer of streams) clearInterval(timer);
      streams.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- command line ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...listenArgs('8728'),
      user: { type: 'string', default: 'admin' },
      password: { type: 'string', default: '' },
      version: { type: 'string', default: '7.16.2' },
      identity: { type: 'string' },
      'legacy-login': { type: 'boolean', default: false },
      'hide-secrets': { type: 'boolean', default: false },
    },
  });
  const emulator = await startRouterOsEmulator({
    port: Number(values.port),
    host: values.host,
    username: values.user,
    password: values.password,
    version: values.version,
    legacyLogin: values['legacy-login'],
    hideSecrets: values['hide-secrets'],
    ...(values.identity !== undefined && { identity: values.identity }),
  });
  serveUntilSignalled(emulator, { host: emulator.host, port: emulator.port, user: values.user, version: values.version });
}

runIfMain(import.meta.url, main);
