import { closeSessionsGoneFromRouter, listSessions } from '../aaa/sessions.js';
import type { Db } from '../db/connection.js';
import { RouterOsError, type RouterOsItem, type RouterOsSession } from '../routeros/types.js';
import { failureText } from './failure-text.js';
import { withRouterSession, type RouterAccess } from './session.js';

// What staff (and the CoA fallback) can do to a router's users over the API: see who is on,
// log one off, and close Lango's sessions the router has forgotten.

export interface ActiveUser {
  service: 'hotspot' | 'ppp';
  id: string;
  username: string;
  address: string | null;
  mac: string | null;
  /** PPP: the router's session-id; hotspot: none (the router does not show Acct-Session-Id). */
  sessionId: string | null;
  uptime: string | null;
}

/** Sessions that began or reported this close to the router's listing may be a Start in flight. */
export const SYNC_MARGIN_MS = 60_000;

export const HOTSPOT_ACTIVE_PROPS = '.id,user,address,mac-address,uptime,bytes-in,bytes-out';
export const PPP_ACTIVE_PROPS = '.id,name,address,caller-id,uptime,session-id';

const orNull = (value: string | undefined) => (value === undefined || value === '' ? null : value);

export function hotspotUserOf(item: RouterOsItem): ActiveUser {
  return { service: 'hotspot', id: item['.id'] ?? '', username: item.user ?? '', address: orNull(item.address), mac: orNull(item['mac-address']), sessionId: null, uptime: orNull(item.uptime) };
}

export function pppUserOf(item: RouterOsItem): ActiveUser {
  return { service: 'ppp', id: item['.id'] ?? '', username: item.name ?? '', address: orNull(item.address), mac: orNull(item['caller-id']), sessionId: orNull(item['session-id']), uptime: orNull(item.uptime) };
}

/** /ip/hotspot/active and /ppp/active, as one list. */
export async function activeUsers(session: RouterOsSession): Promise<ActiveUser[]> {
  const [hotspot, ppp] = await Promise.all([
    session.run('/ip/hotspot/active/print', [`=.proplist=${HOTSPOT_ACTIVE_PROPS}`]),
    session.run('/ppp/active/print', [`=.proplist=${PPP_ACTIVE_PROPS}`]),
  ]);
  return [...hotspot.items.map(hotspotUserOf), ...ppp.items.map(pppUserOf)];
}

/** RouterOS shows a PPP session-id as 0x81A00002 where RADIUS got 81a00002. */
const sessionIdKey = (id: string) => id.trim().toLowerCase().replace(/^0x/, '');

/**
 * Logs a user off through the API (when CoA is unavailable): removes the matching hotspot
 * and PPP active entries (narrowed by address when given). With `acctSessionId`, a PPP entry
 * whose session-id the router shows must match it, so a customer's newer session is never
 * kicked in place of the stale one. Resolves with how many went.
 */
export async function kickUser(
  session: RouterOsSession,
  who: { username: string; address?: string | null | undefined; acctSessionId?: string | null | undefined },
): Promise<{ removed: number }> {
  const [hotspot, ppp] = await Promise.all([
    session.run('/ip/hotspot/active/print', ['=.proplist=.id,user,address', `?user=${who.username}`]),
    session.run('/ppp/active/print', ['=.proplist=.id,name,address,session-id', `?name=${who.username}`]),
  ]);
  const sameSession = (item: RouterOsItem) => !who.acctSessionId || !item['session-id'] || sessionIdKey(item['session-id']) === sessionIdKey(who.acctSessionId);
  const targets = [
    ...hotspot.items.filter((i) => i.user === who.username).map((i) => ({ path: '/ip/hotspot/active/remove', item: i })),
    ...ppp.items.filter((i) => i.name === who.username && sameSession(i)).map((i) => ({ path: '/ppp/active/remove', item: i })),
  ].filter(({ item }) => !who.address || !item.address || item.address === who.address);
  let removed = 0;
  for (const { path, item } of targets) {
    try {
      await session.run(path, [`=.id=${item['.id']}`]);
      removed += 1;
    } catch (err) {
      // Gone between the print and the remove (the user left, or another kick won): not an error.
      if (!(err instanceof RouterOsError && err.kind === 'trap')) throw err;
    }
  }
  return { removed };
}

/** One session to log off through the API: the Disconnect-Request's target. */
export interface ApiKick {
  nasId: number;
  username: string;
  framedIp: string | null;
  acctSessionId: string | null;
}

/**
 * The daemon's Disconnect fallback: logs users off through the RouterOS API, one API session
 * at a time per router, so a burst of unanswered Disconnects (an allowance run on a busy tower)
 * does not open a login per user. Kicks queued for a router while its session is open share it.
 * Resolves true when the user was logged off; false when the router has no API access or no
 * such entry; rejects with the reason when the router could not be reached.
 */
export function createApiKicker(access: RouterAccess): (kick: ApiKick) => Promise<boolean> {
  interface Waiting {
    kick: ApiKick;
    resolve: (removed: boolean) => void;
    reject: (err: Error) => void;
  }
  const queues = new Map<number, Waiting[]>();

  const drain = async (nasId: number, queue: Waiting[]): Promise<void> => {
    const outcome = await withRouterSession(access, nasId, async (session) => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          const { removed } = await kickUser(session, { username: next.kick.username, address: next.kick.framedIp, acctSessionId: next.kick.acctSessionId });
          next.resolve(removed > 0);
        } catch (err) {
          // A refused command spoils only this kick; anything else ends the session for all.
          if (!(err instanceof RouterOsError && err.kind === 'trap')) {
            queue.unshift(next);
            throw err;
          }
          next.reject(err);
        }
      }
    }).catch((err: unknown) => ({ ok: false as const, thrown: err instanceof Error ? err : new Error(String(err)) }));
    queues.delete(nasId);
    if (queue.length === 0) return;
    if (outcome.ok) {
      // Queued while the finished session was closing: a new one for them.
      queues.set(nasId, queue);
      void drain(nasId, queue);
      return;
    }
    const rest = queue.splice(0);
    const failed = 'thrown' in outcome ? outcome.thrown : outcome.noApi ? null : new Error(failureText(outcome.failure, outcome.where));
    for (const waiting of rest) {
      if (failed) waiting.reject(failed);
      else waiting.resolve(false);
    }
  };

  return (kick) =>
    new Promise<boolean>((resolve, reject) => {
      const queue = queues.get(kick.nasId);
      if (queue) {
        queue.push({ kick, resolve, reject });
        return;
      }
      const fresh: Waiting[] = [{ kick, resolve, reject }];
      queues.set(kick.nasId, fresh);
      void drain(kick.nasId, fresh);
    });
}

/**
 * Closes Lango's open sessions on this router that the router no longer lists (started
 * before `listedAt` less a margin, so a Start in flight is never closed). Terminate cause
 * 'Lango-Router-Sync'. Returns how many closed.
 */
export function closeSessionsMissingFromRouter(db: Db, nasId: number, present: readonly ActiveUser[], listedAt: number): { closed: number; stillOpen: number } {
  const byName = new Map<string, ActiveUser[]>();
  for (const user of present) byName.set(user.username, [...(byName.get(user.username) ?? []), user]);
  const open = listSessions(db, { active: true, nasId, limit: 1_000_000 });
  const quietSince = listedAt - SYNC_MARGIN_MS;
  const gone = open.filter((s) => {
    if (s.startedAt >= quietSince || s.updatedAt >= quietSince) return false;
    // Hotspot: by name, and by address when both know it; PPP: by name, and by session id when the router shows one.
    const listed = (byName.get(s.username) ?? []).some((u) =>
      u.service === 'hotspot' ? !u.address || !s.framedIp || u.address === s.framedIp : !u.sessionId || sessionIdKey(u.sessionId) === sessionIdKey(s.acctSessionId),
    );
    return !listed;
  });
  const closed = closeSessionsGoneFromRouter(
    db,
    nasId,
    gone.map((s) => s.id),
    quietSince,
    listedAt,
  );
  return { closed, stillOpen: open.length - closed };
}
