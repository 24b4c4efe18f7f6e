import { addNas, listNas, messageAuthenticatorPolicies, type NasSummary } from '../aaa/nas.js';
import { listSessions, type SessionView } from '../aaa/sessions.js';
import {
  addCustomer,
  addPlan,
  currencies,
  formatMoney,
  isCurrency,
  listCustomers,
  listPlans,
  parseDataSize,
  parseDuration,
  parseMoney,
  type CustomerSummary,
  type Plan,
} from '../billing/index.js';
import type { MessageAuthenticatorPolicy } from '../db/schema/aaa.js';
import { LangoError } from '../errors.js';
import { formatTime, table, type Command, type Values } from './command.js';

const json = { json: { type: 'boolean' as const } };
const str = (v: Values, k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);

function choice<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new LangoError('INPUT_BAD_CHOICE', { value, option, allowed: allowed.join(', ') });
  return value as T;
}

function humanDuration(seconds: number | null): string {
  if (seconds === null) return 'no limit';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

function humanBytes(bytes: number | null): string {
  if (bytes === null) return 'unlimited';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let n = bytes;
  while (n >= 1000 && i < units.length - 1) (n /= 1000), i++;
  return `${Number(n.toFixed(2))}${units[i]}`;
}

export const commands: Command[] = [
  {
    words: ['nas', 'add'],
    summary: 'Add a router (NAS) that may send RADIUS requests.',
    usage: 'lango nas add --name R1 --ip 192.168.88.1 --secret <shared secret> [--require-message-authenticator yes|no|auto] [--json]',
    options: { name: { type: 'string' }, ip: { type: 'string' }, secret: { type: 'string' }, 'require-message-authenticator': { type: 'string' }, ...json },
    required: ['name', 'ip', 'secret'],
    run: ({ db, box }, v) =>
      addNas(db, box, {
        name: str(v, 'name')!,
        ip: str(v, 'ip')!,
        secret: str(v, 'secret')!,
        requireMessageAuthenticator: choice<MessageAuthenticatorPolicy>(str(v, 'require-message-authenticator'), messageAuthenticatorPolicies, 'require-message-authenticator'),
      }),
    print: (r) => {
      const n = r as NasSummary;
      return `Added router ${n.name} (${n.ip}), Message-Authenticator required: ${n.requireMessageAuthenticator}.\nOn the router: /radius add service=hotspot,ppp,login address=<this server's IP> secret=<the same secret>`;
    },
  },
  {
    words: ['nas', 'list'],
    summary: 'List routers.',
    usage: 'lango nas list [--json]',
    options: { ...json },
    run: ({ db }) => listNas(db),
    print: (r) =>
      table(
        (r as NasSummary[]).map((n) => ({ ...n, seen: n.messageAuthenticatorSeenAt ? 'yes' : 'not yet' })),
        [['name', 'NAME'], ['ip', 'IP'], ['requireMessageAuthenticator', 'REQUIRE-MA'], ['seen', 'MA SEEN']],
      ),
  },
  {
    words: ['plan', 'add'],
    summary: 'Add a plan (package) customers can be on.',
    usage: 'lango plan add --name "1 Hour" --price 20 --currency KES [--duration 1h] [--rate 2M/2M] [--data 1GB] [--json]',
    options: { name: { type: 'string' }, price: { type: 'string' }, currency: { type: 'string' }, duration: { type: 'string' }, rate: { type: 'string' }, data: { type: 'string' }, ...json },
    required: ['name', 'price', 'currency'],
    run: ({ db }, v) => {
      const currency = str(v, 'currency')!.toUpperCase();
      if (!isCurrency(currency)) throw new LangoError('INPUT_BAD_CURRENCY', { value: str(v, 'currency')!, allowed: currencies.join(', ') });
      const duration = str(v, 'duration');
      const data = str(v, 'data');
      return addPlan(db, {
        name: str(v, 'name')!,
        priceMinor: parseMoney(str(v, 'price')!, currency),
        currency,
        durationSeconds: duration === undefined ? null : parseDuration(duration),
        rateLimit: str(v, 'rate') ?? null,
        dataBytes: data === undefined ? null : parseDataSize(data),
      });
    },
    print: (r) => {
      const p = r as Plan;
      return `Added plan "${p.name}": ${formatMoney(p.priceMinor, p.currency)}, ${humanDuration(p.durationSeconds)}, speed ${p.rateLimit ?? 'router default'}, data ${humanBytes(p.dataBytes)}.`;
    },
  },
  {
    words: ['plan', 'list'],
    summary: 'List plans.',
    usage: 'lango plan list [--json]',
    options: { ...json },
    run: ({ db }) => listPlans(db),
    print: (r) =>
      table(
        (r as Plan[]).map((p) => ({ name: p.name, price: formatMoney(p.priceMinor, p.currency), duration: humanDuration(p.durationSeconds), rate: p.rateLimit, data: humanBytes(p.dataBytes) })),
        [['name', 'NAME'], ['price', 'PRICE'], ['duration', 'VALIDITY'], ['rate', 'SPEED'], ['data', 'DATA']],
      ),
  },
  {
    words: ['customer', 'add'],
    summary: 'Add a customer who logs in with a username and password (hotspot or PPPoE).',
    usage: 'lango customer add --username alice --password <password> [--plan "1 Hour"] [--json]',
    options: { username: { type: 'string' }, password: { type: 'string' }, plan: { type: 'string' }, ...json },
    required: ['username', 'password'],
    run: ({ db, box }, v) => addCustomer(db, box, { username: str(v, 'username')!, password: str(v, 'password')!, planName: str(v, 'plan') }),
    print: (r) => {
      const c = r as CustomerSummary;
      return `Added customer ${c.username}${c.plan ? ` on plan "${c.plan}"` : ' (no plan yet: logins are refused until one is set)'}.`;
    },
  },
  {
    words: ['customer', 'list'],
    summary: 'List customers.',
    usage: 'lango customer list [--json]',
    options: { ...json },
    run: ({ db }) => listCustomers(db),
    print: (r) => table(r as CustomerSummary[], [['username', 'USERNAME'], ['status', 'STATUS'], ['plan', 'PLAN']]),
  },
  {
    words: ['sessions'],
    summary: 'Show sessions from RADIUS accounting, newest first.',
    usage: 'lango sessions [--active] [--limit 100] [--json]',
    options: { active: { type: 'boolean' }, limit: { type: 'string' }, ...json },
    run: ({ db }, v) => {
      const limit = str(v, 'limit');
      if (limit !== undefined && !/^\d{1,6}$/.test(limit)) throw new LangoError('INPUT_BAD_CHOICE', { value: limit, option: 'limit', allowed: 'a number such as 100' });
      return listSessions(db, { active: v.active === true, limit: limit === undefined ? 100 : Number(limit) });
    },
    print: (r) =>
      table(
        (r as SessionView[]).map((s) => ({
          ...s,
          started: formatTime(s.startedAt),
          state: s.stoppedAt === null ? 'online' : `ended ${formatTime(s.stoppedAt)}`,
          down: humanBytes(s.outputOctets),
          up: humanBytes(s.inputOctets),
        })),
        [['username', 'USER'], ['nas', 'ROUTER'], ['acctSessionId', 'SESSION'], ['framedIp', 'IP'], ['callingStationId', 'MAC'], ['started', 'STARTED'], ['sessionTime', 'SECONDS'], ['down', 'DOWN'], ['up', 'UP'], ['state', 'STATE']],
      ),
  },
];
