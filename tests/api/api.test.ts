import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../scripts/daemon-process.js';
import { langoJson, langoOk, radclient } from '../support/peers.js';

// The REST API as another system uses it: the real daemon over loopback, tokens made with the
// CLI, plain fetch.

let daemon: Daemon;
const SECRET = 'api-test-secret';
let base: string;
const tokens: Record<'admin' | 'billing' | 'technician', string> = { admin: '', billing: '', technician: '' };

interface ErrorBody { error: { code: string; message: string } }
interface Page<T> { data: T[]; next: string | null }
interface Customer { id: number; username: string; status: string }
interface Payment { receiptNumber: string; amount: { amountMinor: number; currency: string }; username: string }

async function call(token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && typeof body !== 'string' && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null, headers: response.headers };
}
const expectError = (answer: { status: number; json: unknown }, status: number, code?: string) => {
  expect(answer.status).toBe(status);
  const body = answer.json as ErrorBody;
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (code) expect(body.error.code).toBe(code);
};
const customerCount = async () => {
  let count = 0;
  for (let after: string | null = ''; after !== null; ) {
    const answer = (await call(tokens.admin, 'GET', `/customers?limit=200${after ? `&after=${after}` : ''}`)).json as Page<Customer>;
    count += answer.data.length;
    after = answer.next;
  }
  return count;
};

beforeAll(async () => {
  daemon = await startDaemon();
  base = `http://127.0.0.1:${daemon.httpPort}/api/v1`;
  langoOk(daemon, 'nas', 'add', '--name', 'tower', '--ip', '127.0.0.1', '--secret', SECRET);
  langoOk(daemon, 'plan', 'add', '--name', 'Month', '--price', '1500', '--currency', 'KES', '--duration', '30d', '--rate', '5M/5M');
  for (const name of ['achieng', 'baraka', 'chebet', 'daudi', 'esther']) langoOk(daemon, 'customer', 'add', '--username', name, '--password', 'pw', '--plan', 'Month');
  for (const [key, role] of [['admin', 'admin'], ['billing', 'billing_manager'], ['technician', 'technician']] as const) {
    tokens[key] = langoJson<{ token: string }>(daemon, 'api-token', 'create', '--name', `${role} system`, '--role', role).token;
  }
}, 60_000);

afterAll(async () => {
  if (daemon) expect(await daemon.stop()).toBe(0);
});

describe('the REST API at /api/v1', () => {
  it('lets a token made by the CLI in, and refuses no token, a wrong one and a revoked one with 401', async () => {
    expect(tokens.admin).toMatch(/^lango_/);
    expect((await call(tokens.admin, 'GET', '/customers')).status).toBe(200);
    expectError(await call(undefined, 'GET', '/customers'), 401, 'unauthorized');
    expectError(await call(`${tokens.admin.slice(0, -2)}xx`, 'GET', '/customers'), 401, 'unauthorized');
    const made = langoJson<{ token: string; summary: { id: number } }>(daemon, 'api-token', 'create', '--name', 'old shop', '--role', 'admin', '--expires-days', '30');
    expect((await call(made.token, 'GET', '/plans')).status).toBe(200);
    langoOk(daemon, 'api-token', 'revoke', '--id', String(made.summary.id));
    expectError(await call(made.token, 'GET', '/plans'), 401, 'unauthorized');
    const listed = langoJson<Array<{ id: number; state: string; lastUsedAt: number | null; tokenHash?: string }>>(daemon, 'api-token', 'list');
    expect(listed.find((t) => t.id === made.summary.id)).toMatchObject({ state: 'revoked' });
    expect(listed.every((t) => t.tokenHash === undefined)).toBe(true);
    expect(langoOk(daemon, 'api-token', 'list')).not.toContain(made.token);
  });

  it('gives each token what its role may do and 403 for the rest', async () => {
    // A technician sees sessions and customers but not money; a billing manager sees money but not sessions.
    expect((await call(tokens.technician, 'GET', '/sessions?state=live')).status).toBe(200);
    expect((await call(tokens.technician, 'GET', '/customers')).status).toBe(200);
    expectError(await call(tokens.technician, 'GET', '/payments'), 403, 'forbidden');
    expectError(await call(tokens.technician, 'POST', '/customers', { username: 'nope', password: 'pw' }), 403, 'forbidden');
    expect((await call(tokens.billing, 'GET', '/payments')).status).toBe(200);
    expectError(await call(tokens.billing, 'GET', '/sessions'), 403, 'forbidden');
    expect((await call(tokens.admin, 'GET', '/sessions')).status).toBe(200);
    const created = await call(tokens.admin, 'POST', '/customers', { username: 'faith', password: 'pw-faith', phone: '0712345678' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ username: 'faith', status: 'active' });
    expect(JSON.stringify(created.json)).not.toContain('pw-faith');
  });

  it('walks every customer a page at a time, each once, and refuses a page larger than 200', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const answer = (await call(tokens.admin, 'GET', `/customers?limit=2${after ? `&after=${after}` : ''}`)).json as Page<Customer>;
      seen.push(...answer.data.map((c) => c.username));
      after = answer.next;
      pages++;
    } while (after !== null && pages < 20);
    expect(seen.slice().sort()).toEqual(['achieng', 'baraka', 'chebet', 'daudi', 'esther', 'faith']);
    expect(pages).toBe(3);
    expectError(await call(tokens.admin, 'GET', '/customers?limit=201'), 400, 'invalid');
  });

  it('records a payment sent twice with the same Idempotency-Key once, with money in minor units', async () => {
    const customer = ((await call(tokens.billing, 'GET', '/customers?q=achieng')).json as Page<Customer>).data[0]!;
    const body = { customerId: customer.id, method: 'cash', reference: 'RB-0042', amount: { amountMinor: 150000, currency: 'KES' } };
    const headers = { 'idempotency-key': '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b' };
    const first = await call(tokens.billing, 'POST', '/payments', body, headers);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ username: 'achieng', amount: { amountMinor: 150000, currency: 'KES' } });
    const again = await call(tokens.billing, 'POST', '/payments', body, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((again.json as Payment).receiptNumber).toBe((first.json as Payment).receiptNumber);
    const listed = (await call(tokens.billing, 'GET', `/payments?customerId=${customer.id}`)).json as Page<Payment>;
    expect(listed.data).toHaveLength(1);
    const detail = (await call(tokens.billing, 'GET', `/customers/${customer.id}`)).json as { balance: { wallet: { amountMinor: number } } };
    expect(detail.balance.wallet.amountMinor).toBeGreaterThanOrEqual(0);
    // Without a key there is no way to tell a retry from a second payment, so it is refused.
    expectError(await call(tokens.billing, 'POST', '/payments', { ...body, reference: 'RB-0043' }), 400, 'idempotency_key');
    // The same key from another token: refused, and nothing recorded.
    expectError(await call(tokens.admin, 'POST', '/payments', { ...body, reference: 'RB-0044' }, headers), 409, 'idempotency_key_reused');
    expect(((await call(tokens.billing, 'GET', `/payments?customerId=${customer.id}`)).json as Page<Payment>).data).toHaveLength(1);
  });

  it('refuses bad JSON, a form body and an oversize body with the error body, and changes nothing', async () => {
    const before = await customerCount();
    expectError(await call(tokens.admin, 'POST', '/customers', '{"username": "x",', { 'content-type': 'application/json' }), 400, 'bad_request');
    expectError(await call(tokens.admin, 'POST', '/customers', 'username=x&password=y', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    expectError(await call(tokens.admin, 'POST', '/customers', 'username x', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    expectError(await call(tokens.admin, 'POST', '/customers', JSON.stringify({ username: 'big', password: 'pw', fullName: 'x'.repeat(100_000) }), { 'content-type': 'application/json' }), 413, 'too_large');
    expectError(await call(tokens.admin, 'POST', '/customers', { username: 'nopass' }), 400, 'invalid');
    expectError(await call(tokens.admin, 'POST', '/customers', { username: 'achieng', password: 'pw' }), 409);
    expectError(await call(tokens.admin, 'GET', '/customers/99999'), 404);
    expect(await customerCount()).toBe(before);
  });

  it('suspends and reactivates a customer, moves them to another plan, and lists plans and vouchers', async () => {
    const customer = ((await call(tokens.admin, 'GET', '/customers?q=baraka')).json as Page<Customer>).data[0]!;
    expect((await call(tokens.admin, 'POST', `/customers/${customer.id}/suspend`, { reason: 'asked by accounts' })).json).toMatchObject({ status: 'suspended' });
    expectError(await call(tokens.admin, 'POST', `/customers/${customer.id}/suspend`, { reason: 'again' }), 409, 'same_status');
    expect((await call(tokens.admin, 'POST', `/customers/${customer.id}/reactivate`, { reason: 'paid' })).json).toMatchObject({ status: 'active' });
    langoOk(daemon, 'plan', 'add', '--name', 'Fast', '--price', '3000', '--currency', 'KES', '--duration', '30d', '--rate', '20M/20M');
    const plans = (await call(tokens.admin, 'GET', '/plans')).json as Page<{ id: number; name: string; price: { amountMinor: number; currency: string } }>;
    const fast = plans.data.find((p) => p.name === 'Fast')!;
    expect(fast.price).toEqual({ amountMinor: 300000, currency: 'KES' });
    const changed = await call(tokens.admin, 'POST', `/customers/${customer.id}/subscription/change-plan`, { planId: fast.id, when: 'renewal' });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ from: 'Month', to: 'Fast', when: 'renewal' });
    const batch = await call(tokens.admin, 'POST', '/voucher-batches', { planId: fast.id, count: 3 }, { 'idempotency-key': 'batch-key-0001' });
    expect(batch.status).toBe(201);
    const batchId = (batch.json as { id: number }).id;
    expect((await call(tokens.admin, 'POST', '/voucher-batches', { planId: fast.id, count: 3 }, { 'idempotency-key': 'batch-key-0001' })).status).toBe(200);
    const codes = (await call(tokens.admin, 'GET', `/voucher-batches/${batchId}/codes?limit=2`)).json as Page<{ code: string; state: string }>;
    expect(codes.data).toHaveLength(2);
    expect(codes.next).not.toBeNull();
    expect(((await call(tokens.admin, 'GET', '/voucher-batches')).json as Page<unknown>).data).toHaveLength(1);
  });

  it('lists a live session by user and queues its disconnect for a technician, not for a billing manager', async () => {
    const run = radclient('Acct-Status-Type = Start\nAcct-Session-Id = "api-0001"\nUser-Name = "chebet"\nFramed-IP-Address = 10.5.50.9\n', `127.0.0.1:${daemon.acctPort}`, 'acct', SECRET);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const live = (await call(tokens.technician, 'GET', '/sessions?state=live&username=chebet')).json as Page<{ id: number; live: boolean; ip: string }>;
    expect(live.data).toHaveLength(1);
    expect(live.data[0]).toMatchObject({ live: true, ip: '10.5.50.9' });
    expectError(await call(tokens.billing, 'POST', `/sessions/${live.data[0]!.id}/disconnect`), 403, 'forbidden');
    expect((await call(tokens.technician, 'POST', `/sessions/${live.data[0]!.id}/disconnect`)).status).toBe(202);
    expectError(await call(tokens.technician, 'POST', '/sessions/99999/disconnect'), 404);
  });

  it('publishes an OpenAPI 3.1 document without a token, listing the routes', async () => {
    const answer = await call(undefined, 'GET', '/openapi.json');
    expect(answer.status).toBe(200);
    const doc = answer.json as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/customers', '/customers/{id}', '/customers/{id}/subscription', '/payments', '/voucher-batches', '/sessions', '/sessions/{id}/disconnect', '/plans']) expect(doc.paths[path], path).toBeDefined();
  });
});
