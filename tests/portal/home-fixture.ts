import { DateTime } from 'luxon';
import type { Browser, BrowserContext } from 'playwright-core';
import { expect } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { newPhone } from '../support/browser.js';
import { lango, radclient, until } from '../support/peers.js';
import { openTestDatabase } from '../support/postgres.js';

// For the portal home's page-weight and right-to-left tests: a daemon with one customer who has
// a plan, an open session on a known device, and a month of daily usage to chart.

const SECRET = 'portal-home-secret';
export const ZONE = 'Africa/Nairobi';
export const MAC = 'AA:BB:CC:00:00:42';

export interface HomeFixture {
  daemon: Daemon;
  portalUrl: string;
  /** Cookies of a signed-in session of the customer, for a context with an empty cache. */
  signedIn(browser: Browser, options?: { locale?: string; serviceWorkers?: 'allow' | 'block' }): Promise<BrowserContext>;
}

function cli(daemon: Daemon, ...args: string[]): void {
  const run = lango(daemon, ...args, '--json');
  expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
}

export async function startHome(input: { language: 'en' | 'ar' }): Promise<HomeFixture> {
  const daemon = await startDaemon({ env: { LANGO_TIMEZONE: ZONE } });
  const portalUrl = `http://127.0.0.1:${daemon.httpPort}/portal`;
  for (const args of [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M', '--data', '50GB'],
    ['customer', 'add', '--username', 'grace', '--password', 'grace-net', '--plan', 'Home 10M', '--name', 'Grace Akello', '--phone', '0712 345 678', '--language', input.language],
  ]) cli(daemon, ...args);
  const acct = (body: string) => {
    const run = radclient(`Acct-Session-Id = "g-0001"\nUser-Name = "grace"\nFramed-IP-Address = 10.5.50.9\nCalling-Station-Id = "${MAC}"\n${body}`, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
    expect(run.status, run.stdout + run.stderr).toBe(0);
  };
  acct('Acct-Status-Type = Start\n');
  // Today's bar comes from accounting through the daemon's own roll-up.
  acct('Acct-Status-Type = Interim-Update\nAcct-Session-Time = 600\nAcct-Input-Octets = 40000000\nAcct-Output-Octets = 300000000\n');
  const db = openTestDatabase(daemon.env.LANGO_DB!, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    const today = DateTime.now().setZone(ZONE).toISODate()!;
    await until('today’s usage rolled up', () => db.prepare('SELECT bytes_down FROM usage_customer_days WHERE day = ?').pluck().get(today) as number | undefined);
    // The days before: as the writer would have left them, a varied month.
    const id = db.prepare("SELECT id FROM customers WHERE username = 'grace'").pluck().get() as number;
    const add = db.prepare('INSERT INTO usage_customer_days (customer_id, day, bytes_down, bytes_up) VALUES (?, ?, ?, ?)');
    for (let back = 1; back < 30; back++) {
      if (back % 7 === 3) continue; // a day offline
      const day = DateTime.now().setZone(ZONE).minus({ days: back }).toISODate()!;
      add.run(id, day, ((back * 37) % 11) * 150_000_000 + 20_000_000, ((back * 13) % 7) * 15_000_000 + 2_000_000);
    }
  } finally {
    db.close();
  }

  const signedIn = async (browser: Browser, options: { locale?: string; serviceWorkers?: 'allow' | 'block' } = {}) => {
    const first = await newPhone(browser, { ...(options.locale && { locale: options.locale }) });
    const reader = openTestDatabase(daemon.env.LANGO_DB!, { readonly: true, fileMustExist: true });
    const lastId = () => (reader.prepare('SELECT max(id) FROM messages').pluck().get() as number | null) ?? 0;
    try {
      const before = lastId();
      await first.page.goto(`${portalUrl}/sign-in`);
      await first.page.fill('#code-identifier', '0712345678');
      await first.page.locator('form[action$="/code/send"] button').click();
      await first.page.waitForURL(`${portalUrl}/sign-in/code`);
      const body = await until('the sign-in SMS', () => reader.prepare("SELECT body FROM messages WHERE recipient = '+254712345678' AND id > ? ORDER BY id DESC LIMIT 1").pluck().get(before) as string | undefined);
      await first.page.fill('#code', /\d{6}/.exec(body)![0]);
      await first.page.locator('form[action$="/sign-in/code"] button').click();
      await first.page.waitForURL(`${portalUrl}/password`);
    } finally {
      reader.close();
    }
    const state = await first.context.storageState();
    await first.context.close();
    const context = await browser.newContext({ locale: options.locale ?? 'en-GB', viewport: { width: 360, height: 640 }, storageState: state, serviceWorkers: options.serviceWorkers ?? 'block' });
    context.setDefaultTimeout(10_000);
    return context;
  };
  return { daemon, portalUrl, signedIn };
}
