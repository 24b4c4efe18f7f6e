import { readFileSync, existsSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { isPostgresUrl } from './db/target.js';

// One schema for the environment and the optional lango.config.json. Parsed once by main.ts
// (and by the CLI); no other file reads process.env, so every setting is documented here.

// Not z.coerce.number(): it turns " ", "", null and false into 0, and port 0 means "any free
// port", so a blank setting would silently move the RADIUS server off 1812.
const numeric = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);

const port = (fallback: number, what: string) =>
  z
    .preprocess(
      numeric,
      z
        .number()
        .int('must be a whole number')
        .min(0, 'must be 0..65535 (0 picks a free port, for tests)')
        .max(65535, 'must be 0..65535 (0 picks a free port, for tests)'),
    )
    .default(fallback)
    .describe(what);

export const configSchema = z.object({
  LANGO_DB: z
    .string()
    .min(1)
    .default('./data/lango.db')
    .describe(
      'Path of the SQLite database file; created and migrated on first start. Or a PostgreSQL URL (postgres://user:password@host:5432/lango) for several nodes on one ledger: the database must exist; its tables are created and migrated on first start.',
    ),
  LANGO_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'File holding the key that encrypts network passwords and NAS secrets at rest. Keep it out of database backups. Default: secret.key beside the database; created (mode 0600) on first start.',
    ),
  LANGO_BIND: z
    .string()
    .refine((v) => isIP(v) !== 0, 'must be an IP address such as 0.0.0.0 or 127.0.0.1')
    .default('0.0.0.0')
    .describe('Address the RADIUS and HTTP sockets listen on.'),
  LANGO_AUTH_PORT: port(1812, 'UDP port for Access-Request and Status-Server.'),
  LANGO_ACCT_PORT: port(1813, 'UDP port for Accounting-Request.'),
  LANGO_COA_PORT: port(3799, 'UDP port on the NAS that receives CoA and Disconnect-Request (RouterOS: /radius incoming). Read now, used once Lango sends CoA.'),
  LANGO_HTTP_PORT: port(8080, 'TCP port of the web UI, /healthz and /metrics.'),
  LANGO_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Log level: info for start/stop, warn for dropped packets, debug for decision traces.'),
  LANGO_TIMEZONE: z
    .string()
    .refine((v) => IANAZone.isValidZone(v), 'must be an IANA time zone such as Africa/Nairobi, Africa/Juba or Africa/Kampala')
    .default('Africa/Nairobi')
    .describe("The operator's time zone: plan time windows (e.g. a 22:00-06:00 night plan), calendar-month validity and monthly usage periods follow it. A time zone chosen on the staff settings page wins from the next start."),
  LANGO_STALE_GRACE: z
    .preprocess(
      numeric,
      z
      .number()
      .int('must be a whole number of seconds')
      .min(0, 'must be 0 or more seconds')
      .max(86400, 'must be at most 86400 seconds'),
  )
    .default(120)
    .describe('Seconds added to 3 missed interim updates before an open session is closed as stale and stops counting against simultaneous use.'),
  LANGO_INTERIM_INTERVAL: z
    .preprocess(
      numeric,
      z
        .number()
        .int('must be a whole number of seconds')
        .min(60, 'must be at least 60 seconds (RFC 2869)')
        .max(86400, 'must be at most 86400 seconds'),
    )
    .default(300)
    .describe('Acct-Interim-Interval sent in Access-Accept when the plan sets none (seconds).'),
  LANGO_PAYMENT_CHECK_INTERVAL: z
    .preprocess(numeric, z.number().int('must be a whole number of seconds').min(1, 'must be at least 1 second').max(3600, 'must be at most 3600 seconds'))
    .default(10)
    .describe('Seconds between passes of the payment reconciler, which asks providers about payments whose callback has not come (each attempt is asked with its own back-off).'),
  LANGO_NODE: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore, at most 64')
    .optional()
    .describe('This node\'s name among several on one PostgreSQL database (default: the host name). Two nodes on one host need different names. Each node\'s own start-up record (did it stop cleanly?) and its claims on shared work (jobs, outboxes) carry it.'),
  LANGO_TRUST_PROXY: z
    .preprocess(trustProxyValue, z.union([z.boolean(), z.array(z.string().refine(isProxyAddress, 'each entry must be an IP address, a CIDR such as 10.0.0.0/8, or loopback')).min(1)]))
    .default(false)
    .describe('Set to true when a reverse proxy on this machine (nginx, Caddy) terminates HTTPS: the client address is then the one the proxy saw, from X-Forwarded-For (never an address the client wrote into it, so sign-in limits cannot be dodged). A proxy on another machine: list its addresses or CIDRs, comma-separated, instead.'),
});

/**
 * true/false, or a comma-separated list of proxy addresses. Never "trust every hop": then the
 * client address would be the first X-Forwarded-For entry, which the client itself writes, and
 * every per-address limit (sign-in, vouchers) could be dodged by sending a made-up header.
 */
function trustProxyValue(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const text = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(text)) return false;
  return v.split(',').map((part) => part.trim()).filter(Boolean);
}

/** What proxy-addr accepts: an address, address/prefix, or one of its named ranges. */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || isIP(address ?? '') === 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (isIP(address!) === 4 ? 32 : 128);
}

export type Config = Readonly<z.infer<typeof configSchema> & { LANGO_KEY_FILE: string }>;

export class ConfigError extends Error {}

/** Reads lango.config.json (if present) under the environment, which wins. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  configFile = path.resolve('lango.config.json'),
): Config {
  let fromFile: Record<string, unknown> = {};
  if (existsSync(configFile)) {
    try {
      fromFile = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${configFile}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new ConfigError(`${configFile}: must hold one JSON object, e.g. {"LANGO_AUTH_PORT": 1812}`);
    }
  }
  const raw: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const unknown = Object.keys(fromFile).filter((k) => !(k in configSchema.shape));
  if (unknown.length > 0) {
    throw new ConfigError(`${configFile}: unknown setting ${unknown[0]} (known: ${Object.keys(configSchema.shape).join(', ')})`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '?');
    throw new ConfigError(`${key}=${JSON.stringify(raw[key])}: ${issue.message}`);
  }
  const keyFile = parsed.data.LANGO_KEY_FILE ?? path.join(localFolderOf(parsed.data.LANGO_DB), 'secret.key');
  return Object.freeze({ ...parsed.data, LANGO_KEY_FILE: keyFile });
}

/**
 * Where this node keeps its own files (the key file by default, the first admin's password,
 * backups): beside a SQLite database, or ./data when the database is PostgreSQL.
 */
export function localFolderOf(database: string): string {
  return isPostgresUrl(database) ? 'data' : path.dirname(database);
}

/** The README's configuration table, generated from the schema so it cannot drift. */
export function describeConfig(): Array<{ key: string; default: string; description: string }> {
  return Object.entries(configSchema.shape).map(([key, schema]) => {
    const parsed = (schema as z.ZodType).safeParse(undefined);
    return {
      key,
      default: parsed.success && parsed.data !== undefined ? String(parsed.data) : '-',
      description: (schema as z.ZodType).description ?? '',
    };
  });
}

/** The README's configuration table in Markdown (`npm run docs:config` prints it). */
export function renderConfigTable(): string {
  const rows = describeConfig().map((row) => `| \`${row.key}\` | \`${row.default}\` | ${row.description} |`);
  return ['| Variable | Default | What it does |', '| --- | --- | --- |', ...rows].join('\n');
}
