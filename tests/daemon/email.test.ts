import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { startSmtp, type SmtpEmulator, type SmtpReceived } from '../../scripts/emulators/smtp.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson, radclient, until } from '../support/peers.js';

// Email as a second channel, end to end: a daemon set up with `lango email setup` against a
// loopback SMTP server emails its admin when a router goes silent, and emails a staff reply on
// a help request to an Arabic-speaking customer, in Arabic. The password is never in the log.

const SMTP_PASSWORD = 'smtp-pass-9f31c';
const ADMIN_EMAIL = 'noc-admin@skyline.example';
const CUSTOMER_EMAIL = 'layla@example.net';

let smtp: SmtpEmulator;
let daemon: Daemon;
let browser: Browser;

const mailTo = (address: string) => (): SmtpReceived[] => smtp.received.filter((m) => m.to.includes(address));
const accounting = (type: string) => `Acct-Status-Type = ${type}\nAcct-Session-Id = "email-1"\nUser-Name = "layla"\n`;

beforeAll(async () => {
  smtp = await startSmtp({ user: 'noc@skyline.example', password: SMTP_PASSWORD });
  const first = await startDaemon();
  const cli = <T>(...args: string[]): T => langoJson<T>(first, ...args);
  const passwordFile = path.join(first.dir, 'smtp-password');
  writeFileSync(passwordFile, `${SMTP_PASSWORD}\n`, { mode: 0o600 });
  cli('email', 'setup', '--host', smtp.host, '--port', String(smtp.port), '--user', smtp.user, '--password-file', passwordFile, '--from', 'Skyline Net <noc@skyline.example>', '--enable');
  const admin = cli<Array<{ username: string; role: string }>>('staff', 'list').find((s) => s.role === 'admin')!;
  cli('staff', 'set-email', '--username', admin.username, '--email', ADMIN_EMAIL);
  cli('nas', 'add', '--name', 'Juba-North', '--ip', '127.0.0.1', '--secret', 'email-secret');
  cli('settings', 'set', '--key', 'operator.name', '--value', 'Skyline Net');
  cli('settings', 'set', '--key', 'alerts.checkSeconds', '--value', '1');
  cli('settings', 'set', '--key', 'alerts.routerSilentMinutes', '--value', '0.05');
  cli('plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'SSP', '--duration', '30d', '--rate', '5M/10M');
  cli('customer', 'add', '--username', 'layla', '--password', 'layla-net', '--plan', 'Home 10M', '--name', 'Layla Deng', '--phone', '+211912345678', '--email', CUSTOMER_EMAIL, '--language', 'ar');
  cli('staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1');
  cli('staff', 'add', '--username', 'amina', '--role', 'admin', '--password', 'admin-desk-07');
  expect(await first.stop()).toBe(0);
  // The alert check's interval is read at start.
  daemon = await startDaemon({ dir: first.dir });
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
  await smtp?.close();
});

describe('email as a second channel', () => {
  it('emails the admins when a router goes silent: one set by the CLI, one on the staff account page', async () => {
    const amina = langoJson<Array<{ id: number; username: string }>>(daemon, 'staff', 'list').find((s) => s.username === 'amina')!;
    const staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'amina', 'admin-desk-07');
    await page.goto(`${staffUrl}/users/${amina.id}`);
    await page.getByLabel('Email address').fill('amina@skyline.example');
    await page.getByRole('button', { name: 'Save email' }).click();
    await page.getByText('amina gets health alerts at amina@skyline.example.').waitFor();
    await context.close();

    expect(radclient(accounting('Start'), `127.0.0.1:${daemon.acctPort}`, 'acct', 'email-secret').status).toBe(0);
    const [alert] = await until('the alert email', () => (mailTo(ADMIN_EMAIL)().length > 0 ? mailTo(ADMIN_EMAIL)() : undefined), 30_000);
    expect(alert!.user).toBe('noc@skyline.example');
    expect(alert!.headers.from).toBe('Skyline Net <noc@skyline.example>');
    expect(alert!.subject).toMatch(/^Skyline Net: Lango alert: router Juba-North has sent no accounting for \d+ minutes\.$/);
    expect(alert!.text).toContain('Lango alert: router Juba-North has sent no accounting');
    const [second] = await until('the second admin\'s alert email', () => (mailTo('amina@skyline.example')().length > 0 ? mailTo('amina@skyline.example')() : undefined), 10_000);
    expect(second!.subject).toBe(alert!.subject);
  }, 60_000);

  it("emails a staff reply on a help request to the customer, in the customer's Arabic", async () => {
    const staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
    const { context, page } = await newPhone(browser);
    await staffSignIn(page, staffUrl, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/tickets/new?username=layla`);
    await page.getByLabel('Subject').fill('No internet since the rain');
    await page.getByLabel('What the customer told you').fill('Called at 9: the light on the router is red.');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.waitForURL(/\/staff\/tickets\/\d+\?done=opened$/);
    const ticketId = Number(/\/tickets\/(\d+)/.exec(page.url())![1]);
    await page.getByLabel('Reply to the customer').fill('We replaced the cable at the mast. Please restart your router.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.waitForURL(/\/staff\/tickets\/\d+/);
    await context.close();

    const [mail] = await until('the reply email', () => (mailTo(CUSTOMER_EMAIL)().length > 0 ? mailTo(CUSTOMER_EMAIL)() : undefined), 20_000);
    expect(mail!.subject).toBe(`Skyline Net: رد على طلب المساعدة #${ticketId} (No internet since the rain)`);
    expect(mail!.text).toContain('مرحبًا Layla Deng،');
    expect(mail!.text).toContain('We replaced the cable at the mast. Please restart your router.');
    // The SMS still goes out as before; the email comes besides it.
    const smsOutbox = langoJson<Array<{ to: string; text: string }>>(daemon, 'sms', 'list', '--username', 'layla');
    expect(smsOutbox.some((m) => m.to === '+211912345678' && m.text.includes(`#${ticketId}`))).toBe(true);
  }, 40_000);

  it('never writes the SMTP password to the log', () => {
    expect(daemon.logs().join('\n')).not.toContain(SMTP_PASSWORD);
  });
});
