import { eq } from 'drizzle-orm';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import type { Db } from '../db/connection.js';
import { settings as settingsTable } from '../db/schema/operations.js';
import { LangoError } from '../errors.js';

/**
 * Operator settings kept in the database (so the web UI can change them), each validated by
 * its schema on write and read; a missing key is its default. Process settings that must be
 * known before the database opens (ports, paths) stay in config.ts.
 */
const day = z.number().int().min(0).max(365);
const slaPair = z.object({ firstResponse: z.number().min(0.25).max(720), resolve: z.number().min(0.25).max(2160) });
export const settingSchemas = {
  'operator.name': z.string().trim().min(1).max(120).default('Lango ISP'),
  'operator.taxNumber': z.string().trim().max(40).nullable().default(null),
  'operator.address': z.string().trim().max(300).nullable().default(null),
  'operator.phone': z.string().trim().max(30).nullable().default(null),
  /** Logo on invoices, receipts and voucher cards: a PNG or JPEG data URL (data:image/png;base64,…), at most ~200 KB. */
  'operator.logo': z.string().max(280_000).regex(/^data:image\/(png|jpeg);base64,[A-Za-z0-9+/=]+$/, 'must be a PNG or JPEG data URL').nullable().default(null),
  /** Brand colour for the captive portal's buttons and links (#rrggbb); null = Lango green. */
  'operator.colour': z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #0a7d3b').nullable().default(null),
  /**
   * Hotspot login host names the captive portal may post logins to besides private addresses
   * and LAN names: a router whose hotspot dns-name looks public (login.example.net).
   */
  /** The hotspot Wi-Fi name, told to customers who get a code by SMS; null = not mentioned. */
  'hotspot.ssid': z.string().trim().min(1).max(32).nullable().default(null),
  'hotspot.routerHosts': z.array(z.string().regex(/^[A-Za-z0-9.-]{1,253}$/)).max(50).default([]),
  /** Country whose local number format (07…, 09…) is assumed when a phone number has no country code. */
  'operator.country': z.enum(['KE', 'SS', 'UG']).default('KE'),
  /** 'anniversary' bills each postpaid customer on the day they joined; a number bills everyone on that day of the month. */
  'billing.anchor': z.union([z.literal('anniversary'), z.number().int().min(1).max(31)]).default('anniversary'),
  /** Days from issue to due date. */
  'billing.dueDays': day.default(7),
  /** Days past due before the account is suspended. */
  'billing.graceDays': day.default(3),
  /** Reminders: days before the due date, 0 = on the day, negative = days after. */
  'billing.reminderDays': z.array(z.number().int().min(-60).max(60)).max(6).default([3, 0, -1]),
  /** Tax class used by plans that name none; null = no tax. */
  'billing.defaultTaxClass': z.string().trim().min(1).max(32).nullable().default(null),
  /**
   * What RADIUS does with an account suspended for an overdue bill: refuse the login, or let it
   * in on the router address list below only (firewall it to the payment page, walled-garden style).
   */
  'billing.overdueAction': z.enum(['reject', 'redirect']).default('reject'),
  'billing.overdueAddressList': z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default('lango-overdue'),
  /**
   * Public base URL of this server as payment providers reach it (https://pay.example.net); the
   * callback paths /cb/<token>/… are appended. Null = provider callbacks cannot be used.
   */
  'payments.publicUrl': z.string().url().regex(/^https?:\/\//).nullable().default(null),
  /** SMS gateway driver: 'log' writes messages to the log only (development). */
  'messaging.smsGateway': z.enum(['log', 'africastalking', 'http']).default('log'),
  /** Price of one SMS part in minor units of the operator's currency, for bulk previews (0 = unknown). */
  'messaging.smsPartCostMinor': z.number().int().min(0).max(1_000_000).default(0),
  /**
   * The operator's time zone (IANA, e.g. Africa/Juba), chosen on the staff settings page; when
   * set it wins over LANGO_TIMEZONE at the next start. Null = LANGO_TIMEZONE.
   */
  'operator.timezone': z.string().refine((v) => IANAZone.isValidZone(v), 'must be an IANA time zone such as Africa/Nairobi, Africa/Juba or Africa/Kampala').nullable().default(null),
  /** When billing runs each day, local time HH:MM. */
  'billing.runAt': z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('00:05'),
  /**
   * Customers may pause their own prepaid line from the portal for at most this many days
   * (the paid time left is kept and moved on); 0 = they may not pause. A longer pause ends by
   * itself at the next billing run.
   */
  'portal.pauseMaxDays': day.default(0),
  /** Pauses a customer may start in one calendar year (operator's time zone). */
  'portal.pausesPerYear': z.number().int().min(1).max(52).default(2),
  /**
   * Support tickets' promise by priority: hours from opening to the first staff reply and to
   * resolution. A ticket's due times are fixed from these when it opens or its priority changes.
   */
  'support.slaHours': z
    .object({ urgent: slaPair, high: slaPair, normal: slaPair, low: slaPair })
    .default({ urgent: { firstResponse: 1, resolve: 4 }, high: { firstResponse: 4, resolve: 24 }, normal: { firstResponse: 8, resolve: 48 }, low: { firstResponse: 24, resolve: 120 } }),
  /** How often the daemon checks for health alerts, in seconds (read at start). */
  'alerts.checkSeconds': z.number().int().min(1).max(3600).default(60),
  /** Health alerts by SMS (src/operations/alerts.ts): a router that reported before and is silent this long. */
  'alerts.routerSilentMinutes': z.number().min(0.05).max(1440).default(15),
  /** This many payment attempts in a row failed (0 = no payment alert). */
  'alerts.paymentFailuresInRow': z.number().int().min(0).max(100).default(5),
  /** SMS waiting longer than this, or more than `alerts.outboxMaxQueued` waiting. */
  'alerts.outboxOldestMinutes': z.number().min(1).max(1440).default(30),
  'alerts.outboxMaxQueued': z.number().int().min(1).max(1_000_000).default(500),
  /** Free space on the database's disk below this percentage. */
  'alerts.diskFreePercent': z.number().min(0).max(100).default(10),
  /** Extra numbers (E.164) told besides admins with a phone; their texts are in English. */
  'alerts.phones': z.array(z.string().regex(/^\+[1-9]\d{6,14}$/)).max(20).default([]),
  /**
   * Alerts now open, by id, with when each started: kept in the database so a restart neither
   * repeats an alert nor forgets to say it cleared. Written by the alert check only.
   */
  'alerts.state': z.record(z.string(), z.number()).default({}),
  /**
   * Email as a second channel (src/messaging/email.ts): ticket replies to customers with an
   * address, health alerts to staff with one. Off until the operator has set up SMTP. The
   * password is not a setting: it is a sealed secret ('smtp.password', lango email setup).
   */
  'email.enabled': z.boolean().default(false),
  'smtp.host': z.string().trim().min(1).max(253).nullable().default(null),
  'smtp.port': z.number().int().min(1).max(65535).default(587),
  /** true = TLS from the first byte (port 465); false = STARTTLS when the server offers it. */
  'smtp.secure': z.boolean().default(false),
  'smtp.user': z.string().trim().min(1).max(254).nullable().default(null),
  /** The From line, e.g. 'Lango <noc@example.net>'; null = 'operator name <noc@smtp.host>'. */
  'smtp.from': z.string().trim().min(3).max(254).nullable().default(null),
  /** Extra addresses told of health alerts besides admins with an email; their texts are in English. */
  'alerts.emails': z.array(z.string().trim().max(254).regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/)).max(20).default([]),
  /** Folder for backups; null = a "backups" folder beside the database. */
  'backup.dir': z.string().trim().min(1).max(1000).nullable().default(null),
  /** Backups older than this many days are deleted after a new one is verified. */
  'backup.keepDays': z.number().int().min(1).max(3650).default(14),
  /** A second folder (another disk, a mounted remote path) that gets a copy of each backup; null = none. */
  'backup.copyTo': z.string().trim().min(1).max(1000).nullable().default(null),
  /** When the daemon takes the daily backup, local time HH:MM. */
  'backup.at': z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('02:30'),
  /** The last backup's outcome, written by the backup itself (read by alerts). */
  'backup.last': z.object({ at: z.number(), ok: z.boolean(), file: z.string().nullable(), error: z.string().nullable() }).nullable().default(null),
  /**
   * How far the usage fold (src/reports/rollups.ts) has added closed days into the monthly and
   * per-plan roll-ups: every day up to `through`, plus, while a run is under way, the days up to
   * `pending.until` of customers up to `pending.afterCustomer`. Written by the fold only.
   */
  'reports.foldedThrough': z
    .object({
      through: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      pending: z.object({ until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), afterCustomer: z.number().int().min(0) }).nullable(),
    })
    .nullable()
    .default(null),
  /** How often the daemon counts open sessions per router for the network report, in minutes (read at start). */
  'reports.sampleMinutes': z.number().int().min(1).max(60).default(5),
  /** Open-session samples older than this many days are deleted. */
  'reports.samplesKeepDays': z.number().int().min(1).max(3650).default(400),
  /**
   * The address routers send RADIUS to and receive CoA from, as the router sees it (often a
   * tunnel address): "Set up this router" writes it into /radius. Null = setup asks for it.
   */
  'routers.radiusAddress': z.string().trim().regex(/^[0-9A-Fa-f:.]{2,45}$/, 'must be an IP address such as 10.8.0.1').nullable().default(null),
  /** Extra hosts customers reach before logging in (payment pages), added to each hotspot's walled garden besides the portal's own host. */
  'routers.walledGarden': z.array(z.string().trim().regex(/^[A-Za-z0-9*.-]{1,253}$/, 'must be a host name such as pay.example.co.ke')).max(50).default([]),
  /** How often the daemon polls each router's API for traffic, users and health, in seconds (read at start). */
  'routers.pollSeconds': z.number().int().min(5).max(3600).default(30),
  /** How long one API connection or command may take before the router counts as not answering. */
  'routers.apiTimeoutSeconds': z.number().int().min(1).max(60).default(5),
  /** Router traffic and health buckets older than this many days are deleted. */
  'routers.bucketsKeepDays': z.number().int().min(1).max(3650).default(400),
  /** Per-customer traffic buckets (they name usernames) older than this many days are deleted. */
  'routers.userBucketsKeepDays': z.number().int().min(1).max(400).default(14),
  /** Access-Request decisions (the decision trace, src/aaa/decisions.ts) older than this many days are deleted. */
  'trace.keepDays': z.number().int().min(1).max(400).default(14),
  /** At most this many decisions are kept; the oldest go first. */
  'trace.keepRows': z.number().int().min(10_000).max(100_000_000).default(1_000_000),
} as const;

export type SettingKey = keyof typeof settingSchemas;
export type SettingValue<K extends SettingKey> = z.output<(typeof settingSchemas)[K]>;

export function isSettingKey(key: string): key is SettingKey {
  return key in settingSchemas;
}

export function getSetting<K extends SettingKey>(db: Db, key: K): SettingValue<K> {
  const row = db.select({ value: settingsTable.value }).from(settingsTable).where(eq(settingsTable.key, key)).get();
  const parsed = settingSchemas[key].safeParse(row?.value);
  // A value that no longer validates (schema changed under it) falls back to the default rather than stopping billing.
  return (parsed.success ? parsed.data : settingSchemas[key].parse(undefined)) as SettingValue<K>;
}

export function setSetting(db: Db, key: string, value: unknown, actor: string, now = Date.now()): void {
  if (!isSettingKey(key)) throw new LangoError('INPUT_BAD_SETTING', { key, value: String(value), reason: `unknown setting; known: ${Object.keys(settingSchemas).join(', ')}` });
  const parsed = settingSchemas[key].safeParse(value);
  if (!parsed.success) throw new LangoError('INPUT_BAD_SETTING', { key, value: JSON.stringify(value), reason: parsed.error.issues[0]?.message ?? 'invalid' });
  // Null is every nullable setting's default: storing it is removing the row.
  if (parsed.data === null) {
    db.delete(settingsTable).where(eq(settingsTable.key, key)).run();
    return;
  }
  db.insert(settingsTable)
    .values({ key, value: parsed.data, updatedAt: now, actor })
    .onConflictDoUpdate({ target: settingsTable.key, set: { value: parsed.data, updatedAt: now, actor } })
    .run();
}

export function allSettings(db: Db): Array<{ key: SettingKey; value: unknown }> {
  return (Object.keys(settingSchemas) as SettingKey[]).map((key) => ({ key, value: getSetting(db, key) }));
}

/**
 * Settings a pluggable module owns (a payment provider's or SMS gateway's configuration), stored
 * under its own key and validated by the module's own schema, so adding a provider needs no
 * edit here. Returns undefined when nothing is stored; throws LangoError when the stored value
 * no longer validates (a provider must not run on half a configuration).
 */
export function getModuleSetting(db: Db, key: string): unknown {
  return db.select({ value: settingsTable.value }).from(settingsTable).where(eq(settingsTable.key, key)).get()?.value;
}

export function setModuleSetting(db: Db, key: string, value: unknown, actor: string, now = Date.now()): void {
  if (isSettingKey(key)) throw new LangoError('INPUT_BAD_SETTING', { key, value: String(value), reason: 'this is an operator setting; use settings set' });
  db.insert(settingsTable)
    .values({ key, value, updatedAt: now, actor })
    .onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedAt: now, actor } })
    .run();
}

/** When a module's setting last changed (0 = never): lets long-lived clients notice a new configuration. */
export function settingChangedAt(db: Db, key: string): number {
  return db.select({ updatedAt: settingsTable.updatedAt }).from(settingsTable).where(eq(settingsTable.key, key)).get()?.updatedAt ?? 0;
}

/**
 * The time zone bills, days and pages use: the one chosen in the settings, else the process's
 * configured one. Read once at start (daemon, CLI): calendars must not shift under a running
 * billing job.
 */
export function operatorZone(db: Db, configured: string): string {
  return getSetting(db, 'operator.timezone') ?? configured;
}
