import { enqueueForCustomer, enqueueForSession, listActions, listNotifications, type ActionView } from '../aaa/enforcement.js';
import { addNas, listNas, messageAuthenticatorPolicies, type NasSummary } from '../aaa/nas.js';
import { parseClock } from '../aaa/policy/time-window.js';
import { findOpenSession, listSessions, type SessionView } from '../aaa/sessions.js';
import { countedBytes, createUsageReader } from '../aaa/usage.js';
import {
  addCustomer,
  addPlan,
  currencies,
  editPlan,
  findCustomer,
  findPlanByName,
  findTaxClass,
  formatMoney,
  isCurrency,
  isRateLimit,
  listCustomers,
  listPlans,
  parseDataSize,
  parseDuration,
  parseMoney,
  parseMonths,
  setCustomerPlan,
  setCustomerStatus,
  usagePeriodStart,
  type CustomerSummary,
  type Plan,
  type PlanInput,
} from '../billing/index.js';
import type { MessageAuthenticatorPolicy } from '../db/schema/aaa.js';
import type { Currency } from '../db/schema/billing.js';
import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { billingCommands } from './billing-commands.js';
import { paymentCommands } from './payment-commands.js';
import { messagingCommands } from './messaging-commands.js';
import { emailCommands } from './email-commands.js';
import { operatorCommands } from './operator-commands.js';
import { voucherCommands } from './voucher-commands.js';
import { staffCommands } from './staff-commands.js';
import { portalCommands } from './portal-commands.js';
import { operationsCommands } from './operations-commands.js';
import { apiTokenCommands } from './api-token-commands.js';
import { webhookCommands } from './webhook-commands.js';
import { privacyCommands } from './privacy-commands.js';
import { routerCommands } from './router-commands.js';
import { routerActionCommands } from './router-action-commands.js';
import { dbCommands } from './db-commands.js';
import { migrateCommand } from './migrate-command.js';
import { traceCommands } from './trace-commands.js';
import { whyCommands } from './why-command.js';
import { choice, formatTime, json, str, table, type Command, type Values } from './command.js';


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

function fail(code: 'INPUT_BAD_VALIDITY'): never {
  throw new LangoError(code);
}

function count(text: string, option: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new LangoError('INPUT_BAD_COUNT', { value: text, option, min, max });
  return n;
}

/** "22:00-06:00" -> [1320, 360]. */
function parseWindow(text: string): [number, number] {
  const [from, to, extra] = text.split('-');
  const start = from === undefined ? undefined : parseClock(from);
  const end = to === undefined ? undefined : parseClock(to);
  if (start === undefined || end === undefined || extra !== undefined) throw new LangoError('INPUT_BAD_WINDOW', { value: text });
  return [start, end];
}

/** "10GB:2M/2M,20GB:512k/1M" -> tiers. */
function parseTiers(text: string): Array<{ afterBytes: number; rateLimit: string }> {
  return text.split(',').map((part) => {
    const [size, rate] = part.split(':').map((x) => x.trim());
    if (!size || !rate || !isRateLimit(rate)) throw new LangoError('INPUT_BAD_TIERS', { value: text });
    return { afterBytes: parseDataSize(size), rateLimit: rate };
  });
}

const PLAN_OPTIONS = {
  name: { type: 'string' }, price: { type: 'string' }, currency: { type: 'string' }, duration: { type: 'string' }, months: { type: 'string' },
  starts: { type: 'string' }, rate: { type: 'string' }, data: { type: 'string' }, 'data-counts': { type: 'string' }, fup: { type: 'string' },
  time: { type: 'string' }, shared: { type: 'string' }, idle: { type: 'string' }, interim: { type: 'string' }, window: { type: 'string' },
  pool: { type: 'string' }, 'address-list': { type: 'string' }, billing: { type: 'string' },
  cycle: { type: 'string' }, 'tax-class': { type: 'string' }, 'overage-per-gb': { type: 'string' }, 'grace-plan': { type: 'string' },
} as const;

/** The plan fields given on the command line, parsed; fields not given are left out (edit keeps them). */
function planFields(v: Values, defaultCurrency: Currency = 'KES', db?: Db): Partial<PlanInput> {
  const fields: Partial<PlanInput> = {};
  const given = <T>(key: string, parse: (text: string) => T): T | undefined => {
    const text = str(v, key);
    return text === undefined ? undefined : parse(text);
  };
  const set = <K extends keyof PlanInput>(key: K, value: PlanInput[K] | undefined) => {
    if (value !== undefined) fields[key] = value;
  };
  const currency = given('currency', (text) => {
    const upper = text.toUpperCase();
    if (!isCurrency(upper)) throw new LangoError('INPUT_BAD_CURRENCY', { value: text, allowed: currencies.join(', ') });
    return upper;
  });
  set('currency', currency);
  set('priceMinor', given('price', (text) => parseMoney(text, currency ?? defaultCurrency)));
  set('billingKind', choice(str(v, 'billing'), ['prepaid', 'postpaid'] as const, 'billing'));
  set('durationSeconds', given('duration', parseDuration));
  set('validityMonths', given('months', (text) => parseMonths(/^\d+$/.test(text) ? `${text}months` : text) ?? fail('INPUT_BAD_VALIDITY')));
  set('validityStarts', choice(str(v, 'starts')?.replace('-', '_'), ['purchase', 'first_login'] as const, 'starts'));
  set('rateLimit', str(v, 'rate'));
  set('dataBytes', given('data', parseDataSize));
  set('dataCounts', choice(str(v, 'data-counts'), ['total', 'download'] as const, 'data-counts'));
  set('fupTiers', given('fup', parseTiers));
  set('timeAllowanceSeconds', given('time', parseDuration));
  set('sharedUsers', given('shared', (text) => count(text, 'shared', 1, 100)));
  set('idleTimeoutSeconds', given('idle', parseDuration));
  set('interimIntervalSeconds', given('interim', parseDuration));
  const window = given('window', parseWindow);
  set('windowStartMinute', window?.[0]);
  set('windowEndMinute', window?.[1]);
  set('ipPool', str(v, 'pool'));
  set('addressList', str(v, 'address-list'));
  set('cycle', choice(str(v, 'cycle'), ['daily', 'weekly', 'monthly', 'quarterly'] as const, 'cycle'));
  set('taxClass', given('tax-class', (code) => {
    if (db && !findTaxClass(db, code)) throw new LangoError('INPUT_UNKNOWN_TAX_CLASS', { code });
    return code;
  }));
  set('overagePerGbMinor', given('overage-per-gb', (text) => parseMoney(text, currency ?? defaultCurrency)));
  set('gracePlanId', given('grace-plan', (name) => {
    const grace = db && findPlanByName(db, name);
    if (!grace) throw new LangoError('INPUT_UNKNOWN_PLAN', { name });
    return grace.id;
  }));
  return fields;
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
    usage:
      'lango plan add --name "1 Hour" --price 20 --currency KES [--duration 1h | --months 1] [--starts purchase|first-login] [--rate 2M/2M] [--data 1GB] [--data-counts total|download] [--fup "10GB:1M/2M,20GB:512k/1M"] [--time 3h] [--shared 1] [--idle 5m] [--interim 5m] [--window 22:00-06:00] [--pool NAME] [--address-list NAME] [--billing prepaid|postpaid [--cycle monthly|weekly|daily|quarterly] [--overage-per-gb 50]] [--tax-class KE] [--grace-plan NAME] [--json]',
    options: { ...PLAN_OPTIONS, ...json },
    required: ['name', 'price', 'currency'],
    run: ({ db }, v) => addPlan(db, { name: str(v, 'name')!, priceMinor: 0, currency: 'KES', ...planFields(v, 'KES', db) }),
    print: (r) => {
      const p = r as Plan;
      const validity = p.validityMonths ? `${p.validityMonths} month(s)` : humanDuration(p.durationSeconds);
      return `Added plan "${p.name}": ${formatMoney(p.priceMinor, p.currency)}, ${validity}${p.validityStarts === 'first_login' ? ' from first login' : ''}, speed ${p.rateLimit ?? 'router default'}, data ${humanBytes(p.dataBytes)}${p.fupTiers.length ? `, ${p.fupTiers.length} FUP tier(s)` : ''}, ${p.sharedUsers} device(s).`;
    },
  },
  {
    words: ['plan', 'edit'],
    summary: 'Change a plan; only the options given change, and the result is checked like a new plan.',
    usage: 'lango plan edit --name "1 Hour" [--rename "2 Hours"] [any option of plan add] [--json]',
    options: { ...PLAN_OPTIONS, rename: { type: 'string' }, ...json },
    required: ['name'],
    run: ({ db }, v) => {
      const name = str(v, 'name')!;
      const fields = planFields(v, findPlanByName(db, name)?.currency, db);
      return editPlan(db, name, { ...fields, ...(str(v, 'rename') ? { name: str(v, 'rename')! } : {}) });
    },
    print: (r) => `Changed plan "${(r as Plan).name}". Customers on it get the change at their next login.`,
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
    usage:
      'lango customer add --username alice --password <password> [--plan "1 Hour"] [--mac AA:BB:CC:DD:EE:FF [--mac-binding]] [--static-ip 10.0.0.5] [--name "Alice Wanjiru"] [--phone 0712345678] [--email a@example.com] [--address "Box 1, Nairobi"] [--location "Kibera, house 12"] [--language en|ar] [--currency KES] [--tax-exempt] [--json]',
    options: {
      username: { type: 'string' }, password: { type: 'string' }, plan: { type: 'string' }, mac: { type: 'string' }, 'mac-binding': { type: 'boolean' }, 'static-ip': { type: 'string' },
      name: { type: 'string' }, phone: { type: 'string' }, email: { type: 'string' }, address: { type: 'string' }, location: { type: 'string' }, language: { type: 'string' }, currency: { type: 'string' }, 'tax-exempt': { type: 'boolean' },
      ...json,
    },
    required: ['username', 'password'],
    run: ({ db, box, config }, v) => {
      const currency = str(v, 'currency')?.toUpperCase();
      if (currency !== undefined && !isCurrency(currency)) throw new LangoError('INPUT_BAD_CURRENCY', { value: currency, allowed: currencies.join(', ') });
      return addCustomer(
        db,
        box,
        {
          username: str(v, 'username')!, password: str(v, 'password')!, planName: str(v, 'plan'), mac: str(v, 'mac'), macBinding: v['mac-binding'] === true, staticIp: str(v, 'static-ip'),
          fullName: str(v, 'name'), phone: str(v, 'phone'), email: str(v, 'email'), billingAddress: str(v, 'address'), serviceLocation: str(v, 'location'),
          language: choice(str(v, 'language'), ['en', 'ar'] as const, 'language'), currency, taxExempt: v['tax-exempt'] === true,
        },
        config.LANGO_TIMEZONE,
      );
    },
    print: (r) => {
      const c = r as CustomerSummary;
      return `Added customer ${c.username}${c.plan ? ` on plan "${c.plan}"` : ' (no plan yet: logins are refused until one is set)'}${c.plan && c.activatedAt === null ? ', starting at the first login' : ''}.`;
    },
  },
  {
    words: ['customer', 'set-plan'],
    summary: 'Put a customer on a plan from now: a new period (renewal, upgrade, correction).',
    usage: 'lango customer set-plan --username alice --plan "1 Hour" [--json]',
    options: { username: { type: 'string' }, plan: { type: 'string' }, ...json },
    required: ['username', 'plan'],
    run: ({ db, config }, v) => setCustomerPlan(db, str(v, 'username')!, str(v, 'plan')!, config.LANGO_TIMEZONE),
    print: (r) => `${(r as CustomerSummary).username} is now on "${(r as CustomerSummary).plan}".`,
  },
  {
    words: ['customer', 'suspend'],
    summary: "Suspend a customer: logins are refused and the customer's open sessions are disconnected.",
    usage: 'lango customer suspend --username alice [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) =>
      db.transaction((tx) => {
        const customer = setCustomerStatus(tx as typeof db, str(v, 'username')!, 'suspended');
        return { ...customer, disconnecting: enqueueForCustomer(tx as typeof db, customer.id, 'disconnect', 'account suspended') };
      }, { behavior: 'immediate' }),
    print: (r) => {
      const c = r as CustomerSummary & { disconnecting: number };
      return `Suspended ${c.username}; ${c.disconnecting} open session(s) will be disconnected by the running daemon.`;
    },
  },
  {
    words: ['customer', 'activate'],
    summary: 'Lift a suspension: the customer may log in again.',
    usage: 'lango customer activate --username alice [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => setCustomerStatus(db, str(v, 'username')!, 'active'),
    print: (r) => `${(r as CustomerSummary).username} is active again.`,
  },
  {
    words: ['customer', 'show'],
    summary: "A customer's plan period, usage in it, what remains, and usage events.",
    usage: 'lango customer show --username alice [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db, connection, config }, v) => {
      const username = str(v, 'username')!;
      const customer = findCustomer(db, username);
      if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username });
      const plan = customer.plan ? findPlanByName(db, customer.plan) : undefined;
      const now = Date.now();
      const periodStart = plan ? usagePeriodStart(customer.activatedAt, { ...plan, cycle: customer.cycle }, now, config.LANGO_TIMEZONE) : null;
      const used = plan && periodStart !== null ? createUsageReader(connection)(customer.id, periodStart, now - 3_600_000 * 24 * 365) : null;
      const counted = used && plan ? countedBytes(used, plan.dataCounts) : null;
      return {
        ...customer,
        periodStart,
        usage: used && { inputOctets: used.input, outputOctets: used.output, onlineSeconds: used.seconds, openSessions: used.openSessions },
        remaining: plan && used && {
          bytes: plan.dataBytes === null ? null : Math.max(0, plan.dataBytes - counted!),
          seconds: plan.timeAllowanceSeconds === null ? null : Math.max(0, plan.timeAllowanceSeconds - used.seconds),
        },
        notifications: listNotifications(db, customer.id).map((n) => ({ kind: n.kind, periodStart: n.periodStart, createdAt: n.createdAt })),
      };
    },
    print: (r) => {
      const c = r as CustomerReport;
      const lines = [`${c.username} (${c.status}) on ${c.plan ?? 'no plan'}`, `period: ${formatTime(c.activatedAt)} to ${formatTime(c.expiresAt)}`];
      if (c.usage) lines.push(`used: down ${humanBytes(c.usage.outputOctets)}, up ${humanBytes(c.usage.inputOctets)}, ${c.usage.onlineSeconds} s online`);
      if (c.remaining) lines.push(`left: data ${humanBytes(c.remaining.bytes)}, time ${c.remaining.seconds === null ? 'unlimited' : `${c.remaining.seconds} s`}`);
      return lines.join('\n');
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
    words: ['sessions', 'disconnect'],
    summary: 'Disconnect an open session now (Disconnect-Request to its router, sent by the running daemon).',
    usage: 'lango sessions disconnect --id 42 [--json]',
    options: { id: { type: 'string' }, ...json },
    required: ['id'],
    run: ({ db }, v) => {
      const session = openSession(db, str(v, 'id')!);
      enqueueForSession(db, session.id, 'disconnect', 'operator');
      return session;
    },
    print: (r) => `Disconnect queued for ${(r as SessionView).username} on ${(r as SessionView).nas}; see: lango sessions actions --id ${(r as SessionView).id}`,
  },
  {
    words: ['sessions', 'rate'],
    summary: "Change an open session's speed now (CoA with Mikrotik-Rate-Limit, sent by the running daemon).",
    usage: 'lango sessions rate --id 42 --rate 1M/4M [--json]',
    options: { id: { type: 'string' }, rate: { type: 'string' }, ...json },
    required: ['id', 'rate'],
    run: ({ db }, v) => {
      const rate = str(v, 'rate')!;
      if (!isRateLimit(rate)) throw new LangoError('INPUT_BAD_RATE', { value: rate });
      const session = openSession(db, str(v, 'id')!);
      enqueueForSession(db, session.id, 'coa', 'operator', rate);
      return session;
    },
    print: (r) => `Speed change queued for ${(r as SessionView).username} on ${(r as SessionView).nas}; see: lango sessions actions --id ${(r as SessionView).id}`,
  },
  {
    words: ['sessions', 'actions'],
    summary: 'CoA and Disconnect requests sent to routers, with their answers (newest first).',
    usage: 'lango sessions actions [--id 42] [--json]',
    options: { id: { type: 'string' }, ...json },
    run: ({ db }, v) => listActions(db, str(v, 'id') === undefined ? undefined : count(str(v, 'id')!, 'id', 1, Number.MAX_SAFE_INTEGER)),
    print: (r) =>
      table(
        (r as ActionView[]).map((x) => ({ ...x, when: formatTime(x.createdAt) })),
        [['id', 'ID'], ['sessionId', 'SESSION'], ['kind', 'KIND'], ['reason', 'WHY'], ['rateLimit', 'RATE'], ['status', 'ANSWER'], ['errorCause', 'ERROR-CAUSE'], ['attempts', 'TRIES'], ['when', 'QUEUED']],
      ),
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
  ...billingCommands,
  ...paymentCommands,
  ...messagingCommands,
  ...emailCommands,
  ...operatorCommands,
  ...voucherCommands,
  ...staffCommands,
  ...portalCommands,
  ...operationsCommands,
  ...apiTokenCommands,
  ...webhookCommands,
  ...privacyCommands,
  ...routerCommands,
  ...routerActionCommands,
  ...dbCommands,
  ...traceCommands,
  ...whyCommands,
  migrateCommand,
];

interface CustomerReport extends CustomerSummary {
  usage: { inputOctets: number; outputOctets: number; onlineSeconds: number; openSessions: number } | null;
  remaining: { bytes: number | null; seconds: number | null } | null;
}

function openSession(db: Parameters<typeof findOpenSession>[0], id: string): SessionView {
  const session = /^\d+$/.test(id) ? findOpenSession(db, Number(id)) : undefined;
  if (!session) throw new LangoError('INPUT_UNKNOWN_SESSION', { id });
  return session;
}
