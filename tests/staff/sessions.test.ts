import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { langoJson, radclient } from '../support/peers.js';

// Issue 7's sessions screen end to end: a router's accounting Start shows as a live session,
// a Stop moves a session to the history, the filters narrow by user, and support's Disconnect
// click queues a Disconnect-Request for the daemon to send, audit-logged. A billing manager,
// who has no business with sessions, is refused the page.

const SECRET = 'staff-sessions-secret';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

const cli = <T>(...args: string[]): T => langoJson<T>(daemon, ...args);

interface Action { sessionId: number; kind: string; reason: string }
interface Audit { actor: string; action: string; detail: Record<string, unknown> }

const plain = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
const signIn = (page: Page, username: string, password: string) => staffSignIn(page, staffUrl, username, password);
const acct = (lines: string) => {
  const run = radclient(lines, `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
  expect(run.status, run.stdout + run.stderr).toBe(0);
};

beforeAll(async () => {
  daemon = await startDaemon();
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', 'Home 10M', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/10M'],
    ['customer', 'add', '--username', 'alice', '--password', 'alice-pass', '--plan', 'Home 10M'],
    ['customer', 'add', '--username', 'bob', '--password', 'bob-pass', '--plan', 'Home 10M'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
    ['staff', 'add', '--username', 'mercy', '--role', 'billing_manager', '--password', 'billing-desk-1'],
  ];
  for (const args of setup) cli(...args);
  acct('Acct-Status-Type = Start\nAcct-Session-Id = "live-0001"\nUser-Name = "alice"\nFramed-IP-Address = 10.5.50.7\nCalling-Station-Id = "AA:BB:CC:00:00:07"\n');
  acct('Acct-Status-Type = Start\nAcct-Session-Id = "old-0001"\nUser-Name = "bob"\nFramed-IP-Address = 10.5.50.8\n');
  acct('Acct-Status-Type = Stop\nAcct-Session-Id = "old-0001"\nUser-Name = "bob"\nFramed-IP-Address = 10.5.50.8\nAcct-Session-Time = 120\nAcct-Input-Octets = 2048\nAcct-Output-Octets = 4096\nAcct-Terminate-Cause = User-Request\n');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the sessions screen', () => {
  it('shows a Start as live, finds history by user, and queues a Disconnect from the live row', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/sessions`);
    const rows = page.locator('#sessions tbody tr');
    expect(await rows.count()).toBe(1);
    const live = plain(await rows.first().textContent());
    expect(live).toContain('alice');
    expect(live).toContain('10.5.50.7');
    expect(live).toContain('AA:BB:CC:00:00:07');
    expect(live).toContain('tower');
    expect(live).toContain('live');

    await page.selectOption('#f-state', 'ended');
    await page.fill('#f-username', 'bob');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/username=bob/);
    expect(await rows.count()).toBe(1);
    const ended = plain(await rows.first().textContent());
    expect(ended).toContain('User-Request');
    expect(ended).toContain('2 min');
    expect(ended).toContain('4.0 KB / 2.0 KB');
    expect(await rows.first().getByRole('button', { name: 'Disconnect' }).count()).toBe(0);

    await page.goto(`${staffUrl}/sessions?username=alice`);
    expect(await rows.count()).toBe(1);
    await page.getByRole('link', { name: 'alice' }).waitFor();
    await rows.first().getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText(/^Disconnect queued for session \d+/).waitFor();

    const actions = cli<Action[]>('sessions', 'actions');
    expect(actions.filter((a) => a.kind === 'disconnect' && a.reason === 'operator')).toHaveLength(1);
    const audit = cli<Audit[]>('audit').filter((a) => a.action === 'session.disconnect');
    expect(audit).toEqual([expect.objectContaining({ actor: 'staff:otieno', detail: expect.objectContaining({ username: 'alice', nas: 'tower' }) })]);
    await context.close();
  });

  it('says plainly when a filter is malformed, runs right to left in Arabic, and refuses a billing manager', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    const bad = await page.goto(`${staffUrl}/sessions?ip=10.5.50`);
    expect(bad?.status()).toBe(400);
    await page.getByText('"10.5.50" is not an IP address.').waitFor();

    // In Arabic the page runs right to left.
    await page.goto(`${staffUrl}/language?to=ar`);
    await page.goto(`${staffUrl}/sessions?state=all`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('h1').textContent()).toBe('الجلسات');
    expect(await page.locator('#sessions tbody tr').count()).toBe(2);
    await context.close();

    const other = await newPhone(browser);
    await signIn(other.page, 'mercy', 'billing-desk-1');
    const refused = await other.page.goto(`${staffUrl}/sessions`);
    expect(refused?.status()).toBe(403);
    await other.context.close();
  });
});
