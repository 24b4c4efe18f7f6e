import type { Page } from 'playwright-core';
import type { Daemon } from '../../scripts/daemon-process.js';
import { readRow as readDbRow } from '../../scripts/kit.js';
import { until } from './peers.js';
import { onPostgres, openTestDatabase } from './postgres.js';

/**
 * One row straight from the daemon's database, read-only. For what the CLI and the pages mask
 * on purpose (sign-in codes in the outbox) or do not show at all.
 */
export function readRow<T>(daemon: Daemon, sql: string, ...params: unknown[]): T | undefined {
  if (!onPostgres()) return readDbRow<T>(daemon.dbPath, sql, ...params);
  // On PostgreSQL the daemon's file is a database of its own (tests/support/postgres.ts).
  const db = openTestDatabase(daemon.dbPath);
  try {
    return db.prepare(sql).get(...params) as T | undefined;
  } finally {
    db.close();
  }
}

/** The newest message id now: codes sent after it are the ones a test asked for. */
export const lastMessageId = (daemon: Daemon) => readRow<{ id: number | null }>(daemon, 'SELECT max(id) AS id FROM messages')?.id ?? 0;

/** The 6-digit code of the newest SMS to `phone` after message `after`, once it is queued. */
export async function codeSentTo(daemon: Daemon, phone: string, after: number): Promise<string> {
  const row = await until('the sign-in SMS', () => readRow<{ body: string }>(daemon, 'SELECT body FROM messages WHERE recipient = ? AND id > ? ORDER BY id DESC LIMIT 1', phone, after));
  return /\d{6}/.exec(row.body)![0];
}

/**
 * Signs in to the customer portal the way a customer without a password does: asks for a code
 * by SMS for `identifier` (phone or username), reads it from the outbox for `phone`, types it.
 * Leaves the page where the portal sends a fresh sign-in (the password page, or home).
 */
export async function signInByCode(page: Page, daemon: Daemon, portalUrl: string, identifier: string, phone: string): Promise<void> {
  const before = lastMessageId(daemon);
  await page.goto(`${portalUrl}/sign-in`);
  await page.fill('#code-identifier', identifier);
  await page.locator('form[action$="/code/send"] button').click();
  await page.waitForURL(`${portalUrl}/sign-in/code`);
  await page.fill('#code', await codeSentTo(daemon, phone, before));
  await page.locator('form[action$="/sign-in/code"] button').click();
  await page.waitForURL((url) => !url.pathname.startsWith(new URL(portalUrl).pathname + '/sign-in'));
}
