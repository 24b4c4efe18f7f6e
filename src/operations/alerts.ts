import type { Db } from '../db/connection.js';
import type { AttemptStatus } from '../db/schema/payments.js';
import { t } from '../i18n/index.js';
import { queueMessage } from '../messaging/index.js';
import { emailEnabled, isEmailAddress, queueEmail } from '../messaging/email.js';
import { outboxBacklog, type OutboxBacklog } from '../messaging/outbox-stats.js';
import { getSetting, setSetting } from '../settings/index.js';
import { listStaffAccounts } from '../staff/manage.js';

/**
 * Health alerts to staff by SMS (and by email when it is on). Once a minute the daemon asks each check whether its problem
 * is there now; an alert is sent when a problem starts and once more when it clears, never
 * every minute. Which alerts are open lives in the `alerts.state` setting (not memory only), so
 * a restart neither repeats an open alert nor forgets to say it was resolved.
 */

export type AlertKind = 'routerSilent' | 'paymentsFailing' | 'outboxBacklog' | 'diskFull' | 'backup';

export interface Problem {
  /** Stable id of this problem: 'routerSilent:3', 'diskFull'… */
  id: string;
  kind: AlertKind;
  values: Record<string, string | number>;
}

const MINUTE = 60_000;

/** Routers that sent a packet since the daemon started and none for more than `minutes`. */
export function silentRouters(lastPacketAt: ReadonlyMap<number, number>, now: number, minutes: number, nameOf: (nasId: number) => string): Problem[] {
  const problems: Problem[] = [];
  for (const [nasId, at] of lastPacketAt) {
    if (now - at > minutes * MINUTE) problems.push({ id: `routerSilent:${nasId}`, kind: 'routerSilent', values: { router: nameOf(nasId), minutes: Math.floor((now - at) / MINUTE) } });
  }
  return problems;
}

/** The last `count` finished payment attempts (newest first) all failed. */
export function failingPayments(lastStatuses: readonly AttemptStatus[], count: number): Problem | null {
  if (count <= 0 || lastStatuses.length < count) return null;
  return lastStatuses.slice(0, count).every((s) => s === 'failed') ? { id: 'paymentsFailing', kind: 'paymentsFailing', values: { count } } : null;
}

export function backedUpOutbox(backlog: OutboxBacklog, now: number, oldestMinutes: number, maxQueued: number): Problem | null {
  const age = backlog.oldestQueuedAt === null ? 0 : now - backlog.oldestQueuedAt;
  if (age <= oldestMinutes * MINUTE && backlog.queued <= maxQueued) return null;
  return { id: 'outboxBacklog', kind: 'outboxBacklog', values: { queued: backlog.queued, minutes: Math.floor(age / MINUTE) } };
}

/** What fs.statfs says of a filesystem, the part needed here. */
export interface DiskSpace {
  blocks: number;
  bavail: number;
}

export function fullDisk(space: DiskSpace, minFreePercent: number): Problem | null {
  if (space.blocks <= 0) return null;
  const free = (space.bavail / space.blocks) * 100;
  return free < minFreePercent ? { id: 'diskFull', kind: 'diskFull', values: { percent: Math.floor(free * 10) / 10 } } : null;
}

/** What src/operations/backup.ts's lastBackup(db) returns (its LastBackup). */
export interface BackupRecord {
  at: number;
  ok: boolean;
  file: string | null;
  error: string | null;
}

export const BACKUP_MAX_AGE_MS = 26 * 3_600_000;

/** The last backup failed or is older than 26 hours. No backup ever taken is not alerted (backups may not be set up). */
export function failedBackup(last: BackupRecord | null, now: number): Problem | null {
  if (last === null) return null;
  if (!last.ok) return { id: 'backup', kind: 'backup', values: { detail: (last.error ?? 'failed').slice(0, 60) } };
  if (now - last.at > BACKUP_MAX_AGE_MS) return { id: 'backup', kind: 'backup', values: { detail: `${Math.floor((now - last.at) / 3_600_000)} h` } };
  return null;
}

export interface AlertSources {
  now: number;
  lastPacketAt: ReadonlyMap<number, number>;
  routerName: (nasId: number) => string;
  /** Free space on the database's filesystem; throws when it cannot be read. */
  diskSpace: () => DiskSpace;
  lastBackup: (db: Db) => BackupRecord | null;
  /** Statuses of the last `count` finished payment attempts, newest first (payments' lastFinishedStatuses: operations may not import payments). */
  lastPaymentStatuses: (count: number) => AttemptStatus[];
}

/**
 * The problems there are now, and the open alerts a check could not answer for this time (a
 * router the daemon has not heard from since a restart, a disk it could not read): those stay
 * as they are rather than being called resolved.
 */
export function currentProblems(db: Db, sources: AlertSources): { problems: Problem[]; unsure: (id: string) => boolean } {
  const { now } = sources;
  const problems: Problem[] = [...silentRouters(sources.lastPacketAt, now, getSetting(db, 'alerts.routerSilentMinutes'), sources.routerName)];
  const count = getSetting(db, 'alerts.paymentFailuresInRow');
  const payments = failingPayments(sources.lastPaymentStatuses(count), count);
  const outbox = backedUpOutbox(outboxBacklog(db), now, getSetting(db, 'alerts.outboxOldestMinutes'), getSetting(db, 'alerts.outboxMaxQueued'));
  let diskUnknown = false;
  let disk: Problem | null = null;
  try {
    disk = fullDisk(sources.diskSpace(), getSetting(db, 'alerts.diskFreePercent'));
  } catch {
    diskUnknown = true;
  }
  const backup = failedBackup(sources.lastBackup(db), now);
  for (const p of [payments, outbox, disk, backup]) if (p) problems.push(p);
  const unsure = (id: string) => {
    if (id === 'diskFull') return diskUnknown;
    const router = /^routerSilent:(\d+)$/.exec(id);
    return router !== null && !sources.lastPacketAt.has(Number(router[1]));
  };
  return { problems, unsure };
}

interface Recipient {
  phone: string;
  language: 'en' | 'ar';
}

/** Admins with a phone, in their own language, and the numbers in `alerts.phones` (English); each number once. */
export function alertRecipients(db: Db): Recipient[] {
  const byPhone = new Map<string, Recipient>();
  for (const admin of listStaffAccounts(db, { role: 'admin', limit: 1000 })) {
    if (admin.phone && admin.disabledAt === null) byPhone.set(admin.phone, { phone: admin.phone, language: admin.language ?? 'en' });
  }
  for (const phone of getSetting(db, 'alerts.phones')) if (!byPhone.has(phone)) byPhone.set(phone, { phone, language: 'en' });
  return [...byPhone.values()];
}

interface EmailRecipient {
  email: string;
  language: 'en' | 'ar';
}

/** Admins with an email address, in their own language, and the addresses in `alerts.emails` (English); each once. None when email is off. */
export function alertEmailRecipients(db: Db): EmailRecipient[] {
  if (!emailEnabled(db)) return [];
  const byEmail = new Map<string, EmailRecipient>();
  for (const admin of listStaffAccounts(db, { role: 'admin', limit: 1000 })) {
    if (admin.email && admin.disabledAt === null && isEmailAddress(admin.email)) byEmail.set(admin.email.toLowerCase(), { email: admin.email, language: admin.language ?? 'en' });
  }
  for (const email of getSetting(db, 'alerts.emails')) if (!byEmail.has(email.toLowerCase())) byEmail.set(email.toLowerCase(), { email, language: 'en' });
  return [...byEmail.values()];
}

export interface AlertRun {
  started: string[];
  resolved: string[];
}

/**
 * One pass: compares the problems now with the open alerts, queues an SMS to every recipient
 * for each alert that started or cleared, and stores the open set, all in one transaction (the
 * messages exist exactly when the state says they were sent). Message keys carry the alert's
 * start time, so a retried pass cannot send twice.
 */
export function runAlerts(db: Db, sources: AlertSources): AlertRun {
  const { now } = sources;
  const { problems, unsure } = currentProblems(db, sources);
  return db.transaction(
    (tx) => {
      const txDb = tx as unknown as Db;
      const open = { ...getSetting(txDb, 'alerts.state') };
      const recipients = alertRecipients(txDb);
      const emailRecipients = alertEmailRecipients(txDb);
      const operator = getSetting(txDb, 'operator.name');
      const run: AlertRun = { started: [], resolved: [] };
      const send = (kind: AlertKind, phase: 'started' | 'resolved', id: string, since: number, values: Record<string, string | number>) => {
        for (const r of recipients) {
          queueMessage(txDb, { key: `alert:${id}:${since}:${phase}:${r.phone}`, to: r.phone, language: r.language, template: `alert.${kind}`, body: t(`staff.alerts.${kind}.${phase}`, values, r.language), critical: true, now });
        }
        for (const r of emailRecipients) {
          const alert = t(`staff.alerts.${kind}.${phase}`, values, r.language);
          queueEmail(txDb, { key: `alert-email:${id}:${since}:${phase}:${r.email.toLowerCase()}`, to: r.email, language: r.language, template: `alert.${kind}`, subject: t('email.alert.subject', { operator, alert }, r.language), body: t('email.alert.body', { operator, alert }, r.language), critical: true, now });
        }
      };
      const current = new Set(problems.map((p) => p.id));
      for (const p of problems) {
        if (open[p.id] !== undefined) continue;
        open[p.id] = now;
        send(p.kind, 'started', p.id, now, p.values);
        run.started.push(p.id);
      }
      for (const [id, since] of Object.entries(open)) {
        if (current.has(id) || unsure(id)) continue;
        delete open[id];
        const kind = id.split(':')[0] as AlertKind;
        const router = /^routerSilent:(\d+)$/.exec(id);
        send(kind, 'resolved', id, since, router ? { router: sources.routerName(Number(router[1])) } : {});
        run.resolved.push(id);
      }
      if (run.started.length + run.resolved.length > 0) setSetting(txDb, 'alerts.state', open, 'system', now);
      return run;
    },
    { behavior: 'immediate' },
  );
}
