import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { staff } from '../db/schema/staff.js';
import { listMessages, queueMessage } from '../messaging/index.js';
import { setSetting } from '../settings/index.js';
import { addStaff } from '../staff/index.js';
import { lastFinishedStatuses } from '../payments/attempt-stats.js';
import { backedUpOutbox, failedBackup, failingPayments, fullDisk, runAlerts, silentRouters, type AlertSources, type DiskSpace } from './alerts.js';

const T0 = Date.UTC(2026, 10, 24, 7, 0);
const MIN = 60_000;

describe('each health check', () => {
  it('calls a router silent only when it reported before and nothing came for longer than the threshold', () => {
    const seen = new Map([[1, T0 - 20 * MIN], [2, T0 - 5 * MIN]]);
    expect(silentRouters(seen, T0, 15, (id) => `R${id}`)).toEqual([{ id: 'routerSilent:1', kind: 'routerSilent', values: { router: 'R1', minutes: 20 } }]);
  });

  it('says payments fail only when the last K finished attempts all failed', () => {
    expect(failingPayments(['failed', 'failed', 'failed'], 3)?.id).toBe('paymentsFailing');
    expect(failingPayments(['failed', 'succeeded', 'failed'], 3)).toBeNull();
    expect(failingPayments(['failed', 'failed'], 3)).toBeNull();
    expect(failingPayments(['failed'], 0)).toBeNull();
  });

  it('sees the outbox backed up by the age of the oldest queued SMS or by how many wait', () => {
    expect(backedUpOutbox({ queued: 2, failed: 0, oldestQueuedAt: T0 - 31 * MIN }, T0, 30, 500)?.values).toEqual({ queued: 2, minutes: 31 });
    expect(backedUpOutbox({ queued: 501, failed: 0, oldestQueuedAt: T0 }, T0, 30, 500)).not.toBeNull();
    expect(backedUpOutbox({ queued: 3, failed: 9, oldestQueuedAt: T0 - 5 * MIN }, T0, 30, 500)).toBeNull();
    expect(backedUpOutbox({ queued: 0, failed: 0, oldestQueuedAt: null }, T0, 30, 500)).toBeNull();
  });

  it('warns when free disk space falls below the percentage', () => {
    expect(fullDisk({ blocks: 1000, bavail: 50 }, 10)?.values).toEqual({ percent: 5 });
    expect(fullDisk({ blocks: 1000, bavail: 200 }, 10)).toBeNull();
  });

  it('warns of a failed backup or one older than 26 hours, not of none at all', () => {
    expect(failedBackup({ at: T0, ok: false, file: null, error: 'disk full' }, T0)?.values).toEqual({ detail: 'disk full' });
    expect(failedBackup({ at: T0 - 27 * 3_600_000, ok: true, file: 'a.db', error: null }, T0)?.values).toEqual({ detail: '27 h' });
    expect(failedBackup({ at: T0 - 3_600_000, ok: true, file: 'a.db', error: null }, T0)).toBeNull();
    expect(failedBackup(null, T0)).toBeNull();
  });
});

describe('alerts by SMS', () => {
  let conn: Connection;
  let disk: DiskSpace;
  let seen: Map<number, number>;
  const sources = (now: number): AlertSources => ({ now, lastPacketAt: seen, routerName: (id) => `R${id}`, diskSpace: () => disk, lastBackup: () => null, lastPaymentStatuses: (count) => lastFinishedStatuses(conn.db, count) });
  const alerts = () => listMessages(conn.db, { limit: 1000 }).filter((m) => m.key.startsWith('alert:')).reverse();

  beforeEach(async () => {
    conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-alerts-')), 'lango.db'));
    const admin = await addStaff(conn.db, { username: 'amina', role: 'admin', now: T0 });
    conn.db.update(staff).set({ phone: '+211912000001', language: 'ar' }).where(eq(staff.id, admin.staff.id)).run();
    const agent = await addStaff(conn.db, { username: 'juma', role: 'agent', now: T0 });
    conn.db.update(staff).set({ phone: '+211912000002' }).where(eq(staff.id, agent.staff.id)).run();
    disk = { blocks: 1000, bavail: 500 };
    seen = new Map();
  });
  afterEach(() => conn.close());

  it('sends one SMS when a problem starts and one when it clears, not one every minute', () => {
    disk = { blocks: 1000, bavail: 50 };
    expect(runAlerts(conn.db, sources(T0))).toEqual({ started: ['diskFull'], resolved: [] });
    expect(runAlerts(conn.db, sources(T0 + MIN))).toEqual({ started: [], resolved: [] });
    disk = { blocks: 1000, bavail: 500 };
    expect(runAlerts(conn.db, sources(T0 + 2 * MIN))).toEqual({ started: [], resolved: ['diskFull'] });
    expect(runAlerts(conn.db, sources(T0 + 3 * MIN))).toEqual({ started: [], resolved: [] });
    const sent = alerts();
    // Only the admin with a phone, in the language she chose; the agent is not told.
    expect(sent.map((m) => m.recipient)).toEqual(['+211912000001', '+211912000001']);
    expect(sent[0]!.body).toContain('5%');
    expect(sent[0]!.body).toContain('تنبيه');
    expect(sent[1]!.body).toContain('تم الحل');
    expect(sent.every((m) => m.critical)).toBe(true);
  });

  it('also tells the numbers in alerts.phones, in English', () => {
    setSetting(conn.db, 'alerts.phones', ['+254700000009'], 'test');
    disk = { blocks: 1000, bavail: 10 };
    runAlerts(conn.db, sources(T0));
    const english = alerts().find((m) => m.recipient === '+254700000009');
    expect(english?.body).toBe('Lango alert: only 1% of the database disk is free. Free some space.');
  });

  it('keeps a router alert open while the router is not heard from, and resolves it when it reports again', () => {
    seen.set(7, T0);
    expect(runAlerts(conn.db, sources(T0 + 16 * MIN)).started).toEqual(['routerSilent:7']);
    expect(alerts()[0]!.body).toContain('R7');
    // After a restart the daemon has not heard from the router yet: still open, not "resolved".
    seen = new Map();
    expect(runAlerts(conn.db, sources(T0 + 17 * MIN))).toEqual({ started: [], resolved: [] });
    seen.set(7, T0 + 18 * MIN);
    expect(runAlerts(conn.db, sources(T0 + 18 * MIN)).resolved).toEqual(['routerSilent:7']);
    expect(alerts()[1]!.body).toContain('R7');
  });

  it('keeps the disk alert open when the disk cannot be read this time', () => {
    disk = { blocks: 1000, bavail: 10 };
    runAlerts(conn.db, sources(T0));
    const unreadable: AlertSources = { ...sources(T0 + MIN), diskSpace: () => { throw new Error('EIO'); } };
    expect(runAlerts(conn.db, unreadable)).toEqual({ started: [], resolved: [] });
  });

  it('alerts on an outbox where SMS wait too long', () => {
    setSetting(conn.db, 'alerts.outboxOldestMinutes', 10, 'test');
    queueMessage(conn.db, { key: 'x:1', to: '+254700000001', language: 'en', body: 'hello', critical: false, now: T0 });
    expect(runAlerts(conn.db, sources(T0 + 11 * MIN)).started).toEqual(['outboxBacklog']);
  });
});
