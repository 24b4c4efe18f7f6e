import type { Db } from '../db/connection.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { RouterOsError, type RouterOsEndpoint, type RouterOsErrorKind, type RouterOsSession } from '../routeros/types.js';
import { failureOf } from './failure-text.js';
import { recordRouterContact, recordRouterFailure, routerEndpoint } from './registry.js';

// One way to do one thing on a router over the API (setup, kick, sync, list users) for the
// staff pages, the CLI and the daemon's Disconnect fallback: log in, work, log out, and keep
// the router's row truthful about whether it could be reached.

export interface RouterAccess {
  db: Db;
  box: Pick<SecretBox, 'open'>;
  connect: (endpoint: RouterOsEndpoint) => Promise<RouterOsSession>;
  timeoutMs: number;
  now?: () => number;
}

export type RouterOutcome<T> =
  | { ok: true; value: T }
  /** No API access is set for this router. */
  | { ok: false; noApi: true }
  | { ok: false; noApi: false; failure: { kind: RouterOsErrorKind; detail: string | null }; where: { host: string; port: number }; error: RouterOsError };

/**
 * Runs `work` on a fresh session and closes it after. A success stores the contact (version,
 * board); a failure to reach or log in to the router is stored on its row; a refused command
 * (trap) is not, since the router was answering. Errors other than RouterOsError are thrown.
 */
export async function withRouterSession<T>(access: RouterAccess, nasId: number, work: (session: RouterOsSession) => Promise<T>): Promise<RouterOutcome<T>> {
  const now = access.now ?? Date.now;
  const endpoint = routerEndpoint(access.db, access.box, nasId, access.timeoutMs);
  if (!endpoint) return { ok: false, noApi: true };
  let session: RouterOsSession | undefined;
  try {
    session = await access.connect(endpoint);
    const value = await work(session);
    recordRouterContact(access.db, nasId, { routerosVersion: session.routerosVersion, boardName: session.boardName }, now());
    return { ok: true, value };
  } catch (err) {
    if (!(err instanceof RouterOsError)) throw err;
    const failure = failureOf(err);
    if (failure.kind !== 'trap') recordRouterFailure(access.db, nasId, failure.kind, failure.detail, now());
    return { ok: false, noApi: false, failure, where: { host: endpoint.host, port: endpoint.port }, error: err };
  } finally {
    await session?.close().catch(() => undefined);
  }
}
