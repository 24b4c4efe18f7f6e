import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { nas } from '../db/schema/aaa.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { RouterOsError, type RouterOsItem, type RouterOsSession } from '../routeros/types.js';

// "Set up this router": the RADIUS client, CoA, hotspot and PPP accounting and the walled
// garden that Lango needs on a MikroTik (mikrotik.md §5, §6), read over the API, compared and
// written only where the router differs, so running it twice changes nothing the second time.

/** Everything "Set up this router" needs to know, gathered from the NAS row, settings and the daemon's ports. */
export interface SetupTarget {
  nasId: number;
  nasName: string;
  /** Where the router sends RADIUS (setting routers.radiusAddress). */
  radiusAddress: string;
  /** The NAS's shared secret (opened); never logged, never shown in a diff. */
  secret: string;
  authPort: number;
  acctPort: number;
  coaPort: number;
  interimSeconds: number;
  /** Portal host (from payments.publicUrl) plus routers.walledGarden, deduplicated. */
  walledGarden: string[];
}

export interface SetupDaemonFacts {
  authPort: number;
  acctPort: number;
  coaPort: number;
  interimSeconds: number;
}

/** Throws LangoError ROUTER_NO_RADIUS_ADDRESS (setting missing) or ROUTER_UNKNOWN. */
export function setupTargetFor(db: Db, box: Pick<SecretBox, 'open'>, nasId: number, facts: SetupDaemonFacts): SetupTarget {
  const router = db.select({ name: nas.name, secretSealed: nas.secretSealed }).from(nas).where(eq(nas.id, nasId)).get();
  if (!router) throw new LangoError('ROUTER_UNKNOWN', { name: String(nasId) });
  const radiusAddress = getSetting(db, 'routers.radiusAddress');
  if (!radiusAddress) throw new LangoError('ROUTER_NO_RADIUS_ADDRESS');
  const publicUrl = getSetting(db, 'payments.publicUrl');
  const hosts = [...(publicUrl ? [new URL(publicUrl).hostname] : []), ...getSetting(db, 'routers.walledGarden')].map((h) => h.toLowerCase());
  return {
    nasId,
    nasName: router.name,
    radiusAddress,
    secret: box.open(router.secretSealed),
    authPort: facts.authPort,
    acctPort: facts.acctPort,
    coaPort: facts.coaPort,
    interimSeconds: facts.interimSeconds,
    walledGarden: [...new Set(hosts)],
  };
}

export interface SetupChange {
  /** The menu path, e.g. '/radius', '/ip/hotspot/profile'. */
  menu: string;
  action: 'add' | 'set';
  /** The item's .id for 'set' on a list item; undefined for 'add' and for single-item menus (/radius/incoming, /ppp/aaa). */
  id?: string | undefined;
  /** Which item, for people: 'Lango RADIUS client', 'hotspot profile hsprof1', 'walled garden portal.example.co.ke'. */
  item: string;
  /** Property → value now on the router ('' when absent); the secret shows as '••••'. */
  before: Record<string, string>;
  /** Property → value after the change; the secret shows as '••••'. */
  after: Record<string, string>;
}

export interface SetupPlan {
  nasId: number;
  routerosVersion: string | undefined;
  changes: SetupChange[];
}

/** A change the router refused while setup was writing: which one, and what had already been written. */
export class SetupStepFailed extends RouterOsError {
  constructor(
    readonly change: SetupChange,
    readonly applied: SetupChange[],
    cause: RouterOsError,
  ) {
    super(cause.kind, `${change.item} (${change.menu} ${change.action}): ${cause.message}`, cause.category);
    this.name = 'SetupStepFailed';
  }
}

/** Reads the router's present configuration and lists what setup would change (nothing when already set up). */
export async function planSetup(session: RouterOsSession, target: SetupTarget): Promise<SetupPlan> {
  const steps = await plannedSteps(session, target);
  return { nasId: target.nasId, routerosVersion: session.routerosVersion, changes: steps.map((s) => s.change) };
}

/** Makes the changes (reads again first, so it is idempotent however stale the plan). */
export async function applySetup(session: RouterOsSession, target: SetupTarget): Promise<{ applied: SetupChange[] }> {
  const applied: SetupChange[] = [];
  for (const { change, send } of await plannedSteps(session, target)) {
    const words = [...(change.id !== undefined ? [`=.id=${change.id}`] : []), ...Object.entries(send).map(([k, v]) => `=${k}=${v}`)];
    try {
      await session.run(`${change.menu}/${change.action}`, words);
    } catch (err) {
      if (err instanceof RouterOsError && err.kind === 'trap') throw new SetupStepFailed(change, applied, err);
      throw err;
    }
    applied.push(change);
  }
  return { applied };
}

/** The same configuration as RouterOS CLI lines an operator can paste (the secret as given, or a placeholder). */
export function setupCommands(target: SetupTarget, options: { showSecret: boolean }): string {
  const secret = options.showSecret ? target.secret : 'PASTE-THE-SHARED-SECRET';
  const radius = radiusProperties(target);
  const line = (props: Record<string, string>) =>
    Object.entries(props)
      .map(([k, v]) => `${k}=${k === 'secret' || k === 'comment' ? quoted(v) : cliValue(v)}`)
      .join(' ');
  return [
    `# Lango setup for router ${target.nasName} (RouterOS v7). Paste into a terminal on the router.`,
    ...(options.showSecret ? [] : ['# Replace PASTE-THE-SHARED-SECRET with this router\'s RADIUS secret (lango router commands --show-secret).']),
    `/radius/remove [find comment=${quoted(LANGO)}]`,
    `/radius/add ${line({ ...radius, secret })}`,
    '# RouterOS 7.15 and later; older versions refuse this line, which is harmless:',
    `/radius/set [find comment=${quoted(LANGO)}] require-message-auth=${MESSAGE_AUTH}`,
    `/radius/incoming/set ${line(incomingProperties(target))}`,
    `/ip/hotspot/profile/set [find] ${line(profileProperties())}`,
    `/ppp/aaa/set ${line(pppProperties(target))}`,
    `/ip/hotspot/walled-garden/remove [find comment=${quoted(LANGO)}]`,
    ...target.walledGarden.map((host) => `/ip/hotspot/walled-garden/add ${line(walledGardenProperties(host))}`),
    '# Suggested: let Lango\'s CoA and Disconnect requests through the firewall, then move the rule above any drop rule:',
    `# /ip/firewall/filter/add chain=input protocol=udp src-address=${cliValue(target.radiusAddress)} dst-port=${target.coaPort} action=accept comment="Lango CoA"`,
  ].join('\n');
}

// ---- the desired configuration -------------------------------------------------------------

const LANGO = 'Lango';
const MESSAGE_AUTH = 'yes-for-request-resp';
const MASK = '••••';

/** How a property's printed value compares: RouterOS prints its own spelling ('3000ms' for 3s, 'true' for yes). */
type Kind = 'text' | 'host' | 'bool' | 'number' | 'duration' | 'interim' | 'services' | 'secret';

const kinds: Record<string, Kind> = {
  address: 'host',
  secret: 'secret',
  service: 'services',
  'authentication-port': 'number',
  'accounting-port': 'number',
  timeout: 'duration',
  accept: 'bool',
  port: 'number',
  'use-radius': 'bool',
  'radius-accounting': 'bool',
  'radius-interim-update': 'interim',
  accounting: 'bool',
  'interim-update': 'duration',
  disabled: 'bool',
  'dst-host': 'host',
};

function radiusProperties(target: SetupTarget): Record<string, string> {
  return {
    address: target.radiusAddress,
    secret: target.secret,
    service: 'hotspot,ppp',
    'authentication-port': String(target.authPort),
    'accounting-port': String(target.acctPort),
    timeout: '3s',
    comment: LANGO,
  };
}

const incomingProperties = (target: SetupTarget) => ({ accept: 'yes', port: String(target.coaPort) });
// `received`: the interim interval comes from Lango's Access-Accept (Acct-Interim-Interval).
const profileProperties = () => ({ 'use-radius': 'yes', 'radius-accounting': 'yes', 'radius-interim-update': 'received' });
const pppProperties = (target: SetupTarget) => ({ 'use-radius': 'yes', accounting: 'yes', 'interim-update': formatDuration(target.interimSeconds) });
const walledGardenProperties = (host: string) => ({ 'dst-host': host, action: 'allow', comment: LANGO });

interface Step {
  change: SetupChange;
  /** What to send, with the real secret: never leaves this module except to the router. */
  send: Record<string, string>;
}

async function read(session: RouterOsSession, menu: string, proplist: string[]): Promise<RouterOsItem[]> {
  try {
    return (await session.run(`${menu}/print`, [`=.proplist=${proplist.join(',')}`])).items;
  } catch (err) {
    if (err instanceof RouterOsError && err.kind === 'trap') throw new RouterOsError('trap', `${menu} print: ${err.message}`, err.category);
    throw err;
  }
}

async function plannedSteps(session: RouterOsSession, target: SetupTarget): Promise<Step[]> {
  const steps: Step[] = [];
  const radiusWanted = radiusProperties(target);
  const radiusItems = await read(session, '/radius', ['.id', ...Object.keys(radiusWanted), 'require-message-auth', 'disabled']);
  const found =
    radiusItems.find((item) => item.comment === LANGO) ?? radiusItems.find((item) => same('host', item.address, target.radiusAddress));
  // Older RouterOS has no require-message-auth and refuses it; a router that prints it has it.
  if (atLeast(session.routerosVersion, 7, 15) || radiusItems.some((item) => 'require-message-auth' in item)) {
    radiusWanted['require-message-auth'] = MESSAGE_AUTH;
  }
  if (found) {
    // Keep any other services the operator put on this entry (say `login`): Lango never takes one away.
    radiusWanted.service = mergeServices(found.service, radiusWanted.service!);
    if (found.disabled !== undefined) radiusWanted.disabled = 'no';
    push(steps, setStep('/radius', found['.id'], 'Lango RADIUS client', found, radiusWanted));
  } else {
    push(steps, addStep('/radius', 'Lango RADIUS client', radiusWanted));
  }

  const incomingWanted = incomingProperties(target);
  const [incoming = {}] = await read(session, '/radius/incoming', Object.keys(incomingWanted));
  push(steps, setStep('/radius/incoming', undefined, 'RADIUS incoming (CoA and Disconnect)', incoming, incomingWanted));

  const profileWanted = profileProperties();
  for (const profile of await read(session, '/ip/hotspot/profile', ['.id', 'name', ...Object.keys(profileWanted)])) {
    push(steps, setStep('/ip/hotspot/profile', profile['.id'], `hotspot profile ${profile.name ?? profile['.id'] ?? ''}`, profile, profileWanted));
  }

  const pppWanted = pppProperties(target);
  const [aaa = {}] = await read(session, '/ppp/aaa', Object.keys(pppWanted));
  push(steps, setStep('/ppp/aaa', undefined, 'PPP AAA', aaa, pppWanted));

  if (target.walledGarden.length > 0) {
    const garden = await read(session, '/ip/hotspot/walled-garden', ['.id', 'dst-host', 'action', 'disabled']);
    for (const host of target.walledGarden) {
      // Any enabled allow entry for the host will do, the operator's own included; theirs are never touched.
      const allowed = garden.some((item) => same('host', item['dst-host'], host) && (item.action ?? 'allow') === 'allow' && !same('bool', item.disabled, 'yes'));
      if (!allowed) push(steps, addStep('/ip/hotspot/walled-garden', `walled garden ${host}`, walledGardenProperties(host)));
    }
  }
  return steps;
}

function push(steps: Step[], step: Step | undefined): void {
  if (step) steps.push(step);
}

function addStep(menu: string, item: string, wanted: Record<string, string>): Step {
  const before = Object.fromEntries(Object.keys(wanted).map((k) => [k, '']));
  return { change: { menu, action: 'add', item, before, after: shown(wanted) }, send: wanted };
}

/** Only the properties that really differ; undefined when none do. */
function setStep(menu: string, id: string | undefined, item: string, present: RouterOsItem, wanted: Record<string, string>): Step | undefined {
  const send = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => !same(kinds[k] ?? 'text', present[k], v)));
  if (Object.keys(send).length === 0) return undefined;
  const before = shown(Object.fromEntries(Object.keys(send).map((k) => [k, present[k] ?? ''])));
  return { change: { menu, action: 'set', ...(id !== undefined && { id }), item, before, after: shown(send) }, send };
}

function shown(props: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, kinds[k] === 'secret' && v !== '' ? MASK : v]));
}

// ---- RouterOS spellings --------------------------------------------------------------------

function same(kind: Kind, actual: string | undefined, wanted: string): boolean {
  if (actual === undefined) return false;
  switch (kind) {
    case 'bool':
      return truth(actual) === truth(wanted);
    case 'number':
      return Number(actual) === Number(wanted);
    case 'duration':
      return parseDuration(actual) !== undefined && parseDuration(actual) === parseDuration(wanted);
    case 'interim':
      return interim(actual) === interim(wanted);
    case 'services':
      return serviceSet(actual).join() === serviceSet(wanted).join();
    case 'host':
      return actual.trim().toLowerCase() === wanted.trim().toLowerCase();
    default:
      return actual === wanted;
  }
}

function truth(value: string): boolean | undefined {
  if (value === 'yes' || value === 'true') return true;
  if (value === 'no' || value === 'false') return false;
  return undefined;
}

/** `received` and a zero duration mean the same: use the interval from the Access-Accept. */
function interim(value: string): string {
  const ms = parseDuration(value);
  return value === 'received' || ms === 0 ? 'received' : String(ms ?? value);
}

function serviceSet(value: string): string[] {
  return [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))].sort();
}

function mergeServices(present: string | undefined, wanted: string): string {
  const have = present ? present.split(',').map((s) => s.trim()).filter(Boolean) : [];
  return [...new Set([...wanted.split(','), ...have])].join(',');
}

const UNIT_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };

/** RouterOS durations in milliseconds: '3s', '3000ms', '1h2m3s', '1w2d', '00:05:00', '1d00:00:03', '300' (seconds). */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const clock = /^(?:(\d+)d\s*)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(value);
  if (clock) {
    const [, d = '0', h, m, s, frac = '0'] = clock;
    return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000 + Number(frac.padEnd(3, '0'));
  }
  if (!/^(?:\d+(?:ms|us|w|d|h|m|s))+$/.test(value)) return undefined;
  let ms = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|us|w|d|h|m|s)/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}

/** Seconds as RouterOS writes them: 300 → '5m', 90 → '1m30s', 0 → '0s'. */
export function formatDuration(seconds: number): string {
  let rest = Math.round(seconds);
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of [['w', 604_800], ['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

function atLeast(version: string | undefined, major: number, minor: number): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!match) return false;
  const [have, haveMinor] = [Number(match[1]), Number(match[2])];
  return have > major || (have === major && haveMinor >= minor);
}

function quoted(value: string): string {
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

function cliValue(value: string): string {
  return /^[A-Za-z0-9._:,/*-]+$/.test(value) ? value : quoted(value);
}
