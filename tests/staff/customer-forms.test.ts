import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCustomer, addPlan, findCustomer, listInvoices } from '../../src/billing/index.js';
import { recordEvent } from '../../src/billing/timeline.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { openDatabase, type Connection } from '../../src/db/connection.js';
import { addStaff, auditTrail, createSession } from '../../src/staff/index.js';
import { SESSION_COOKIE, staffPages } from '../../src/web/staff/index.js';
import type { StaffServices } from '../../src/web/staff/services.js';

// The customer forms through fastify.inject (no browser, no daemon): what the browser tests do
// not reach cheaply. A server without the secret box refuses to add a customer in words; a
// customer without a plan gets one from the plan page; a confirm whose preview no longer holds
// shows the new cost and changes nothing; the history pages.

const box = createSecretBox(Buffer.alloc(32, 9));
let conn: Connection;
let who: { cookie: string; csrf: string };

async function build(services: StaffServices): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(staffPages, { db: conn.db, zone: 'Africa/Nairobi', services, prefix: '/staff' });
  await app.ready();
  return app;
}

const post = (app: FastifyInstance, url: string, form: Record<string, string>) =>
  app.inject({ method: 'POST', url, headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: who.csrf, ...form }).toString() });
const get = (app: FastifyInstance, url: string) => app.inject({ method: 'GET', url, headers: { cookie: who.cookie } });
const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!;

beforeAll(async () => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-customer-forms-')), 'lango.db'));
  addPlan(conn.db, { name: 'Day', priceMinor: 5000, currency: 'KES', durationSeconds: 86400, rateLimit: '1M/2M' });
  addPlan(conn.db, { name: 'Week', priceMinor: 25000, currency: 'KES', durationSeconds: 7 * 86400, rateLimit: '2M/4M' });
  const admin = (await addStaff(conn.db, { username: 'amina', role: 'admin', password: 'admin-password-1' })).staff;
  const { token, csrfToken } = createSession(conn.db, admin.id, Date.now());
  who = { cookie: `${SESSION_COOKIE}=${token}`, csrf: csrfToken };
});

afterAll(() => conn.close());

describe('customer forms', () => {
  it('refuses to add a customer in words when the server has no secret box, adding nothing', async () => {
    const app = await build({});
    const response = await post(app, '/staff/customers/new', { username: 'zed', password: 'zed-pass' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('not set up to store network passwords');
    expect(response.body).toContain('value="zed"');
    expect(findCustomer(conn.db, 'zed')).toBeUndefined();
    await app.close();
  });

  it('gives a customer without a plan one from the plan page, audited', async () => {
    const app = await build({ box });
    const created = await post(app, '/staff/customers/new', { username: 'nia', password: 'nia-pass', fullName: 'Nia' });
    expect(created.statusCode).toBe(303);
    expect(findCustomer(conn.db, 'nia')!.plan).toBeNull();
    const week = await get(app, '/staff/customers/nia/plan');
    const weekId = /<option value="(\d+)">Week/.exec(week.body)![1]!;
    const preview = await get(app, `/staff/customers/nia/plan/preview?planId=${weekId}&when=now`);
    expect(preview.body).toContain('The customer starts on Week now.');
    const confirm = await post(app, '/staff/customers/nia/plan', { planId: weekId, when: 'now', at: hidden(preview.body, 'at'), expect: hidden(preview.body, 'expect') });
    expect(confirm.statusCode).toBe(303);
    const nia = findCustomer(conn.db, 'nia')!;
    expect(nia.plan).toBe('Week');
    expect(auditTrail(conn.db, `customer:${nia.id}`)[0]).toMatchObject({ action: 'customer.plan', detail: { before: { plan: null }, after: { plan: 'Week' } } });
    await app.close();
  });

  it('shows the cost again, changing nothing, when the preview no longer holds', async () => {
    const app = await build({ box });
    addCustomer(conn.db, box, { username: 'omar', password: 'pw', planName: 'Day' });
    const week = await get(app, '/staff/customers/omar/plan');
    const weekId = /<option value="(\d+)">Week/.exec(week.body)![1]!;
    const preview = await get(app, `/staff/customers/omar/plan/preview?planId=${weekId}&when=now`);
    expect(preview.body).toContain('id="preview-charge"');
    const stale = await post(app, '/staff/customers/omar/plan', { planId: weekId, when: 'now', at: hidden(preview.body, 'at'), expect: 'now:0:1:0' });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('The cost has changed since the preview');
    const old = await post(app, '/staff/customers/omar/plan', { planId: weekId, when: 'now', at: String(Date.now() - 11 * 60_000), expect: hidden(preview.body, 'expect') });
    expect(old.statusCode).toBe(409);
    const omar = findCustomer(conn.db, 'omar')!;
    expect(omar.plan).toBe('Day');
    expect(listInvoices(conn.db, { customerId: omar.id })).toEqual([]);
    await app.close();
  });

  it('pages the history twenty at a time, newest first', async () => {
    const app = await build({ box });
    const c = addCustomer(conn.db, box, { username: 'pia', password: 'pw' });
    for (let i = 0; i < 25; i++) recordEvent(conn.db, c.id, 'adjustment', 'staff:amina', { reason: `note ${i}` }, 1_700_000_000_000 + i * 1000);
    const first = await get(app, '/staff/customers/pia');
    const rows = (html: string) => (/<table id="timeline">[\s\S]*?<\/table>/.exec(html)![0].match(/<tr>/g) ?? []).length - 1;
    expect(rows(first.body)).toBe(20);
    expect(first.body).toContain('note 24');
    expect(first.body).toContain('href="/staff/customers/pia?page=2" rel="next"');
    const second = await get(app, '/staff/customers/pia?page=2');
    expect(rows(second.body)).toBe(5);
    expect(second.body).toContain('note 0');
    await app.close();
  });
});
