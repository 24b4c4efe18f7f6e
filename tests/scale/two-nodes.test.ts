import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, provisionRadiusBench } from '../../scripts/bench.js';
import type { Daemon } from '../../scripts/daemon-process.js';
import { SANDBOX_PASSKEY } from '../../scripts/emulators/daraja.js';
import { daemonErrorLines } from '../../scripts/kit.js';
import { addCustomer, addPlan, customerBalance } from '../../src/billing/index.js';
import { addCustomerAt } from '../../src/billing/test-fixtures.js';
import { createSecretBox, loadOrCreateKey } from '../../src/crypto/secret-box.js';
import { openDatabase, type Connection } from '../../src/db/connection.js';
import { WRITE_LOCK_KEY } from '../../src/db/postgres/sync-client.js';
import { createBatch } from '../../src/hotspot/index.js';
import { listJobs } from '../../src/jobs/index.js';
import { callbackToken, configureProvider } from '../../src/payments/index.js';
import { formatEatTimestamp } from '../../src/payments/providers/mpesa/eat-time.js';
import { encodeReply, verifyRequestAuthenticator } from '../../src/radius/authenticators.js';
import { decodePacket } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';
import { Code, findAttribute } from '../../src/radius/packet.js';
import { setSetting } from '../../src/settings/index.js';
import { ACCT_INTERIM, ACCT_START, ACCT_STOP, FailoverNas, accessRequest, accountingRequest, startNode } from '../support/nodes.js';
import { langoAsync, until, type RunResult } from '../support/peers.js';
import { pgServer, scratchDatabase } from '../support/postgres.js';

// Issue 13: two Lango nodes on one PostgreSQL, the router listing both. What must stay
// exactly-once with two nodes answering at the same moment (billing runs, payment callbacks,
// voucher first logins, simultaneous use, CoA) and what must survive one node dying under load
// (every acknowledged Accounting-Request, logins going on at the other node).

const ZONE = 'Africa/Nairobi';
const DAY = 86_400_000;
/** The load: USERS customers, each connecting ROUNDS times (login, Start, Interim, Stop). */
const USERS = 250;
const ROUNDS = 8;
const DUE_AT_START = 6;
const DUE_LATER = 60;
const dictionary = loadDictionary(defaultDictionaryPath());

let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let keyFile: string;
let connection: Connection;
let a: Daemon;
let b: Daemon;
let nas: FailoverNas;
let voucher: { code: string; password: string };
let mpesaToken: string;

// The router's /radius incoming: counts every Disconnect-Request per Acct-Session-Id and ACKs it.
const router = dgram.createSocket('udp4');
const disconnects = new Map<string, number>();

const rows = <T>(sql: string, ...params: unknown[]): T[] => connection.sqlite.prepare(sql).all(...params) as T[];
const idOf = (username: string) => rows<{ id: number }>('SELECT id FROM customers WHERE username = ?', username)[0]!.id;
const mac = (n: number) => `02:00:00:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`.toUpperCase();

/** One request to one node and the reply, or undefined when it stays silent through the router's two tries. */
const ask = async (packet: Buffer, port: number) => (await nas.request(() => packet, [port]))?.reply;
const login = (user: string, password: string, station: string, port: number) => ask(accessRequest(SECRET, 1, user, password, [['Calling-Station-Id', station]]), port);
const acct = (status: number, user: string, session: string, extra: Array<[string, string | number]> = []) =>
  accountingRequest(SECRET, 1, [['Acct-Status-Type', status], ['User-Name', user], ['Acct-Session-Id', session], ['NAS-IP-Address', '127.0.0.1'], ['Framed-IP-Address', '10.77.0.9'], ...extra]);

describe.skipIf(!pgServer())('two Lango nodes on one PostgreSQL', () => {
  beforeAll(async () => {
    scratch = await scratchDatabase('lango_2n');
    keyFile = join(mkdtempSync(join(tmpdir(), 'lango-2n-')), 'secret.key');
    // The bench's customers user00001.. on a one-device plan, and the NAS 127.0.0.1 with SECRET.
    provisionRadiusBench(scratch.url, keyFile, USERS);
    connection = openDatabase(scratch.url);
    const db = connection.db;
    const box = createSecretBox(loadOrCreateKey(keyFile));
    // Today's billing run is due the moment a node starts: both schedulers reach for it at once.
    setSetting(db, 'billing.runAt', '00:00', 'test');
    addPlan(db, { name: 'Home', priceMinor: 250_000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M' });
    for (let n = 1; n <= DUE_AT_START; n++) addCustomerAt(db, box, `home${n}`, 'Home', Date.now() - 40 * DAY, ZONE);
    addPlan(db, { name: 'Hour', priceMinor: 2000, currency: 'KES', durationSeconds: 3600, rateLimit: '2M/2M' });
    voucher = createBatch(db, box, { planName: 'Hour', count: 1, macLock: true, actor: 'test', now: Date.now() }).codes[0]!;
    for (const username of ['wanjiru', 'twice', 'cut', 'again']) addCustomer(db, box, { username, password: `pw-${username}`, planName: 'Bench' }, ZONE);
    // Only the C2B confirmation is used, which never calls Daraja: the base URL leads nowhere.
    configureProvider(db, box, 'mpesa', { baseUrl: 'http://127.0.0.1:9', shortcode: '174379', passkey: SANDBOX_PASSKEY, consumerKey: 'key-2n', consumerSecret: 'secret-2n' }, 'test');
    mpesaToken = callbackToken(db, box, 'mpesa');

    router.on('message', (raw, rinfo) => {
      const request = decodePacket(raw, dictionary);
      if (!verifyRequestAuthenticator(request, Buffer.from(SECRET))) return;
      const session = findAttribute(request, 44)?.toString('utf8') ?? '';
      if (request.code === Code.DisconnectRequest) disconnects.set(session, (disconnects.get(session) ?? 0) + 1);
      const code = request.code === Code.CoaRequest ? Code.CoaAck : Code.DisconnectAck;
      router.send(encodeReply({ code, identifier: request.identifier, requestAuthenticator: request.authenticator, attributes: Buffer.alloc(0), secret: Buffer.from(SECRET), messageAuthenticator: true }), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => router.bind(0, '127.0.0.1', resolve));
    const env = { LANGO_COA_PORT: String((router.address() as AddressInfo).port), LANGO_TIMEZONE: ZONE };
    [a, b] = await Promise.all([startNode(scratch.url, keyFile, { ...env, LANGO_NODE: 'node-a' }), startNode(scratch.url, keyFile, { ...env, LANGO_NODE: 'node-b' })]);
    nas = await FailoverNas.open(SECRET, { sockets: 64, timeoutMs: 2000 });
  }, 120_000);

  afterAll(async () => {
    nas?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    connection?.close();
    router.close();
    await scratch?.drop();
  });

  it('starts each node with its own record of a clean stop, so neither takes the other for a crashed run', () => {
    for (const node of [a, b]) {
      const lines = node.logs().join('\n');
      expect(lines).toContain('previous stop was clean');
      expect(lines).not.toContain('previous stop was not clean');
    }
  });

  const invoices = () => rows<{ number: string; subscription_id: number; username: string }>("SELECT i.number, i.subscription_id, c.username FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.kind = 'invoice' ORDER BY i.number");
  const gapFree = (numbers: string[]) => numbers.map((n) => Number(n.slice(n.lastIndexOf('-') + 1))).every((n, i) => n === i + 1);

  it('runs the billing run both nodes find due at start once: one invoice per due subscription, numbers without gaps', async () => {
    const today = listJobs(connection.db).find((j) => j.key.startsWith('billing-run:') && !j.key.includes('manual'));
    expect(today).toBeDefined();
    await until('today’s billing run to finish', () => (listJobs(connection.db).find((j) => j.key === today!.key && j.status === 'done') ? true : undefined), 30_000);
    const issued = invoices().filter((i) => i.username.startsWith('home'));
    expect(issued.map((i) => i.username).sort()).toEqual(Array.from({ length: DUE_AT_START }, (_, n) => `home${n + 1}`).sort());
    expect(gapFree(invoices().map((i) => i.number))).toBe(true);
  });

  it('bills each subscription once when billing runs on both nodes at the same moment', async () => {
    const box = createSecretBox(loadOrCreateKey(keyFile));
    for (let n = 1; n <= DUE_LATER; n++) addCustomerAt(connection.db, box, `later${n}`, 'Home', Date.now() - 40 * DAY, ZONE);
    // The scheduler runs one job at a time across nodes (src/jobs claimDueJob), so what can race
    // is what an operator starts: `lango billing run` on each node. The test holds the write lock
    // every transaction takes until both runs wait for it, so they start at the same moment.
    const gate = new pg.Client({ connectionString: scratch.url });
    await gate.connect();
    let runs: RunResult[];
    try {
      await gate.query('BEGIN');
      const heldSince = (await gate.query<{ now: Date }>(`SELECT now(), pg_advisory_xact_lock(${WRITE_LOCK_KEY})`)).rows[0]!.now;
      const running = Promise.all([langoAsync(a, 'billing', 'run', '--json'), langoAsync(b, 'billing', 'run', '--json')]);
      await until('both billing runs to wait for the write lock', async () => {
        // Inside a transaction the activity view is a snapshot unless cleared.
        await gate.query('SELECT pg_stat_clear_snapshot()');
        const { rows: waiting } = await gate.query("SELECT pid FROM pg_stat_activity WHERE backend_start > $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'", [heldSince]);
        return waiting.length >= 2 ? true : undefined;
      });
      await gate.query('COMMIT');
      runs = await running;
    } finally {
      await gate.end();
    }
    for (const run of runs) expect(run.status, run.stderr).toBe(0);
    const invoiced = runs.map((run) => (JSON.parse(run.stdout) as { invoiced: number }).invoiced);
    console.log(`billing runs side by side: node A's invoiced ${invoiced[0]}, node B's ${invoiced[1]}`);
    expect(invoiced[0]! + invoiced[1]!).toBe(DUE_LATER);
    const later = invoices().filter((i) => i.username.startsWith('later'));
    expect(later.map((i) => i.username).sort()).toEqual(Array.from({ length: DUE_LATER }, (_, n) => `later${n + 1}`).sort());
    expect(new Set(invoices().map((i) => i.subscription_id)).size).toBe(invoices().length);
    expect(gapFree(invoices().map((i) => i.number))).toBe(true);
  });

  it('keeps one session row when the router retransmits an accounting request to the other node', async () => {
    const start = acct(ACCT_START, 'again', 'again-1');
    expect((await ask(start, a.acctPort))?.code).toBe(Code.AccountingResponse);
    expect((await ask(start, b.acctPort))?.code).toBe(Code.AccountingResponse);
    const interim = acct(ACCT_INTERIM, 'again', 'again-1', [['Acct-Session-Time', 300], ['Acct-Input-Octets', 5_000_000], ['Acct-Output-Octets', 70_000_000]]);
    expect((await ask(interim, a.acctPort))?.code).toBe(Code.AccountingResponse);
    expect((await ask(interim, b.acctPort))?.code).toBe(Code.AccountingResponse);
    const sessions = rows<{ input_octets: number; output_octets: number }>("SELECT input_octets, output_octets FROM sessions WHERE acct_session_id = 'again-1'");
    expect(sessions).toEqual([{ input_octets: 5_000_000, output_octets: 70_000_000 }]);
  });

  // Node B saw the Start, so a mirror of its own would take 0 as "before" and add the Interim
  // node A already counted again: on a shared database each write reads the session's figures.
  it('counts that retransmitted Interim-Update into the customer’s usage once, not once per node', () => {
    const usage = rows<{ input_octets: number; output_octets: number }>('SELECT input_octets, output_octets FROM usage WHERE customer_id = ?', idOf('again'));
    expect(usage).toEqual([{ input_octets: 5_000_000, output_octets: 70_000_000 }]);
  });

  it('credits an M-Pesa paybill confirmation posted to both nodes at the same moment once, and both answer 200', async () => {
    const body = JSON.stringify({
      TransactionType: 'Pay Bill', TransID: 'TK2N0DE5AB', TransTime: formatEatTimestamp(Date.now()), TransAmount: '250.00', BusinessShortCode: '174379',
      BillRefNumber: 'wanjiru', InvoiceNumber: '', OrgAccountBalance: '', ThirdPartyTransID: '', MSISDN: '2547 ***** 149', FirstName: 'JOHN', MiddleName: '', LastName: 'DOE',
    });
    const post = (node: Daemon) => fetch(`http://127.0.0.1:${node.httpPort}/cb/${mpesaToken}/c2b/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answers = await Promise.all([post(a), post(b)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    for (const answer of answers) expect(await answer.json()).toMatchObject({ ResultCode: 0 });
    const customer = idOf('wanjiru');
    expect(rows('SELECT id FROM payments WHERE customer_id = ?', customer)).toHaveLength(1);
    expect(rows("SELECT id FROM ledger_transactions WHERE customer_id = ? AND kind = 'payment'", customer)).toHaveLength(1);
    expect(customerBalance(connection.db, customer, 'KES').walletMinor).toBe(25_000);
  });

  it('lets a MAC-locked voucher in on one device only when two devices use it on both nodes at the same moment', async () => {
    const replies = await Promise.all([login(voucher.code, voucher.password, '02:AA:00:00:00:01', a.authPort), login(voucher.code, voucher.password, '02:AA:00:00:00:02', b.authPort)]);
    expect(replies.map((r) => r?.code).sort()).toEqual([Code.AccessAccept, Code.AccessReject]);
    const winner = replies.findIndex((r) => r?.code === Code.AccessAccept) === 0 ? '02:AA:00:00:00:01' : '02:AA:00:00:00:02';
    expect(rows<{ locked_mac: string }>('SELECT locked_mac FROM vouchers WHERE code = ?', voucher.code)[0]!.locked_mac).toBe(winner);
  });

  it('refuses a second device on one node while the first has a session open on the other (one-device plan)', async () => {
    // Node B has seen this customer before (yesterday's session, closed), so it has them cached.
    expect((await login('twice', 'pw-twice', '02:BB:00:00:00:01', b.authPort))?.code).toBe(Code.AccessAccept);
    expect((await ask(acct(ACCT_START, 'twice', 'twice-0'), b.acctPort))?.code).toBe(Code.AccountingResponse);
    expect((await ask(acct(ACCT_STOP, 'twice', 'twice-0', [['Acct-Session-Time', 60]]), b.acctPort))?.code).toBe(Code.AccountingResponse);
    // Today the phone connects through node A and keeps its session open…
    expect((await login('twice', 'pw-twice', '02:BB:00:00:00:01', a.authPort))?.code).toBe(Code.AccessAccept);
    expect((await ask(acct(ACCT_START, 'twice', 'twice-1'), a.acctPort))?.code).toBe(Code.AccountingResponse);
    // …and a laptop on the same account reaches node B.
    expect((await login('twice', 'pw-twice', '02:BB:00:00:00:02', b.authPort))?.code).toBe(Code.AccessReject);
  });

  it('sends the Disconnect for a suspended customer’s session once, not once per node', async () => {
    expect((await login('cut', 'pw-cut', '02:CC:00:00:00:01', a.authPort))?.code).toBe(Code.AccessAccept);
    expect((await ask(acct(ACCT_START, 'cut', 'cut-1'), a.acctPort))?.code).toBe(Code.AccountingResponse);
    const run = await langoAsync(a, 'customer', 'suspend', '--username', 'cut');
    expect(run.status, run.stderr).toBe(0);
    await until('the Disconnect-Request', () => disconnects.get('cut-1'), 20_000, 50);
    // Both nodes look for pending actions every second: give the other one a few chances.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(disconnects.get('cut-1')).toBe(1);
    expect(rows<{ status: string }>("SELECT a.status FROM enforcement_actions a JOIN sessions s ON s.id = a.session_id WHERE s.acct_session_id = 'cut-1'")).toEqual([{ status: 'ack' }]);
  });

  it('keeps every acknowledged Accounting-Request and keeps logging users in when one node is killed mid-load', async () => {
    interface Seen { start?: boolean; interim?: number; stop?: number }
    const seen = new Map<string, Seen>();
    const answeredBy = [0, 0];
    let unanswered = 0;
    let rejects = 0;
    const total = USERS * ROUNDS * 4;
    const ports = { auth: [a.authPort, b.authPort], acct: [a.acctPort, b.acctPort] };
    let killedAt: number | undefined;
    const killer = setInterval(() => {
      if (killedAt !== undefined || nas.sent < total * 0.4) return;
      killedAt = nas.sent;
      void a.stop('SIGKILL');
    }, 10);

    const started = performance.now();
    await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const n = i + 1;
        const id = String(n).padStart(5, '0');
        const user = `user${id}`;
        for (let round = 0; round < ROUNDS; round++) {
          const first = (n + round) % 2;
          const session = `ld-${id}-${round}`;
          const octets = n * 1000 + round;
          const common: Array<[string, string | number]> = [['User-Name', user], ['Acct-Session-Id', session], ['NAS-IP-Address', '127.0.0.1'], ['NAS-Port', n], ['Calling-Station-Id', mac(n)], ['Framed-IP-Address', `10.78.${n >> 8}.${n & 255}`]];
          const send = async (build: (identifier: number) => Buffer, kind: 'auth' | 'acct') => {
            const answer = await nas.request(build, ports[kind], first);
            if (!answer) unanswered++;
            else answeredBy[answer.server]!++;
            return answer;
          };
          const access = await send((ident) => accessRequest(SECRET, ident, user, `pw-${id}`, [['Calling-Station-Id', mac(n)], ['NAS-Port', n]]), 'auth');
          if (access?.reply.code !== Code.AccessAccept) {
            rejects++;
            continue;
          }
          const record = (update: Seen) => seen.set(session, { ...seen.get(session), ...update });
          if (await send((ident) => accountingRequest(SECRET, ident, [['Acct-Status-Type', ACCT_START], ...common]), 'acct')) record({ start: true });
          if (await send((ident) => accountingRequest(SECRET, ident, [['Acct-Status-Type', ACCT_INTERIM], ...common, ['Acct-Session-Time', 30], ['Acct-Input-Octets', octets], ['Acct-Output-Octets', 2 * octets]]), 'acct')) record({ interim: octets });
          if (await send((ident) => accountingRequest(SECRET, ident, [['Acct-Status-Type', ACCT_STOP], ...common, ['Acct-Session-Time', 60], ['Acct-Input-Octets', 3 * octets], ['Acct-Output-Octets', 6 * octets], ['Acct-Terminate-Cause', 1]]), 'acct')) record({ stop: 3 * octets });
        }
      }),
    );
    clearInterval(killer);
    const seconds = (performance.now() - started) / 1000;
    console.log(`two-node load: ${nas.sent} datagrams in ${seconds.toFixed(1)} s; answered by A ${answeredBy[0]}, by B ${answeredBy[1]}; node A killed after ${killedAt} sent; unanswered ${unanswered}, rejects ${rejects}; node B's slowest answer ${Math.round(Math.max(nas.slowest.get(b.authPort) ?? 0, nas.slowest.get(b.acctPort) ?? 0))} ms`);

    expect(killedAt).toBeDefined();
    // The router's fail-over: everything gets an answer from the survivor, and every login is accepted.
    expect(unanswered).toBe(0);
    expect(rejects).toBe(0);
    expect(answeredBy[1]).toBeGreaterThan(answeredBy[0]!);

    const stored = new Map(
      rows<{ acct_session_id: string; input_octets: number; stopped_at: number | null }>("SELECT acct_session_id, input_octets, stopped_at FROM sessions WHERE acct_session_id LIKE 'ld-%'").map((r) => [r.acct_session_id, r]),
    );
    const missing: string[] = [];
    for (const [session, answered] of seen) {
      const row = stored.get(session);
      if (!row) missing.push(`${session}: no row`);
      else if (answered.stop !== undefined && (row.stopped_at === null || row.input_octets !== answered.stop)) missing.push(`${session}: Stop acknowledged, row says ${JSON.stringify(row)}`);
      else if (answered.interim !== undefined && row.input_octets < answered.interim) missing.push(`${session}: Interim acknowledged, row says ${JSON.stringify(row)}`);
    }
    expect(missing).toEqual([]);
    expect(stored.size).toBe(USERS * ROUNDS);
    // Requests retransmitted to the survivor after the killed node had already stored them count once.
    const usage = rows<{ username: string; input_octets: number }>("SELECT c.username, u.input_octets FROM usage u JOIN customers c ON c.id = u.customer_id WHERE c.username LIKE 'user%'");
    const wrong = usage.filter((u) => {
      const n = Number(u.username.slice(4));
      const expected = Array.from({ length: ROUNDS }, (_, round) => 3 * (n * 1000 + round)).reduce((x, y) => x + y, 0);
      return u.input_octets !== expected;
    });
    expect(wrong).toEqual([]);
    expect(usage).toHaveLength(USERS);
    // The survivor took the dead node's share without an error of its own.
    expect(daemonErrorLines(b.logs())).toEqual([]);
    // ~12 s on a quiet two-core machine; the margin is for a busy one.
  }, 240_000);
});
