import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { nas } from '../db/schema/aaa.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { formatRouterOsDuration, parseRouterOsDuration } from '../routeros/durations.js';
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
  /** The same for the staff pages' catalogue: staff.routerApi.items.<itemKey> with itemValues (e.g. { name: 'hsprof1' }, { host: 'portal.example.co.ke' }). */
  itemKey: 'radiusClient' | 'radiusIncoming' | 'hotspotProfile' | 'pppAaa' | 'walledGarden';
  itemValues: Record<string, string>;
  /** Property → value now on the router ('' when absent); the secret shows as '••••'. */
  before: Record<string, string>;
  /** Property → value after the change; the secret shows as '••••'. */
  after: Record<string, string>;
}

export interface SetupPlan {
  nasId: number;
  routerosVersion: string | undefined;
  changes: SetupChange[];
  /**
   * The Lango /radius entry exists but its secret could not be read (an API user without the
   * "sensitive" policy): the secret is written only with other changes to the entry, never on
   * its own, so it may differ from Lango's without the plan showing it.
   */
  secretUnreadable: boolean;
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
  const { steps, secretUnreadable } = await plannedSteps(session, target);
  return { nasId: target.nasId, routerosVersion: session.routerosVersion, changes: steps.map((s) => s.change), secretUnreadable };
}

/** Makes the changes (reads again first, so it is idempotent however stale the plan). */
export async function applySetup(session: RouterOsSession, target: SetupTarget): Promise<{ applied: SetupChange[]; secretUnreadable: boolean }> {
  const applied: SetupChange[] = [];
  const { steps, secretUnreadable } = await plannedSteps(session, target);
  for (const { change, send } of steps) {
    const words = [...(change.id !== undefined ? [`=.id=${change.id}`] : []), ...Object.entries(send).map(([k, v]) => `=${k}=${v}`)];
    try {
      await session.run(`${change.menu}/${change.action}`, words);
    } catch (err) {
      if (err instanceof RouterOsError && err.kind === 'trap') throw new SetupStepFailed(change, applied, err);
      throw err;
    }
    applied.push(change);
  }
  return { applied, secretUnreadable };
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
const pppProperties = (target: SetupTarget) => ({ 'use-radius': 'yes', accounting: 'yes', 'interim-update': formatRouterOsDuration(target.interimSeconds * 1000) });
const walledGardenProperties = (host: string) => ({ 'dst-host': host, action: 'allow', comment: LANGO });

/** Which item a change is to, for people and for the staff pages' catalogue. */
type Label = Pick<SetupChange, 'item' | 'itemKey' | 'itemValues'>;

const RADIUS_CLIENT: Label = { item: 'Lango RADIUS client', itemKey: 'radiusClient', itemValues: {} };

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

async function plannedSteps(session: RouterOsSession, target: SetupTarget): Promise<{ steps: Step[]; secretUnreadable: boolean }> {
  const steps: Step[] = [];
  let secretUnreadable = false;
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
    if ('secret' in found) {
      push(steps, setStep('/radius', found['.id'], RADIUS_CLIENT, found, radiusWanted));
    } else {
      // An API user without the "sensitive" policy is not shown the secret. Writing it on every
      // run would make setup never finish, so it goes along only when the entry changes anyway.
      secretUnreadable = true;
      const { secret, ...rest } = radiusWanted;
      const step = setStep('/radius', found['.id'], RADIUS_CLIENT, found, rest);
      if (step) {
        step.send.secret = secret!;
        step.change.before.secret = MASK;
        step.change.after.secret = MASK;
      }
      push(steps, step);
    }
  } else {
    push(steps, addStep('/radius', RADIUS_CLIENT, radiusWanted));
  }

  const incomingWanted = incomingProperties(target);
  const [incoming = {}] = await read(session, '/radius/incoming', Object.keys(incomingWanted));
  push(steps, setStep('/radius/incoming', undefined, { item: 'RADIUS incoming (CoA and Disconnect)', itemKey: 'radiusIncoming', itemValues: {} }, incoming, incomingWanted));

  const profileWanted = profileProperties();
  for (const profile of await read(session, '/ip/hotspot/profile', ['.id', 'name', ...Object.keys(profileWanted)])) {
    const name = profile.name ?? profile['.id'] ?? '';
    push(steps, setStep('/ip/hotspot/profile', profile['.id'], { item: `hotspot profile ${name}`, itemKey: 'hotspotProfile', itemValues: { name } }, profile, profileWanted));
  }

  const pppWanted = pppProperties(target);
  const [aaa = {}] = await read(session, '/ppp/aaa', Object.keys(pppWanted));
  push(steps, setStep('/ppp/aaa', undefined, { item: 'PPP AAA', itemKey: 'pppAaa', itemValues: {} }, aaa, pppWanted));

  if (target.walledGarden.length > 0) {
    const garden = await read(session, '/ip/hotspot/walled-garden', ['.id', 'dst-host', 'action', 'disabled']);
    for (const host of target.walledGarden) {
      // Any enabled allow entry for the host will do, the operator's own included; theirs are never touched.
      const allowed = garden.some((item) => same('host', item['dst-host'], host) && (item.action ?? 'allow') === 'allow' && !same('bool', item.disabled, 'yes'));
      if (!allowed) push(steps, addStep('/ip/hotspot/walled-garden', { item: `walled garden ${host}`, itemKey: 'walledGarden', itemValues: { host } }, walledGardenProperties(host)));
    }
  }
  return { steps, secretUnreadable };
}

function push(steps: Step[], step: Step | undefined): void {
  if (step) steps.push(step);
}

function addStep(menu: string, label: Label, wanted: Record<string, string>): Step {
  const before = Object.fromEntries(Object.keys(wanted).map((k) => [k, '']));
  return { change: { menu, action: 'add', ...label, before, after: shown(wanted) }, send: wanted };
}

/** Only the properties that really differ; undefined when none do. */
function setStep(menu: string, id: string | undefined, label: Label, present: RouterOsItem, wanted: Record<string, string>): Step | undefined {
  const send = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => !same(kinds[k] ?? 'text', present[k], v)));
  if (Object.keys(send).length === 0) return undefined;
  const before = shown(Object.fromEntries(Object.keys(send).map((k) => [k, present[k] ?? ''])));
  return { change: { menu, action: 'set', ...(id !== undefined && { id }), ...label, before, after: shown(send) }, send };
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
      return parseRouterOsDuration(actual) !== undefined && parseRouterOsDuration(actual) === parseRouterOsDuration(wanted);
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
  const ms = parseRouterOsDuration(value);
  return value === 'received' || ms === 0 ? 'received' : String(ms ?? value);
}

function serviceSet(value: string): string[] {
  return [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))].sort();
}

function mergeServices(present: string | undefined, wanted: string): string {
  const have = present ? present.split(',').map((s) => s.trim()).filter(Boolean) : [];
  return [...new Set([...wanted.split(','), ...have])].join(',');
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
