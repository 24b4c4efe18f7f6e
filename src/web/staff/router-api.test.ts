import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNas } from '../../aaa/nas.js';
import { createSecretBox } from '../../crypto/secret-box.js';
import { openDatabase, type Connection } from '../../db/connection.js';
import { findRouterApi, routerEndpoint } from '../../network/index.js';
import { addStaff, auditTrail, createSession } from '../../staff/index.js';
import { SESSION_COOKIE, staffPages } from './index.js';
import type { StaffServices } from './services.js';

// The router API pages through fastify.inject, without a router: the form's refusals, the
// password kept out of the page and the audit, removal only when confirmed, and what setup
// says when the address routers reach Lango at is not set. Talking to a router is in
// tests/staff/router-api.test.ts, against the emulator.

let conn: Connection;
let nasId: number;
const box = createSecretBox(Buffer.alloc(32, 7));
const facts = { authPort: 1812, acctPort: 1813, coaPort: 3799, interimSeconds: 300 };
const who = new Map<string, { cookie: string; csrf: string }>();

async function build(services: StaffServices): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(staffPages, { db: conn.db, zone: 'Africa/Nairobi', services, prefix: '/staff' });
  await app.ready();
  return app;
}

const post = (app: FastifyInstance, url: string, as: string, form: Record<string, string>) =>
  app.inject({ method: 'POST', url, headers: { cookie: who.get(as)!.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: who.get(as)!.csrf, ...form }).toString() });
const get = (app: FastifyInstance, url: string, as: string) => app.inject({ method: 'GET', url, headers: { cookie: who.get(as)!.cookie } });

beforeAll(async () => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-router-api-')), 'lango.db'));
  for (const [username, role] of [['amina', 'admin'], ['kamau', 'technician']] as const) {
    const { staff } = await addStaff(conn.db, { username, role, password: `${username}-password-1` });
    const { token, csrfToken } = createSession(conn.db, staff.id, Date.now());
    who.set(username, { cookie: `${SESSION_COOKIE}=${token}`, csrf: csrfToken });
  }
  nasId = addNas(conn.db, box, { name: 'tower', ip: '192.0.2.10', secret: 'tower-shared-secret' }).id;
});
afterAll(() => conn.close());

describe('the router API form', () => {
  it('keeps the typed values but never the password when the address is refused, and changes nothing', async () => {
    const app = await build({ box });
    const response = await post(app, `/staff/routers/${nasId}/api`, 'kamau', { host: 'not a host!', port: '', username: 'lango', password: 'typed-secret-1', site: 'Kibera', monitor: 'yes' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('is not an address or host name for the router API');
    expect(response.body).toContain('Nothing was changed.');
    expect(response.body).toContain('value="not a host!"');
    expect(response.body).toContain('value="Kibera"');
    expect(response.body).not.toContain('typed-secret-1');
    expect(findRouterApi(conn.db, nasId)).toBeUndefined();
    await app.close();
  });

  it('saves API access with an audit entry that holds no password, and keeps the password when left empty', async () => {
    const app = await build({ box });
    const saved = await post(app, `/staff/routers/${nasId}/api`, 'kamau', { host: '10.8.0.2', port: '', username: 'lango', password: 'api-password-1', monitor: 'yes' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/staff/routers/${nasId}?done=api-saved#router-api`);
    const again = await post(app, `/staff/routers/${nasId}/api`, 'kamau', { host: '10.8.0.2', port: '8728', username: 'lango', password: '', model: 'hAP ax2' });
    expect(again.statusCode).toBe(303);
    expect(routerEndpoint(conn.db, box, nasId, 1000)).toMatchObject({ host: '10.8.0.2', port: 8728, password: 'api-password-1' });
    expect(findRouterApi(conn.db, nasId)).toMatchObject({ model: 'hAP ax2', monitor: false });

    const page = await get(app, `/staff/routers/${nasId}?done=api-saved`, 'kamau');
    expect(page.body).toContain('API access for &#34;tower&#34; saved.');
    expect(page.body).toContain('10.8.0.2:8728');
    expect(page.body).not.toContain('api-password-1');
    const audit = auditTrail(conn.db, `nas:${nasId}`);
    expect(audit.map((a) => a.action)).toEqual(['router.api-set', 'router.api-set']);
    expect(audit[0]!.detail).toMatchObject({ password: 'kept', after: { model: 'hAP ax2' } });
    expect(JSON.stringify(audit)).not.toContain('api-password-1');
    await app.close();
  });

  it('removes API access only when the box is ticked', async () => {
    const app = await build({ box });
    const unticked = await post(app, `/staff/routers/${nasId}/api/remove`, 'kamau', {});
    expect(unticked.statusCode).toBe(400);
    expect(unticked.body).toContain('Tick the box to confirm. Nothing was changed.');
    expect(findRouterApi(conn.db, nasId)).toBeDefined();
    const removed = await post(app, `/staff/routers/${nasId}/api/remove`, 'kamau', { confirm: 'yes' });
    expect(removed.statusCode).toBe(303);
    expect(findRouterApi(conn.db, nasId)).toBeUndefined();
    expect(auditTrail(conn.db, `nas:${nasId}`)[0]).toMatchObject({ action: 'router.api-remove', actor: 'staff:kamau' });
    const page = await get(app, `/staff/routers/${nasId}`, 'kamau');
    expect(page.body).toContain('No API access is set for this router');
    await app.close();
  });
});

describe('set up this router', () => {
  it('asks for the address routers reach Lango at: a link to the settings for an admin, the command for a technician', async () => {
    const app = await build({ box, setupFacts: facts, connectRouter: () => Promise.reject(new Error('no router in this test')) });
    await post(app, `/staff/routers/${nasId}/api`, 'kamau', { host: '10.8.0.2', username: 'lango', password: 'api-password-1', monitor: 'yes' });
    const admin = await get(app, `/staff/routers/${nasId}/setup`, 'amina');
    expect(admin.body).toContain('Set the address routers reach Lango at first');
    expect(admin.body).toContain('href="/staff/settings#routers"');
    const technician = await get(app, `/staff/routers/${nasId}/setup`, 'kamau');
    expect(technician.body).toContain('lango settings set --key routers.radiusAddress --value 10.8.0.1');
    expect(technician.body).not.toContain('href="/staff/settings#routers"');
    await app.close();
  });

  it('says in words that it cannot reach routers outside the daemon', async () => {
    const app = await build({ box });
    const response = await get(app, `/staff/routers/${nasId}/setup`, 'kamau');
    expect(response.body).toContain('This page cannot reach routers: it is not running inside the Lango daemon.');
    await app.close();
  });
});

describe('the live page', () => {
  const at = Date.parse('2026-11-24T09:00:00Z');
  const point = (minutes: number, ether1: number, wlan1: number) => ({ at: at + minutes * 60_000, interfaces: { ether1: [ether1, ether1 / 10] as [number, number], wlan1: [wlan1, wlan1 / 10] as [number, number] }, cpuLoad: 5, users: 2 });
  const live = {
    nasId: 0,
    state: 'up' as const,
    checkedAt: at + 120_000,
    error: null,
    resource: null,
    interfaces: [{ name: 'ether1', running: true, rxBps: 4e6, txBps: 4e5 }, { name: 'wlan1', running: true, rxBps: 2e6, txBps: 2e5 }],
    users: [],
    window: [point(0, 3e6, 1e6), point(1, 4e6, 2e6)],
  };
  const monitor = { live: () => live, states: () => new Map(), pollMs: 30_000, pollNow: () => Promise.resolve() } as unknown as StaffServices['routerMonitor'];

  it('charts the last hour of the first interface from the poller’s memory, or the one picked, with a table', async () => {
    const app = await build({ box, routerMonitor: monitor });
    await post(app, `/staff/routers/${nasId}/api`, 'kamau', { host: '10.8.0.2', username: 'lango', password: 'api-password-1', monitor: 'yes' });
    const first = await get(app, `/staff/routers/${nasId}/live`, 'kamau');
    expect(first.body).toContain('Last hour');
    expect(first.body).toContain('Traffic on ether1 (Mbit/s, one reading per poll)');
    expect(first.body).toContain('data-chart="router-last-hour"');
    const data = JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(first.body)![1]!) as { charts: Array<{ id: string; labels: string[]; series: Array<{ values: number[] }> }> };
    const chart = data.charts.find((c) => c.id === 'router-last-hour')!;
    expect(chart.labels).toEqual(['12:00:00', '12:01:00']);
    expect(chart.series.map((s) => s.values)).toEqual([[3, 4], [0.3, 0.4]]);
    // The table, newest first, is there without script.
    expect(/<table[^>]*id="last-hour-table"[\s\S]*?<\/table>/.exec(first.body)![0]).toMatch(/12:01:00[\s\S]*12:00:00/);
    const picked = await get(app, `/staff/routers/${nasId}/live?iface=wlan1`, 'kamau');
    expect(picked.body).toContain('Traffic on wlan1');
    await app.close();
  });
});
