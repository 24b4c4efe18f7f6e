import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { launchBrowser, newPhone, staffSignIn } from '../support/browser.js';
import { lango, langoJson, langoOk, radclient, until } from '../support/peers.js';
import { openTestDatabase } from '../support/postgres.js';

// Issue 14's "Why?" end to end: a one-device customer whose router lost a session (a Start and
// nothing since) is refused at login; support opens Why? from the customer page, reads the
// refusal and the silent session, closes it, re-sends the login details, and the next
// Access-Request is let in. A billing manager asks M-Pesa about a pending payment now and
// applies a flagged one; a technician sees no "apply" (and is refused the route), reads a
// voucher's code veiled, and reads the screen in Arabic. `lango why` prints the same story,
// found by username, phone and device MAC.

const SECRET = 'staff-why-secret';
const MAC = 'AA:BB:CC:DD:EE:01';

let daemon: Daemon;
let browser: Browser;
let staffUrl: string;

interface Audit { actor: string; action: string; detail: Record<string, unknown> }
interface SessionRow { acctSessionId: string; stoppedAt: number | null; terminateCause: string | null }

/** Types into the Why? search box as a support person would (a POST: a phone must not reach the request log). */
async function search(page: Page, query: string): Promise<void> {
  await page.goto(`${staffUrl}/why`);
  await page.fill('#q', query);
  await page.getByRole('button', { name: 'Find' }).click();
  await page.locator('#subject, #matches, #no-match').first().waitFor();
}

const plain = (text: string | null) => (text ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
const signIn = (page: Page, username: string, password: string) => staffSignIn(page, staffUrl, username, password);
const auth = (extra: string[] = []) =>
  radclient(`User-Name = "amina"\nUser-Password = "amina-pass"\nCalling-Station-Id = "AA-BB-CC-DD-EE-02"\nMessage-Authenticator = 0x00\n${extra.join('\n')}\n`, `127.0.0.1:${daemon.authPort}`, 'auth', SECRET);

beforeAll(async () => {
  // The reconcile worker's own timer is an hour away: only the page's kick can make it ask.
  daemon = await startDaemon({ env: { LANGO_PAYMENT_CHECK_INTERVAL: '3600' } });
  staffUrl = `http://127.0.0.1:${daemon.httpPort}/staff`;
  const setup = [
    ['nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET],
    ['plan', 'add', '--name', 'Month', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/5M'],
    ['customer', 'add', '--username', 'amina', '--password', 'amina-pass', '--plan', 'Month', '--phone', '0712 345 678', '--name', 'Amina Deng'],
    ['staff', 'add', '--username', 'otieno', '--role', 'support', '--password', 'support-desk-1'],
    ['staff', 'add', '--username', 'kamau', '--role', 'technician', '--password', 'field-desk-1'],
    ['staff', 'add', '--username', 'mercy', '--role', 'billing_manager', '--password', 'billing-desk-1'],
  ];
  for (const args of setup) langoOk(daemon, ...args);
  // The router's Start ten minutes ago and nothing since (interim 300 s): lost, but not yet
  // past 3 interims + grace, so it still holds the plan's one device place.
  const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
  const start = radclient(
    `Acct-Status-Type = Start\nAcct-Session-Id = "lost-0001"\nUser-Name = "amina"\nFramed-IP-Address = 10.5.50.9\nCalling-Station-Id = "${MAC}"\nEvent-Timestamp = ${tenMinutesAgo}\n`,
    `127.0.0.1:${daemon.acctPort}`,
    'acct',
    SECRET,
  );
  expect(start.status, start.stdout + start.stderr).toBe(0);
  const refused = auth(['Response-Packet-Type = Access-Reject']);
  expect(refused.status, refused.stdout + refused.stderr).toBe(0);
  expect(refused.stdout).toContain('already online on 1 device(s)');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the Why? screen', () => {
  it('shows support the refusal and the silent session, and closing it lets the next login through', async () => {
    const { context, page } = await newPhone(browser);
    await signIn(page, 'otieno', 'support-desk-1');
    await page.goto(`${staffUrl}/customers/amina`);
    await page.getByRole('link', { name: 'Why? (payments, refused logins, sessions)' }).click();
    await page.waitForURL(/\/staff\/why\?customer=\d+/);
    expect(plain(await page.locator('#subject').textContent())).toBe('Customer amina (Amina Deng)');
    expect(plain(await page.locator('#devices').textContent())).toBe('1 of 1');
    // The decision is written in the accounting group commit just after the reply: a reload may be needed.
    const timeline = page.locator('#timeline tbody tr');
    const refusal = await until('the refused login on the timeline', async () => {
      await page.reload();
      const rows = (await timeline.allTextContents()).map(plain);
      return rows.find((row) => row.includes('Refused'));
    });
    expect(refusal).toContain('lost-0001');
    expect(refusal).toContain('as amina on tower');
    const silent = timeline.filter({ hasText: 'probably lost' });
    expect(await silent.count()).toBe(1);
    expect(plain(await silent.textContent())).toContain(MAC);
    expect(plain(await silent.textContent())).toMatch(/said nothing for \d+ min/);

    await silent.getByRole('button', { name: 'Close this session' }).click();
    await page.getByText(/^Session \d+ is closed: it no longer takes a device place/).waitFor();
    expect(plain(await page.locator('#devices').textContent())).toBe('0 of 1');
    expect(plain(await timeline.filter({ hasText: 'lost-0001' }).filter({ hasText: 'Session on tower' }).textContent())).toContain('Lango-Stale-Closed');

    // Login details again by SMS: once, then "too soon" for a minute.
    await page.getByRole('button', { name: 'Re-send login details by SMS' }).click();
    await page.getByText('Login details are on their way to +2547…678 by SMS.').waitFor();
    await page.getByRole('button', { name: 'Re-send login details by SMS' }).click();
    await page.getByText(/^Login details were sent less than a minute ago\. Try again in \d+ s\.$/).waitFor();

    const accepted = auth();
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain('Access-Accept');

    const sessions = langoJson<SessionRow[]>(daemon, 'sessions');
    expect(sessions.find((s) => s.acctSessionId === 'lost-0001')).toMatchObject({ terminateCause: 'Lango-Stale-Closed' });
    const audit = langoJson<Audit[]>(daemon, 'audit');
    expect(audit.filter((a) => a.action === 'session.close-stale')).toEqual([expect.objectContaining({ actor: 'staff:otieno', detail: expect.objectContaining({ username: 'amina', nas: 'tower' }) })]);
    expect(audit.filter((a) => a.action === 'customer.resend-login')).toEqual([expect.objectContaining({ actor: 'staff:otieno', detail: { username: 'amina', voucher: false } })]);
    await context.close();
  });

  it('offers a billing manager "apply" on a flagged payment, and neither shows it to a technician nor lets one use it (nor a voucher code)', async () => {
    // A late M-Pesa success flagged for review, as the reconcile job leaves one (written straight to the daemon's database).
    const customerId = langoJson<{ id: number }>(daemon, 'customer', 'show', '--username', 'amina').id;
    const sqlite = openTestDatabase(daemon.dbPath);
    const now = Date.now() - 5 * 60_000;
    const attemptId = (
      sqlite
        .prepare(
          `INSERT INTO payment_attempts (key, provider, purpose, customer_id, amount_minor, currency, phone, status, receipt, settled_via, review_reason, actor, created_at, updated_at, finished_at)
           VALUES ('why-late-1', 'mpesa', 'wallet', ?, 150000, 'KES', '+254712345678', 'succeeded', 'QLATE00001', 'query', 'late-success', 'system', ?, ?, ?) RETURNING id`,
        )
        .get(customerId, now, now, now) as { id: number }
    ).id;
    // And an STK push still waiting, its next status query an hour away.
    const pendingId = (
      sqlite
        .prepare(
          `INSERT INTO payment_attempts (key, provider, purpose, customer_id, amount_minor, currency, phone, status, provider_ref, actor, created_at, updated_at, next_query_at)
           VALUES ('why-pending-1', 'mpesa', 'wallet', ?, 150000, 'KES', '+254712345678', 'pending', 'ws_CO_WHY_1', 'portal', ?, ?, ?) RETURNING id`,
        )
        .get(customerId, now, now, Date.now() + 3_600_000) as { id: number }
    ).id;
    sqlite.close();
    const nextQueryAt = () => {
      const db = openTestDatabase(daemon.dbPath);
      try {
        return (db.prepare('SELECT next_query_at AS next FROM payment_attempts WHERE id = ?').get(pendingId) as { next: number | null }).next;
      } finally {
        db.close();
      }
    };

    const [voucher] = langoJson<{ codes: Array<{ code: string }> }>(daemon, 'voucher', 'create', '--plan', 'Month', '--count', '1').codes;
    const code = voucher!.code;

    const technician = await newPhone(browser);
    await signIn(technician.page, 'kamau', 'field-desk-1');
    // A voucher code is a bearer credential: found by it, but shown veiled to a role that may not see codes.
    await search(technician.page, code.toLowerCase());
    expect(plain(await technician.page.locator('#subject').textContent())).toBe(`Voucher ${code.slice(0, 2)}…${code.slice(-2)}`);
    expect(await technician.page.locator('main').textContent()).not.toContain(code);
    await search(technician.page, 'amina');
    const row = technician.page.locator('#timeline tbody tr').filter({ hasText: 'QLATE00001' });
    expect(plain(await row.textContent())).toContain('waiting for a person');
    expect(await technician.page.getByRole('button', { name: 'Apply this payment' }).count()).toBe(0);
    const csrf = await technician.page.locator('input[name="_csrf"]').first().inputValue();
    const refused = await technician.page.request.post(`${staffUrl}/why/attempts/${attemptId}/apply`, { form: { _csrf: csrf } });
    expect(refused.status()).toBe(403);

    // In Arabic the screen runs right to left, times still in the operator's zone.
    await technician.page.goto(`${staffUrl}/language?to=ar`);
    await technician.page.goto(`${staffUrl}/why?customer=${customerId}`);
    expect(await technician.page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await technician.page.locator('h1').textContent()).toBe('لماذا؟');
    expect(plain(await technician.page.locator('#subject').textContent())).toBe('العميل amina (Amina Deng)');
    expect(plain(await technician.page.locator('#timeline').textContent())).toContain('مدفوعة');
    await technician.context.close();

    const manager = await newPhone(browser);
    await signIn(manager.page, 'mercy', 'billing-desk-1');
    await search(manager.page, code);
    expect(plain(await manager.page.locator('#subject').textContent())).toBe(`Voucher ${code}`);
    await search(manager.page, '0712 345 678');
    // Ask M-Pesa now: the query moves to now and the daemon's reconcile worker, kicked, takes it
    // (its timer is an hour away; no provider is set up here, so it stops asking: the next query is cleared).
    await manager.page.locator('#timeline tbody tr').filter({ hasText: 'waiting for the customer or the provider' }).getByRole('button', { name: 'Ask M-Pesa now' }).click();
    await manager.page.getByText(`Lango is asking M-Pesa about payment #${pendingId} now. Reload this page in a few seconds.`).waitFor();
    await until('the reconcile worker to take the payment query', () => (nextQueryAt() === null ? true : undefined), 20_000);
    expect(langoJson<Audit[]>(daemon, 'audit').filter((a) => a.action === 'payment.query-now')).toEqual([expect.objectContaining({ actor: 'staff:mercy' })]);

    await manager.page.locator('#timeline tbody tr').filter({ hasText: 'QLATE00001' }).getByRole('button', { name: 'Apply this payment' }).click();
    await manager.page.getByText(new RegExp(`^Payment #${attemptId} is applied: receipt `)).waitFor();
    expect(langoJson<Audit[]>(daemon, 'audit').filter((a) => a.action === 'payment.review.approve')).toHaveLength(1);
    await manager.context.close();
  });

  it('prints the same story with lango why, found by username, phone and device MAC', () => {
    const byName = langoOk(daemon, 'why', 'amina');
    expect(byName).toContain('Why? Customer amina (Amina Deng)');
    expect(byName).toContain('Session on tower: ended');
    expect(byName).toContain('Lango-Stale-Closed');
    expect(byName).toContain('Refused: ');
    for (const query of ['0712345678', '+254 712 345 678', 'aa-bb-cc-dd-ee-01']) {
      expect(langoOk(daemon, 'why', query), query).toContain('Why? Customer amina (Amina Deng)');
    }
    const json = langoJson<{ story: { entries: Array<{ source: string }> } }>(daemon, 'why', 'amina', '--limit', '1');
    expect(json.story.entries.filter((e) => e.source === 'decision')).toHaveLength(1);
    const none = lango(daemon, 'why', 'nobody-here');
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('Nothing matches "nobody-here"');
  });
});
