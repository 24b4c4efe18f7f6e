import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { collectLines, withLog } from './daemon-process.js';
import { bindUdp } from './kit.js';

// FreeRADIUS 3.2 (Debian's package) as a peer for `npm run bench`: installed if missing, then
// started from a throwaway configuration folder on loopback ports of its own, serving the same
// users the bench gives Lango, with either the `files` or the `rlm_sql` (sqlite) backend.
// /etc/freeradius is never read for configuration nor changed: only Debian's stock sqlite schema
// and queries are copied from it, so the sql backend runs exactly the queries an operator gets.
//
// The configuration is the smallest that serves PAP, CHAP and accounting, tuned the way one
// would tune a production box rather than left at defaults that would handicap it:
// - a fixed pool of worker threads (FREERADIUS_THREADS, 32 unless `threads` says otherwise), so
//   no thread is spawned or reaped during a run, and enough of them that threads waiting on the
//   sqlite fsync do not starve authentication;
// - reject_delay 0: Lango answers a reject at once, and the stock 1 s delay would only measure sleep;
// - no EAP, MS-CHAP, proxy, detail-reader, status-server, post-auth logging or policy.d.
// Debian's 3.2.1 predates the BlastRADIUS fixes (3.2.5): `require_message_authenticator` exists
// for clients, `limit_proxy_state` does not.

export type FreeRadiusBackend = 'files' | 'sql';

export interface FreeRadiusUser {
  readonly username: string;
  /** Cleartext, as FreeRADIUS needs it for PAP and CHAP (Cleartext-Password). */
  readonly password: string;
}

export interface StartFreeRadiusOptions {
  backend: FreeRadiusBackend;
  users: readonly FreeRadiusUser[];
  /** The shared secret for client 127.0.0.1. */
  secret: string;
  /** Refuse Access-Requests without Message-Authenticator (require_message_authenticator = yes). */
  requireMessageAuthenticator?: boolean;
  /** Working folder (configuration, database, logs); a fresh temporary folder when omitted. */
  dir?: string;
  /** 0 or omitted: a free port is picked. */
  authPort?: number;
  acctPort?: number;
  timeoutMs?: number;
  /** Worker threads (a fixed pool); DEFAULT_THREADS when omitted. */
  threads?: number;
}

export interface FreeRadius {
  readonly backend: FreeRadiusBackend;
  readonly authPort: number;
  readonly acctPort: number;
  readonly dir: string;
  readonly pid: number;
  /** e.g. "3.2.1", from `freeradius -v`. */
  readonly version: string;
  /** What the accounting path does with a record, in words, for the bench table's footnote. */
  readonly accountingNote: string;
  /** The sqlite database (sql backend) or the detail file (files backend) accounting writes to. */
  readonly accountingPath: string;
  logs(): string[];
  /** SIGTERM, SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export const DEFAULT_THREADS = 32;
const READY = 'Ready to process requests';
const KILL_AFTER_MS = 10_000;
// rlm_sql's default safe_characters.
const SQL_SAFE_USERNAME = /^[@a-zA-Z0-9.\-_: /]+$/;
// Where Debian's package puts the stock sqlite schema and queries.
const STOCK_SQLITE = '/etc/freeradius/3.0/mods-config/sql/main/sqlite';
// Debian installs the daemon in /usr/sbin, which a non-root PATH often lacks.
const SEARCH_PATH = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

const ACCOUNTING_NOTES: Record<FreeRadiusBackend, string> = {
  files:
    'FreeRADIUS files: each accounting request is appended to a detail file (rlm_detail) with write(2) and no fsync, ' +
    'so a record is acknowledged once it is in the page cache and a power cut can lose it.',
  sql:
    "FreeRADIUS sql: rlm_sql_sqlite runs Debian's stock queries (Start INSERT, Interim-Update UPDATE, Stop UPDATE into radacct) " +
    'on a WAL database at the default synchronous=FULL, so each record is committed and fsynced before the Accounting-Response, as in Lango; ' +
    "the writes of all its threads take turns on SQLite's single write lock.",
};

function findFreeRadius(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_PATH];
  for (const dir of dirs) {
    const candidate = join(dir, 'freeradius');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Installs Debian's freeradius package when `freeradius` is not on the PATH (apt-get, as root;
 * a clear error otherwise) and returns the binary's path.
 */
export function ensureFreeRadiusInstalled(): string {
  const found = findFreeRadius();
  if (found) return found;
  const command = 'apt-get install -y --no-install-recommends freeradius';
  if (process.getuid?.() !== 0) {
    throw new Error(`FreeRADIUS is not installed and installing it needs root: run \`${command}\` as root, then try again`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'freeradius']]) {
    const run = spawnSync('apt-get', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (run.error) throw new Error(`cannot run apt-get (is this Debian?): ${run.error.message}`);
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${String(run.status)}):\n${run.stderr.slice(-2000)}`);
  }
  const installed = findFreeRadius();
  if (!installed) throw new Error(`\`${command}\` succeeded but no freeradius binary is on the PATH or in /usr/sbin`);
  return installed;
}

function freeRadiusVersion(binary: string): string {
  const run = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  const match = /FreeRADIUS Version (\d+\.\d+\.\d+)/.exec(`${run.stdout}${run.stderr}`);
  if (!match) throw new Error(`cannot read the version from \`${binary} -v\`: ${run.stdout}${run.stderr}`);
  return match[1]!;
}

/** A string inside a double-quoted FreeRADIUS configuration or users-file value. */
function quoted(value: string, what: string): string {
  if (/[\r\n\0]/.test(value)) throw new Error(`${what} must not contain line breaks or NUL`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Ports for FreeRADIUS, which cannot listen on port 0 (it means "the services entry" there).
 * Both sockets are held until both ports are known, so the two differ; the short window between
 * closing them and FreeRADIUS binding is the usual race of this trick.
 */
async function pickPorts(authPort: number, acctPort: number): Promise<[number, number]> {
  const auth = await bindUdp(authPort);
  try {
    const acct = await bindUdp(acctPort);
    const ports: [number, number] = [auth.address().port, acct.address().port];
    acct.close();
    return ports;
  } finally {
    auth.close();
  }
}

function usersFile(users: readonly FreeRadiusUser[]): string {
  const lines = users.map((user) => `${quoted(user.username, 'a username')} Cleartext-Password := ${quoted(user.password, 'a password')}\n`);
  return lines.join('');
}

/** The sqlite database rlm_sql reads users from and writes radacct into: stock schema, WAL, every user in one transaction. */
function createSqlDatabase(path: string, users: readonly FreeRadiusUser[]): void {
  const schema = readFileSync(join(STOCK_SQLITE, 'schema.sql'), 'utf8');
  const db = new Database(path);
  try {
    // Persistent in the file: rlm_sql_sqlite's connections open it in WAL mode too. synchronous is
    // left at its default (FULL), so a commit is on disk before FreeRADIUS answers.
    db.pragma('journal_mode = WAL');
    db.exec(schema);
    const insert = db.prepare("INSERT INTO radcheck (username, attribute, op, value) VALUES (?, 'Cleartext-Password', ':=', ?)");
    db.transaction(() => {
      for (const user of users) insert.run(user.username, user.password);
    })();
  } finally {
    db.close();
  }
}

interface ConfigInput {
  dir: string;
  backend: FreeRadiusBackend;
  secret: string;
  requireMessageAuthenticator: boolean;
  authPort: number;
  acctPort: number;
  threads: number;
  dbPath: string;
  detailPath: string;
}

function radiusdConf(input: ConfigInput): string {
  const { dir, backend, threads } = input;
  const store = backend === 'sql' ? 'sql' : 'files';
  const accounting = backend === 'sql' ? 'sql' : 'detail';
  const modules =
    backend === 'sql'
      ? `
	sql {
		dialect = "sqlite"
		driver = "rlm_sql_sqlite"
		sqlite {
			filename = ${quoted(input.dbPath, 'the database path')}
			# Every connection (one per thread) writes through SQLite's single write lock, so
			# accounting is serialized. With the stock 200 ms, a burst logs "database is locked"
			# and the record is lost unanswered; a tuned box waits instead.
			busy_timeout = 10000
		}
		radius_db = "radius"
		acct_table1 = "radacct"
		acct_table2 = "radacct"
		postauth_table = "radpostauth"
		authcheck_table = "radcheck"
		groupcheck_table = "radgroupcheck"
		authreply_table = "radreply"
		groupreply_table = "radgroupreply"
		usergroup_table = "radusergroup"
		delete_stale_sessions = yes
		read_clients = no
		client_table = "nas"
		group_attribute = "SQL-Group"
		pool {
			start = ${threads}
			min = ${threads}
			max = ${threads}
			spare = ${threads}
			uses = 0
			retry_delay = 30
			lifetime = 0
			idle_timeout = 0
		}
		$INCLUDE \${confdir}/sql-queries.conf
	}`
      : `
	files {
		filename = \${confdir}/users
	}
	detail {
		filename = ${quoted(input.detailPath, 'the detail path')}
		permissions = 0600
		header = "%t"
		locking = no
	}`;

  return `# Generated by scripts/freeradius.ts for the Lango bench; not an operator's configuration.
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = \${exec_prefix}/sbin
raddbdir = ${quoted(dir, 'the folder')}
confdir = \${raddbdir}
modconfdir = \${confdir}/mods-config
logdir = \${raddbdir}/log
radacctdir = \${raddbdir}/radacct
run_dir = \${raddbdir}/run
db_dir = \${raddbdir}
libdir = /usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
name = radiusd
correct_escapes = true
max_request_time = 30
cleanup_delay = 5
# Each answered request is kept cleanup_delay (5 s) for duplicate detection and counts here:
# sized for 50k requests/s, so the limit never drops a request the bench sends.
max_requests = 262144
hostname_lookups = no
proxy_requests = no

log {
	destination = stdout
	colourise = no
	stripped_names = no
	auth = no
	auth_badpass = no
	auth_goodpass = no
}

security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = no
}

thread pool {
	start_servers = ${threads}
	max_servers = ${threads}
	min_spare_servers = ${threads}
	max_spare_servers = ${threads}
	max_requests_per_server = 0
	max_queue_size = 65536
	auto_limit_acct = no
}

client bench {
	ipaddr = 127.0.0.1
	proto = udp
	secret = ${quoted(input.secret, 'the secret')}
	require_message_authenticator = ${input.requireMessageAuthenticator ? 'yes' : 'no'}
	nas_type = other
}

modules {
	pap {
		normalise = yes
	}
	chap {
	}
	# md5 and tolower below (unique session id, the sql accounting reference) come from rlm_expr.
	expr {
	}
${modules}
}

server bench {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = ${input.authPort}
		# The same socket buffer Lango asks for (8 MiB): with the stock size the kernel drops bursts.
		recv_buff = 8388608
	}
	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = ${input.acctPort}
		# The same socket buffer Lango asks for (8 MiB): with the stock size the kernel drops bursts.
		recv_buff = 8388608
	}
	authorize {
		chap
		${store}
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		Auth-Type CHAP {
			chap
		}
	}
	preacct {
		# The stock acct_unique policy without its Class branch (nothing here sends Class).
		update request {
			&Acct-Unique-Session-Id := "%{md5:%{User-Name},%{Acct-Session-ID},%{%{NAS-IPv6-Address}:-%{NAS-IP-Address}},%{NAS-Identifier},%{NAS-Port-ID},%{NAS-Port}}"
		}
	}
	accounting {
		${accounting}
	}
}
`;
}

export async function startFreeRadius(options: StartFreeRadiusOptions): Promise<FreeRadius> {
  const { backend, users, secret } = options;
  if (backend !== 'files' && backend !== 'sql') throw new Error(`backend must be "files" or "sql", not ${String(backend)}`);
  if (secret.length === 0) throw new Error('the secret must not be empty');
  // FreeRADIUS 3.2.1 reads a backslash in a quoted secret, and a quote or backslash in a users
  // file entry, differently from what radclient and Lango send: such a peer would only reject.
  if (secret.includes('\\')) throw new Error('the FreeRADIUS peer cannot take a secret with a backslash');
  const quoting = users.find((user) => /["\\]/.test(user.username + user.password));
  if (quoting) throw new Error(`the FreeRADIUS peer cannot take a quote or backslash in a username or password (user ${JSON.stringify(quoting.username)})`);
  if (backend === 'sql') {
    // rlm_sql escapes any other character in %{SQL-User-Name} (as =XX), so such a user could never match its radcheck row.
    const unsafe = users.find((user) => !SQL_SAFE_USERNAME.test(user.username));
    if (unsafe) throw new Error(`the sql backend cannot serve the username ${JSON.stringify(unsafe.username)}: rlm_sql escapes characters outside ${SQL_SAFE_USERNAME.source}`);
  }
  const threads = options.threads ?? DEFAULT_THREADS;
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) throw new Error(`threads must be an integer from 1 to 1024, not ${threads}`);
  const binary = ensureFreeRadiusInstalled();
  const version = freeRadiusVersion(binary);
  if (backend === 'sql' && !existsSync(join(STOCK_SQLITE, 'queries.conf'))) {
    throw new Error(`${STOCK_SQLITE} is missing: the sql backend needs Debian's stock sqlite schema and queries (reinstall the freeradius package)`);
  }

  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'freeradius-'));
  for (const sub of ['log', 'run', 'radacct']) mkdirSync(join(dir, sub), { recursive: true });
  const [authPort, acctPort] = await pickPorts(options.authPort ?? 0, options.acctPort ?? 0);
  const dbPath = join(dir, 'radius.db');
  const detailPath = join(dir, 'radacct', 'detail');
  if (backend === 'sql') {
    copyFileSync(join(STOCK_SQLITE, 'queries.conf'), join(dir, 'sql-queries.conf'));
    // A reused folder keeps its accounting rows but gets the users it is given now.
    if (existsSync(dbPath)) {
      const db = new Database(dbPath);
      try {
        const insert = db.prepare("INSERT INTO radcheck (username, attribute, op, value) VALUES (?, 'Cleartext-Password', ':=', ?)");
        db.transaction(() => {
          db.prepare('DELETE FROM radcheck').run();
          for (const user of users) insert.run(user.username, user.password);
        })();
      } finally {
        db.close();
      }
    } else {
      createSqlDatabase(dbPath, users);
    }
  } else {
    writeFileSync(join(dir, 'users'), usersFile(users));
  }
  writeFileSync(
    join(dir, 'radiusd.conf'),
    radiusdConf({
      dir,
      backend,
      secret,
      requireMessageAuthenticator: options.requireMessageAuthenticator ?? false,
      authPort,
      acctPort,
      threads,
      dbPath,
      detailPath,
    }),
    { mode: 0o600 },
  );

  // -f: foreground, normal logging (-X would log every packet and cripple the throughput).
  const child = spawn(binary, ['-f', '-d', dir, '-n', 'radiusd'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  // A bench or test runner that exits without calling stop() must not leave FreeRADIUS holding ports.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: string[] = [];
  let onReady: (() => void) | undefined;
  collectLines(child, lines, (line) => {
    if (onReady && line.includes(READY)) onReady();
  });

  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      child.once('error', (err) => reject(withLog(`cannot start ${binary}: ${err.message}`, lines)));
      void exited.then(() =>
        reject(withLog(`FreeRADIUS exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)}) before it was ready`, lines)),
      );
      timer = setTimeout(() => reject(withLog(`FreeRADIUS did not log "${READY}" within ${timeoutMs} ms`, lines)), timeoutMs);
    });
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  } finally {
    onReady = undefined;
    clearTimeout(timer);
  }

  return {
    backend,
    authPort,
    acctPort,
    dir,
    pid: child.pid!,
    version,
    accountingNote: ACCOUNTING_NOTES[backend],
    accountingPath: backend === 'sql' ? dbPath : detailPath,
    logs: () => lines.slice(),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      try {
        await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

