import { z } from 'zod';
import { enqueueForSession } from '../../aaa/enforcement.js';
import { findOpenSession, listSessions, type SessionView } from '../../aaa/sessions.js';
import type { Db } from '../../db/connection.js';
import { LangoError } from '../../errors.js';
import { recordAudit } from '../../staff/index.js';
import { idParams, iso, isoSchema, offsetOf, okSchema, page, pageOf, pageQuery, type ApiContext } from './core.js';

const sessionSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  customerId: z.number().int().nullable(),
  router: z.string(),
  acctSessionId: z.string(),
  ip: z.string().nullable(),
  mac: z.string().nullable(),
  startedAt: isoSchema,
  updatedAt: isoSchema,
  stoppedAt: isoSchema,
  live: z.boolean(),
  seconds: z.number(),
  bytesDown: z.number().int(),
  bytesUp: z.number().int(),
  terminateCause: z.string().nullable(),
});

// Octets as the router counts them: Acct-Output is what the customer downloaded.
const view = (s: SessionView): z.infer<typeof sessionSchema> => ({
  id: s.id,
  username: s.username,
  customerId: s.customerId,
  router: s.nas,
  acctSessionId: s.acctSessionId,
  ip: s.framedIp,
  mac: s.callingStationId,
  startedAt: iso(s.startedAt),
  updatedAt: iso(s.updatedAt),
  stoppedAt: iso(s.stoppedAt),
  live: s.stoppedAt === null,
  seconds: s.sessionTime,
  bytesDown: s.outputOctets,
  bytesUp: s.inputOctets,
  terminateCause: s.terminateCause,
});

const moment = z.iso.datetime({ offset: true }).transform((text) => Date.parse(text));

export function registerSessionApi(ctx: ApiContext): void {
  const { db } = ctx;
  ctx.route(
    {
      method: 'GET',
      url: '/sessions',
      action: 'sessions.view',
      tag: 'sessions',
      summary: 'Sessions newest first: live ones (state=live), history (state=ended) or both, by user, router, IP, MAC and start time.',
      query: pageQuery.extend({
        state: z.enum(['live', 'ended', 'any']).default('any'),
        username: z.string().trim().min(1).max(64).optional(),
        routerId: z.coerce.number().int().positive().optional(),
        ip: z.string().trim().max(45).optional(),
        mac: z.string().trim().max(32).optional(),
        from: moment.optional(),
        to: moment.optional(),
      }),
      response: pageOf(sessionSchema),
    },
    async (_request, _reply, { query }) => {
      const offset = offsetOf(query.after);
      const rows = listSessions(db, { active: query.state === 'live' || undefined, ended: query.state === 'ended' || undefined, username: query.username, nasId: query.routerId, ip: query.ip, mac: query.mac, from: query.from, to: query.to, limit: query.limit + 1, offset });
      return page(rows, query.limit, offset, view);
    },
  );

  ctx.route(
    { method: 'POST', url: '/sessions/{id}/disconnect', action: 'sessions.disconnect', tag: 'sessions', summary: 'Disconnect a live session: the router gets a Disconnect-Request within seconds.', params: idParams, response: okSchema, status: 202 },
    async (request, reply, { params }) => {
      const live = findOpenSession(db, params.id);
      if (!live) throw new LangoError('INPUT_UNKNOWN_SESSION', { id: params.id });
      const at = ctx.now();
      db.transaction((d) => {
        // As the staff page and `lango sessions disconnect` do: the daemon's enforcement queue sends it.
        enqueueForSession(d as Db, live.id, 'disconnect', 'operator', null, at);
        recordAudit(d as Db, ctx.actorOf(request), 'session.disconnect', live.customerId !== null ? `customer:${live.customerId}` : `session:${live.id}`, { username: live.username, session: live.id, nas: live.nas }, at);
      }, { behavior: 'immediate' });
      return reply.code(202).send({ ok: true });
    },
  );
}
