import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connection.js';
import { t } from '../../i18n/index.js';
import { cancelPortalChange, confirmPortalChange, customerActor, pausePortalLine, portalPlan, previewPortalChange, resumePortalLine, setPortalDevice } from '../../portal/index.js';
import { recordAudit } from '../../staff/index.js';
import { changeRefusalText, pauseConfirmPage, pauseRefusalText, planPage, previewPage, type PlanPageInput } from './plan-pages.js';
import type { RegisterPortalScreen } from './screens.js';

// Issue 8's "My plan" page: change plan (a preview of the prorated cost first, then confirm),
// pause and resume the line where the operator allows it, register the device's MAC. The
// customer is always the session's; the plan id in a form is checked against what that
// customer may choose, and the server works every amount out again on confirm.

const ID = /^\d{1,9}$/;
const AT = /^\d{1,15}$/;
const DONE = ['now', 'renewal', 'cancelled', 'paused', 'resumed', 'device', 'deviceRemoved'] as const;
type Done = (typeof DONE)[number];
const one = (value: unknown) => (typeof value === 'string' ? value : undefined);

export const registerPlanRoutes: RegisterPortalScreen = (app, screens) => {
  const { db, prefix } = screens;
  const base = (request: FastifyRequest) => {
    const session = screens.sessionOf(request);
    return { session, language: screens.languageOf(request), prefix, zone: screens.zone, signedIn: screens.signedIn(session) };
  };

  const showPlan = (request: FastifyRequest, reply: FastifyReply, status: number, extra: Pick<PlanPageInput, 'notice' | 'error' | 'typedMac'> = {}) => {
    const b = base(request);
    const view = portalPlan(db, b.session.customerId, screens.now(), screens.zone);
    if (!view) return screens.message(request, reply, 404, t('portal.selfService.notFound', {}, b.language));
    return screens.html(reply, status, planPage({ ...b, view, ...extra }));
  };

  app.get<{ Querystring: { done?: string } }>('/plan', async (request, reply) => {
    const b = base(request);
    const view = portalPlan(db, b.session.customerId, screens.now(), screens.zone);
    if (!view) return screens.message(request, reply, 404, t('portal.selfService.notFound', {}, b.language));
    const done = request.query.done;
    // The plan named in the notice is read from the account, never from the address.
    const plan = done === 'renewal' ? view.nextPlan?.name : view.plan?.name;
    const notice = done && (DONE as readonly string[]).includes(done) ? t(`portal.selfService.plan.done.${done as Done}`, { plan: plan ?? '' }, b.language) : undefined;
    return screens.html(reply, 200, planPage({ ...b, view, notice }));
  });

  app.get<{ Querystring: { planId?: string } }>('/plan/preview', async (request, reply) => {
    const b = base(request);
    const raw = request.query.planId ?? '';
    if (!ID.test(raw)) return showPlan(request, reply, 400, { error: changeRefusalText('not-offered', b.language) });
    const outcome = previewPortalChange(db, b.session.customerId, Number(raw), screens.now(), screens.zone);
    if (outcome.kind === 'refused') return showPlan(request, reply, 409, { error: changeRefusalText(outcome.reason, b.language) });
    return screens.html(reply, 200, previewPage({ ...b, value: outcome.value }));
  });

  app.post('/plan/change', async (request, reply) => {
    const b = base(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const planId = one(raw.planId) ?? '';
    const at = one(raw.at) ?? '';
    if (!ID.test(planId)) return showPlan(request, reply, 400, { error: changeRefusalText('not-offered', b.language) });
    const outcome = confirmPortalChange(db, {
      customerId: b.session.customerId,
      planId: Number(planId),
      when: one(raw.when) ?? '',
      previewAt: AT.test(at) ? Number(at) : NaN,
      expect: one(raw.expect) ?? '',
      now: screens.now(),
      zone: screens.zone,
    });
    switch (outcome.kind) {
      case 'refused':
        return showPlan(request, reply, 409, { error: changeRefusalText(outcome.reason, b.language) });
      case 'stale':
        return screens.html(reply, 409, previewPage({ ...b, value: outcome.value, notice: t('portal.selfService.plan.preview.stale', {}, b.language) }));
      case 'short':
        return screens.html(reply, 409, previewPage({ ...b, value: outcome.value }));
      case 'changed': {
        const { result } = outcome;
        request.log.info({ customerId: b.session.customerId, from: result.from, to: result.to, when: result.when, sessions: outcome.sessions }, 'customer changed plan on the portal');
        return reply.redirect(`${prefix}/plan?done=${result.when}`, 303);
      }
    }
  });

  app.post('/plan/cancel-change', async (request, reply) => {
    const b = base(request);
    const dropped = cancelPortalChange(db, b.session.customerId, screens.now());
    if (dropped !== null) request.log.info({ customerId: b.session.customerId, plan: dropped }, 'customer cancelled a plan change planned for renewal');
    return reply.redirect(`${prefix}/plan?done=cancelled`, 303);
  });

  app.get('/plan/pause', async (request, reply) => {
    const b = base(request);
    const view = portalPlan(db, b.session.customerId, screens.now(), screens.zone);
    if (!view) return screens.message(request, reply, 404, t('portal.selfService.notFound', {}, b.language));
    if (view.pause.refusal) return showPlan(request, reply, 409, { error: pauseRefusalText(view.pause.refusal, view.pause.policy.perYear, b.language) });
    return screens.html(reply, 200, pauseConfirmPage({ ...b, maxDays: view.pause.policy.maxDays }));
  });

  app.post('/plan/pause', async (request, reply) => {
    const b = base(request);
    const outcome = pausePortalLine(db, b.session.customerId, screens.now(), screens.zone);
    if (outcome.kind === 'refused') {
      const view = portalPlan(db, b.session.customerId, screens.now(), screens.zone);
      return showPlan(request, reply, 409, { error: pauseRefusalText(outcome.reason, view?.pause.policy.perYear ?? 0, b.language) });
    }
    request.log.info({ customerId: b.session.customerId, disconnecting: outcome.disconnecting }, 'customer paused their line');
    return reply.redirect(`${prefix}/plan?done=paused`, 303);
  });

  app.post('/plan/resume', async (request, reply) => {
    const b = base(request);
    if (!resumePortalLine(db, b.session.customerId, screens.now())) return showPlan(request, reply, 409, { error: t('portal.selfService.plan.pause.notPaused', {}, b.language) });
    request.log.info({ customerId: b.session.customerId }, 'customer resumed their line');
    return reply.redirect(`${prefix}/plan?done=resumed`, 303);
  });

  app.post('/plan/device', async (request, reply) => {
    const b = base(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const clear = raw.clear === 'yes';
    const typed = (one(raw.mac) ?? '').trim().slice(0, 32);
    const now = screens.now();
    const outcome = db.transaction((tx) => {
      const result = setPortalDevice(tx as Db, b.session.customerId, clear ? null : typed, now);
      // The same audit entry as a staff edit of the device, naming the customer as the one who did it.
      if (result.kind === 'saved' && result.changed) {
        recordAudit(tx as Db, customerActor({ username: b.session.username }), 'customer.mac', `customer:${b.session.customerId}`, { username: b.session.username, before: { mac: result.before }, after: { mac: result.mac } }, now);
      }
      return result;
    }, { behavior: 'immediate' });
    const l = b.language;
    switch (outcome.kind) {
      case 'bad':
        return showPlan(request, reply, 400, { error: t('portal.selfService.plan.device.bad', {}, l), typedMac: typed });
      case 'taken':
        request.log.info({ customerId: b.session.customerId }, 'portal device refused: registered to another account');
        return showPlan(request, reply, 409, { error: t('portal.selfService.plan.device.taken', {}, l), typedMac: typed });
      case 'bound':
        return showPlan(request, reply, 409, { error: t('portal.selfService.plan.device.bound', {}, l) });
      case 'saved':
        request.log.info({ customerId: b.session.customerId, registered: outcome.mac !== null }, 'customer changed their registered device');
        return reply.redirect(`${prefix}/plan?done=${outcome.mac === null ? 'deviceRemoved' : 'device'}`, 303);
    }
  });
};
