import dgram from 'node:dgram';
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { formatEatTimestamp } from '../src/payments/providers/mpesa/eat-time.js';
import { encodeRequest } from '../src/radius/authenticators.js';
import { encodeAttribute, type AttributeValue } from '../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary, type Dictionary } from '../src/radius/dictionary.js';
import { md5 } from '../src/radius/md5.js';
import { Code } from '../src/radius/packet.js';
import { mulberry32 } from './kit.js';
import { runMain } from './run-main.js';

// The load side of `npm run crashtest`, forked by scripts/crashtest.ts so that the process the
// orchestrator kills (the daemon) and the process that remembers what was acknowledged are not
// the same. It behaves like a NAS and a payment provider at once, as fast as the daemon answers:
// accounting Start → Interim-Updates → Stop per session over UDP, each request retransmitted
// unchanged (same Identifier, same authenticator) until answered, and M-Pesa paybill (C2B)
// confirmations over HTTP, some delivered twice on purpose. Every answer is verified (Response
// Authenticator with the secret, HTTP 2xx) before it counts as acknowledged.

/** What a round's traffic looks like; the same numbers let the orchestrator recompute every packet's counters. */
export interface DriverJob {
  round: number;
  seed: number;
  acctPort: number;
  httpPort: number;
  secret: string;
  /** Path of the C2B confirmation URL, /cb/<token>/c2b/confirm. */
  confirmPath: string;
  sessions: number;
  /** Sessions between their Start and Stop at any moment, so Starts, Interims and Stops interleave from the first second. */
  active: number;
  interims: number;
  /** Usernames customer accounts exist for; session i belongs to usernames[i % length]. */
  usernames: string[];
  payments: number;
  sockets: number;
  window: number;
  httpConcurrency: number;
  timeoutMs: number;
}

/** Orchestrator → driver. */
export type DriverCommand = { kind: 'start'; job: DriverJob } | { kind: 'halt' } | { kind: 'redeliver'; httpPort: number; acctPort: number };

export interface SessionOutcome {
  /** The newest stage the daemon acknowledged (0 Start, 1..interims, interims+1 Stop); -1 for none. */
  acked: number;
  /** The newest stage sent (acknowledged or not); -1 for none. */
  sent: number;
}

export interface PaymentOutcome {
  receipt: string;
  account: string;
  amountMinor: number;
  /** Deliveries made before the halt (2 for a callback delivered twice on purpose, more on retries). */
  deliveries: number;
  acked: boolean;
}

export interface DriverReport {
  sessions: SessionOutcome[];
  payments: PaymentOutcome[];
  acctSent: number;
  acctAcked: number;
  retransmits: number;
  badReplies: number;
  /** HTTP answers other than 2xx, by status; connection errors are not here (the kill causes those). */
  httpRefusals: Record<string, number>;
  /** From the first packet to the halt. */
  elapsedMs: number;
  acctPerSecond: number;
  paymentsPerSecond: number;
  /** All traffic was done before the halt came: the kill did not land mid-traffic. */
  finishedBeforeHalt: boolean;
}

export interface RedeliveryReport {
  /** Accounting-Requests in flight at the kill, retransmitted unchanged to the restarted daemon, as a NAS would. */
  acctResent: number;
  /** …and how many of those it answered; the sessions' outcomes below count them. */
  acctAnswered: number;
  /** Every session's outcome after those retransmissions. */
  sessions: SessionOutcome[];
  delivered: number;
  /** Callbacks the restarted daemon still refused after retries, with the last status or error. */
  refused: Array<{ receipt: string; status: string }>;
}

/** Driver → orchestrator. */
export type DriverMessage =
  | { kind: 'started' }
  | { kind: 'finished' }
  | { kind: 'report'; report: DriverReport }
  | { kind: 'redelivered'; report: RedeliveryReport }
  | { kind: 'error'; error: string };

// Counters a session reports at each stage: fixed functions of the stage, so the check can
// tell exactly which request a stored row came from. Output grows past 2^32 by stage 2, so
// Acct-Output-Gigawords is exercised.
const GIGAWORD = 2 ** 32;
export const INPUT_PER_STAGE = 50_000_000;
export const OUTPUT_PER_STAGE = 2_500_000_007;
export const SECONDS_PER_STAGE = 60;
export const stageCounters = (stage: number) => ({ input: stage * INPUT_PER_STAGE, output: stage * OUTPUT_PER_STAGE, seconds: stage * SECONDS_PER_STAGE });
export const sessionIdOf = (round: number, i: number) => `crash-r${round}-s${i + 1}`;
/** M-Pesa receipts are 6–20 letters and digits. */
export const receiptOf = (round: number, n: number) => `CT${round.toString(36).padStart(3, '0')}${n.toString(36).padStart(5, '0')}`.toUpperCase();

const START = 1;
const STOP = 2;
const INTERIM = 3;
const USER_REQUEST = 1;

interface InFlight {
  session: number;
  stage: number;
  packet: Buffer;
  sentAt: number;
}

class AccountingDriver {
  private readonly secret: Buffer;
  private readonly dictionary: Dictionary;
  private readonly sockets: dgram.Socket[] = [];
  /** Per socket, per identifier: the request waiting for its answer. */
  private readonly inFlight: Array<Array<InFlight | undefined>> = [];
  private readonly freeIds: number[][] = [];
  /** Per socket, per identifier: the last request answered, to recognise a second answer to its retransmission. */
  private readonly answered: Array<Array<Buffer | undefined>> = [];
  private readonly outcomes: SessionOutcome[];
  /** Sessions whose next stage may go out now (its previous one was acknowledged). */
  private readonly ready: number[] = [];
  private nextNew = 0;
  private openCount = 0;
  private pending = 0;
  private halted = false;
  private timer: NodeJS.Timeout | undefined;
  private port: number;
  private readonly epoch: number;
  sent = 0;
  acked = 0;
  retransmits = 0;
  badReplies = 0;
  done = false;
  onDone: () => void = () => {};

  constructor(private readonly job: DriverJob) {
    this.secret = Buffer.from(job.secret, 'utf8');
    this.dictionary = loadDictionary(defaultDictionaryPath());
    this.outcomes = Array.from({ length: job.sessions }, () => ({ acked: -1, sent: -1 }));
    this.port = job.acctPort;
    // The NAS's clock: sessions began a little while ago and their Stop reads about now, so the
    // daemon's stale-session pass has no reason to close any of them.
    this.epoch = Math.floor(Date.now() / 1000) - (job.interims + 1) * SECONDS_PER_STAGE;
  }

  async open(): Promise<void> {
    for (let s = 0; s < this.job.sockets; s++) {
      const socket = dgram.createSocket('udp4');
      // After the kill the port is closed: the ICMP errors that follow are expected, not fatal.
      socket.on('error', () => {});
      socket.on('message', (msg) => this.onReply(s, msg));
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      this.sockets.push(socket);
      this.inFlight.push(new Array<InFlight | undefined>(256));
      this.answered.push(new Array<Buffer | undefined>(256));
      this.freeIds.push(Array.from({ length: 256 }, (_, i) => i));
    }
  }

  start(): void {
    this.timer = setInterval(() => this.retransmitDue(), Math.max(20, this.job.timeoutMs / 4));
    this.fill();
  }

  halt(): void {
    this.halted = true;
    clearInterval(this.timer);
  }

  close(): void {
    clearInterval(this.timer);
    for (const socket of this.sockets) socket.close();
  }

  /**
   * After the restart: what was in flight at the kill goes again, unchanged, to the new daemon
   * until answered (a NAS does not forget a record because its server went away); nothing new
   * is sent. Resolves with how many were resent and answered.
   */
  async resendTo(port: number, withinMs: number): Promise<{ resent: number; answered: number }> {
    this.port = port;
    const resent = this.pending;
    const before = this.acked;
    this.retransmitDue(true);
    this.timer = setInterval(() => this.retransmitDue(), Math.max(20, this.job.timeoutMs / 4));
    const deadline = performance.now() + withinMs;
    while (this.pending > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    clearInterval(this.timer);
    return { resent, answered: this.acked - before };
  }

  sessions(): SessionOutcome[] {
    return this.outcomes;
  }

  private attr(name: string, value: AttributeValue): Buffer {
    return encodeAttribute(this.dictionary.require(name), value);
  }

  private packetOf(session: number, stage: number, identifier: number): Buffer {
    const { job } = this;
    const last = job.interims + 1;
    const status = stage === 0 ? START : stage === last ? STOP : INTERIM;
    const { input, output, seconds } = stageCounters(stage);
    const n = session + 1;
    const parts = [
      this.attr('Acct-Status-Type', status),
      this.attr('Acct-Session-Id', sessionIdOf(job.round, session)),
      this.attr('User-Name', job.usernames[session % job.usernames.length]!),
      this.attr('NAS-IP-Address', '127.0.0.1'),
      this.attr('NAS-Port', n),
      this.attr('Framed-IP-Address', `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`),
      this.attr('Acct-Session-Time', seconds),
      this.attr('Acct-Input-Octets', input % GIGAWORD),
      this.attr('Acct-Output-Octets', output % GIGAWORD),
      this.attr('Acct-Input-Gigawords', Math.floor(input / GIGAWORD)),
      this.attr('Acct-Output-Gigawords', Math.floor(output / GIGAWORD)),
      this.attr('Event-Timestamp', this.epoch + seconds),
    ];
    if (status === STOP) parts.push(this.attr('Acct-Terminate-Cause', USER_REQUEST));
    return encodeRequest({ code: Code.AccountingRequest, identifier, attributes: Buffer.concat(parts), secret: this.secret, messageAuthenticator: false });
  }

  /** Sends until the window is full or nothing is ready: follow-ups first, then new sessions while fewer than `active` are open. */
  private fill(): void {
    const { job } = this;
    while (!this.halted && this.pending < job.window) {
      let session: number | undefined = this.ready.shift();
      if (session === undefined) {
        if (this.nextNew >= job.sessions || this.openCount >= job.active) break;
        session = this.nextNew++;
        this.openCount++;
      }
      const lane = this.pickLane();
      if (lane < 0) {
        this.ready.unshift(session);
        break;
      }
      const id = this.freeIds[lane]!.shift()!;
      const stage = this.outcomes[session]!.acked + 1;
      const packet = this.packetOf(session, stage, id);
      this.inFlight[lane]![id] = { session, stage, packet, sentAt: performance.now() };
      this.outcomes[session]!.sent = stage;
      this.pending++;
      this.sent++;
      this.sockets[lane]!.send(packet, this.port, '127.0.0.1');
    }
    if (!this.done && this.pending === 0 && this.ready.length === 0 && this.nextNew >= job.sessions) {
      this.done = true;
      this.onDone();
    }
  }

  private lane = 0;
  private pickLane(): number {
    for (let k = 0; k < this.sockets.length; k++) {
      const lane = (this.lane + k) % this.sockets.length;
      if (this.freeIds[lane]!.length > 0) {
        this.lane = (lane + 1) % this.sockets.length;
        return lane;
      }
    }
    return -1;
  }

  private onReply(lane: number, reply: Buffer): void {
    if (reply.length < 20) return void this.badReplies++;
    const id = reply[1]!;
    const request = this.inFlight[lane]![id];
    const answers = (packet: Buffer | undefined) =>
      packet !== undefined && reply[0] === Code.AccountingResponse && md5([reply.subarray(0, 4), packet.subarray(4, 20), reply.subarray(20), this.secret]).equals(reply.subarray(4, 20));
    if (!answers(request?.packet)) {
      // A second answer to a retransmitted request already answered, maybe after its identifier went to a new request: nothing waits for it.
      if (!answers(this.answered[lane]![id])) this.badReplies++;
      return;
    }
    if (!request) return;
    this.answered[lane]![id] = request.packet;
    this.inFlight[lane]![id] = undefined;
    this.freeIds[lane]!.push(id);
    this.pending--;
    this.acked++;
    const outcome = this.outcomes[request.session]!;
    outcome.acked = Math.max(outcome.acked, request.stage);
    if (request.stage < this.job.interims + 1) this.ready.push(request.session);
    else this.openCount--;
    this.fill();
  }

  /** A NAS retransmits the very same packet (same Identifier and authenticator) until it is answered. */
  private retransmitDue(all = false): void {
    const now = performance.now();
    for (let lane = 0; lane < this.sockets.length; lane++) {
      const slots = this.inFlight[lane]!;
      for (let id = 0; id < 256; id++) {
        const request = slots[id];
        if (!request || (!all && now - request.sentAt < this.job.timeoutMs)) continue;
        request.sentAt = now;
        this.retransmits++;
        this.sockets[lane]!.send(request.packet, this.port, '127.0.0.1');
      }
    }
  }
}

interface Callback {
  receipt: string;
  account: string;
  amountMinor: number;
  body: string;
  /** Delivered twice on purpose, as providers do. */
  twice: boolean;
  deliveries: number;
  acked: boolean;
}

function callbacksOf(job: DriverJob): Callback[] {
  const random = mulberry32(job.seed ^ 0x5eed);
  return Array.from({ length: job.payments }, (_, n) => {
    const receipt = receiptOf(job.round, n);
    const account = job.usernames[n % job.usernames.length]!;
    const shillings = 10 + Math.floor(random() * 90);
    const body = JSON.stringify({
      TransactionType: 'Pay Bill',
      TransID: receipt,
      TransTime: formatEatTimestamp(Date.now()),
      TransAmount: `${shillings}.00`,
      BusinessShortCode: '174379',
      BillRefNumber: account,
      MSISDN: '254708374149',
      FirstName: 'CRASH',
      LastName: 'TEST',
    });
    return { receipt, account, amountMinor: shillings * 100, body, twice: random() < 0.1, deliveries: 0, acked: false };
  });
}

/** One POST; resolves with the status, or with the error's code when the connection failed (the kill). */
function post(agent: Agent, port: number, path: string, body: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest(
      { agent, host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end(body);
  });
}

class PaymentDriver {
  readonly callbacks: Callback[];
  private agent: Agent;
  private next = 0;
  private halted = false;
  acked = 0;
  readonly refusals: Record<string, number> = {};
  done = false;

  constructor(private readonly job: DriverJob) {
    this.callbacks = callbacksOf(job);
    this.agent = new Agent({ keepAlive: true, maxSockets: job.httpConcurrency });
  }

  /** `httpConcurrency` workers, each posting the next callback as soon as its previous one is answered. */
  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.job.httpConcurrency }, () => this.worker()));
    this.done = !this.halted || this.next >= this.callbacks.length;
  }

  halt(): void {
    this.halted = true;
  }

  private async worker(): Promise<void> {
    while (!this.halted && this.next < this.callbacks.length) {
      const callback = this.callbacks[this.next++]!;
      for (let delivery = 0; delivery < (callback.twice ? 2 : 1) && !this.halted; delivery++) {
        callback.deliveries++;
        const status = await post(this.agent, this.job.httpPort, this.job.confirmPath, callback.body, this.job.timeoutMs * 10);
        if (typeof status === 'number' && status >= 200 && status < 300) {
          if (!callback.acked) this.acked++;
          callback.acked = true;
        } else if (typeof status === 'number') {
          this.refusals[String(status)] = (this.refusals[String(status)] ?? 0) + 1;
        }
      }
    }
  }

  /** The provider retry case: every callback of the round sent so far once more, to the restarted daemon, until each is taken. */
  async redeliver(httpPort: number): Promise<Pick<RedeliveryReport, 'delivered' | 'refused'>> {
    this.agent.destroy();
    this.agent = new Agent({ keepAlive: true, maxSockets: this.job.httpConcurrency });
    const refused: RedeliveryReport['refused'] = [];
    // A provider retries what it sent; the callbacks the halt kept from going out never existed.
    const sent = this.callbacks.filter((c) => c.deliveries > 0);
    let delivered = 0;
    let next = 0;
    const worker = async () => {
      while (next < sent.length) {
        const callback = sent[next++]!;
        let last: number | string = 0;
        for (let attempt = 0; attempt < 3; attempt++) {
          last = await post(this.agent, httpPort, this.job.confirmPath, callback.body, 10_000);
          if (typeof last === 'number' && last >= 200 && last < 300) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        if (typeof last === 'number' && last >= 200 && last < 300) delivered++;
        else refused.push({ receipt: callback.receipt, status: String(last) });
      }
    };
    await Promise.all(Array.from({ length: this.job.httpConcurrency }, worker));
    this.agent.destroy();
    return { delivered, refused };
  }

  outcomes(): PaymentOutcome[] {
    return this.callbacks.map(({ receipt, account, amountMinor, deliveries, acked }) => ({ receipt, account, amountMinor, deliveries, acked }));
  }
}

function send(message: DriverMessage): void {
  process.send!(message);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('crash-driver runs forked by scripts/crashtest.ts (it talks over IPC)');
  let acct: AccountingDriver | undefined;
  let pay: PaymentDriver | undefined;
  let paying: Promise<void> = Promise.resolve();
  let startedAt = 0;
  process.on('message', (command: DriverCommand) => {
    void (async () => {
      try {
        if (command.kind === 'start') {
          acct = new AccountingDriver(command.job);
          pay = new PaymentDriver(command.job);
          await acct.open();
          let finished = 0;
          const oneFinished = () => {
            if (++finished === 2) send({ kind: 'finished' });
          };
          acct.onDone = oneFinished;
          startedAt = performance.now();
          acct.start();
          paying = pay.run().then(oneFinished);
          send({ kind: 'started' });
        } else if (command.kind === 'halt') {
          if (!acct || !pay) throw new Error('halt before start');
          const elapsedMs = performance.now() - startedAt;
          const finishedBeforeHalt = acct.done && pay.done;
          acct.halt();
          pay.halt();
          // Connections to the killed daemon fail at once; posts in flight settle as errors.
          await paying;
          const seconds = elapsedMs / 1000;
          send({
            kind: 'report',
            report: {
              // A copy: the retransmissions after the restart update the live outcomes.
              sessions: acct.sessions().map((o) => ({ ...o })),
              payments: pay.outcomes(),
              acctSent: acct.sent,
              acctAcked: acct.acked,
              retransmits: acct.retransmits,
              badReplies: acct.badReplies,
              httpRefusals: pay.refusals,
              elapsedMs: Math.round(elapsedMs),
              acctPerSecond: Math.round(acct.acked / seconds),
              paymentsPerSecond: Math.round(pay.acked / seconds),
              finishedBeforeHalt,
            },
          });
        } else if (command.kind === 'redeliver') {
          if (!pay || !acct) throw new Error('redeliver before start');
          const [resend, callbacks] = await Promise.all([acct.resendTo(command.acctPort, 15_000), pay.redeliver(command.httpPort)]);
          acct.close();
          send({ kind: 'redelivered', report: { acctResent: resend.resent, acctAnswered: resend.answered, sessions: acct.sessions(), ...callbacks } });
          process.disconnect();
        }
      } catch (err) {
        send({ kind: 'error', error: (err as Error).stack ?? String(err) });
        process.exitCode = 1;
        process.disconnect();
      }
    })();
  });
}

// Imported by the orchestrator for the shared types and counters; runs only when forked.
runMain(import.meta.url, main);
