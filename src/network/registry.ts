import { isIP } from 'node:net';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/connection.js';
import { nas } from '../db/schema/aaa.js';
import { routerApi } from '../db/schema/network.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { LangoError, type ErrorCode } from '../errors.js';
import type { RouterOsEndpoint, RouterOsErrorKind } from '../routeros/types.js';

// Which routers Lango may log in to over the RouterOS API, and what it last heard from each.
// The password is sealed with the key file like the RADIUS secret; only routerEndpoint opens it.

export interface RouterApiInput {
  host: string;
  /** Default 8728, or 8729 when tls. */
  port?: number | undefined;
  tls?: boolean | undefined;
  username: string;
  /** Blank or undefined on an edit keeps the stored password; required the first time. */
  password?: string | undefined;
  site?: string | null | undefined;
  model?: string | null | undefined;
  monitor?: boolean | undefined;
}

export interface RouterApiSummary {
  nasId: number;
  nasName: string;
  nasIp: string;
  host: string;
  port: number;
  tls: boolean;
  username: string;
  site: string | null;
  model: string | null;
  monitor: boolean;
  routerosVersion: string | null;
  boardName: string | null;
  lastContactAt: number | null;
  lastErrorKind: RouterOsErrorKind | null;
  lastErrorDetail: string | null;
  lastErrorAt: number | null;
  updatedAt: number;
}

// A DNS name: dot-separated labels of letters, digits and inner dashes.
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

// Site and model are labels for people: blank means none.
const label = z
  .string()
  .trim()
  .max(64)
  .nullish()
  .transform((value) => (value ? value : null));

const routerApiInput = z.object({
  host: z
    .string()
    .trim()
    .refine((host) => isIP(host) !== 0 || HOST_NAME.test(host)),
  port: z.number().int().min(1).max(65535).optional(),
  tls: z.boolean().default(false),
  username: z.string().trim().min(1).max(64),
  // Not trimmed: a password may well start or end with a space.
  password: z.string().max(128).optional(),
  site: label,
  model: label,
  monitor: z.boolean().optional(),
});

const FIELD_ERRORS: Record<string, ErrorCode> = {
  host: 'ROUTER_BAD_API_HOST',
  port: 'ROUTER_BAD_API_PORT',
  tls: 'ROUTER_BAD_API_PORT',
  username: 'ROUTER_BAD_API_USER',
  password: 'INPUT_BAD_PASSWORD',
  site: 'INPUT_BAD_NAME',
  model: 'INPUT_BAD_NAME',
  monitor: 'INPUT_BAD_CHOICE',
};

function validate(input: RouterApiInput): z.output<typeof routerApiInput> {
  const parsed = routerApiInput.safeParse(input);
  if (parsed.success) return parsed.data;
  const field = String(parsed.error.issues[0]?.path[0]);
  const value = (input as unknown as Record<string, unknown>)[field];
  throw new LangoError(FIELD_ERRORS[field] ?? 'INPUT_BAD_CHOICE', { value: field === 'password' ? '' : String(value), option: field, allowed: 'yes, no' });
}

/** Adds or changes a router's API access (zod-checked; LangoError INPUT_* on bad input, nothing changed). */
export function setRouterApi(db: Db, box: Pick<SecretBox, 'seal'>, nasId: number, input: RouterApiInput, now = Date.now()): { before: RouterApiSummary | undefined; after: RouterApiSummary } {
  const valid = validate(input);
  const passwordSealed = valid.password ? box.seal(valid.password) : undefined;
  return db.transaction((tx) => {
    const router = tx.select({ name: nas.name }).from(nas).where(eq(nas.id, nasId)).get();
    if (!router) throw new LangoError('ROUTER_UNKNOWN', { name: String(nasId) });
    const before = findRouterApi(tx as Db, nasId);
    if (!before && !passwordSealed) throw new LangoError('ROUTER_API_PASSWORD_NEEDED');
    const fields = {
      host: valid.host,
      port: valid.port ?? (valid.tls ? 8729 : 8728),
      tls: valid.tls,
      username: valid.username,
      site: valid.site,
      model: valid.model,
      monitor: valid.monitor ?? before?.monitor ?? true,
      ...(passwordSealed && { passwordSealed }),
      updatedAt: now,
    };
    if (before) tx.update(routerApi).set(fields).where(eq(routerApi.nasId, nasId)).run();
    else tx.insert(routerApi).values({ ...fields, nasId, passwordSealed: passwordSealed!, createdAt: now }).run();
    return { before, after: findRouterApi(tx as Db, nasId)! };
  }, { behavior: 'immediate' });
}

export function removeRouterApi(db: Db, nasId: number): boolean {
  return db.delete(routerApi).where(eq(routerApi.nasId, nasId)).run().changes > 0;
}

const summaryColumns = {
  nasId: routerApi.nasId,
  nasName: nas.name,
  nasIp: nas.ip,
  host: routerApi.host,
  port: routerApi.port,
  tls: routerApi.tls,
  username: routerApi.username,
  site: routerApi.site,
  model: routerApi.model,
  monitor: routerApi.monitor,
  routerosVersion: routerApi.routerosVersion,
  boardName: routerApi.boardName,
  lastContactAt: routerApi.lastContactAt,
  lastErrorKind: routerApi.lastErrorKind,
  lastErrorDetail: routerApi.lastErrorDetail,
  lastErrorAt: routerApi.lastErrorAt,
  updatedAt: routerApi.updatedAt,
};

function summaries(db: Db) {
  return db.select(summaryColumns).from(routerApi).innerJoin(nas, eq(nas.id, routerApi.nasId));
}

function summarise(row: Omit<RouterApiSummary, 'lastErrorKind'> & { lastErrorKind: string | null }): RouterApiSummary {
  return { ...row, lastErrorKind: row.lastErrorKind as RouterOsErrorKind | null };
}

export function findRouterApi(db: Db, nasId: number): RouterApiSummary | undefined {
  const row = summaries(db).where(eq(routerApi.nasId, nasId)).get();
  return row && summarise(row);
}

/** Every router with API access configured, by router name. */
export function listRouterApis(db: Db): RouterApiSummary[] {
  return summaries(db).orderBy(asc(nas.name)).all().map(summarise);
}

/** How to reach and log in to the router (password opened); undefined when it has no API access. */
export function routerEndpoint(db: Db, box: Pick<SecretBox, 'open'>, nasId: number, timeoutMs: number): RouterOsEndpoint | undefined {
  const row = db
    .select({ host: routerApi.host, port: routerApi.port, tls: routerApi.tls, username: routerApi.username, passwordSealed: routerApi.passwordSealed })
    .from(routerApi)
    .where(eq(routerApi.nasId, nasId))
    .get();
  if (!row) return undefined;
  return { host: row.host, port: row.port, tls: row.tls, username: row.username, password: box.open(row.passwordSealed), timeoutMs };
}

/** A successful contact: clears the last error, stores what the router said about itself when it changed. */
export function recordRouterContact(db: Db, nasId: number, learned: { routerosVersion?: string | undefined; boardName?: string | undefined }, at: number): void {
  // The poller calls it on a change (up, version, board) or hourly, the CLI and pages after an action: one small UPDATE.
  db.update(routerApi)
    .set({
      lastContactAt: at,
      lastErrorKind: null,
      lastErrorDetail: null,
      lastErrorAt: null,
      ...(learned.routerosVersion !== undefined && { routerosVersion: learned.routerosVersion }),
      ...(learned.boardName !== undefined && { boardName: learned.boardName }),
    })
    .where(eq(routerApi.nasId, nasId))
    .run();
}

export function recordRouterFailure(db: Db, nasId: number, kind: RouterOsErrorKind, detail: string | null, at: number): void {
  db.update(routerApi)
    .set({ lastErrorKind: kind, lastErrorDetail: detail === null ? null : detail.slice(0, 300), lastErrorAt: at })
    .where(eq(routerApi.nasId, nasId))
    .run();
}
