import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage, LangoError } from '../../errors.js';
import { t, type Language } from '../../i18n/index.js';
import {
  addStaff,
  findStaffAccount,
  isLocked,
  isRole,
  listStaffAccounts,
  resetSecondFactor,
  resetStaffPassword,
  roles,
  setStaffDisabled,
  setStaffEmail,
  setStaffRole,
  unlockStaff,
  type StaffAccount,
  type StaffRole,
} from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { confirmBox, confirmed, csrfField, escapeHtml, flash, formatTime, ltr, one, pager, paging, table, text } from './ui.js';

// The staff users screen: the list with a role filter, adding a member of staff, and per
// account role, unlock, disable/enable, a new one-time password and turning off two-step
// sign-in. Generated passwords are shown once, on the page the POST redirects to, and never
// logged or audited.

/** Done-notices the account page shows after a change (Post/Redirect/Get). */
const DONE = ['added', 'role', 'unchanged', 'unlocked', 'disabled', 'enabled', 'reset', 'two-step-off', 'email'] as const;
type Done = (typeof DONE)[number];
const isDone = (value: unknown): value is Done => typeof value === 'string' && (DONE as readonly string[]).includes(value);

/** A one-time password waits here for the one page view that shows it (to the admin who made it). */
interface Reveal {
  sessionId: number;
  password: string;
  until: number;
}
const REVEAL_MS = 5 * 60_000;

export function registerUserRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const reveals = new Map<string, Reveal>();
  const url = (id: number) => `${prefix}/users/${id}`;
  const roleName = (role: StaffRole, l: Language) => t(`staff.roles.${role}`, {}, l);
  const actorOf = (request: FastifyRequest) => `staff:${screens.sessionOf(request).staff.username}`;

  const stash = (sessionId: number, password: string): string => {
    const now = screens.now();
    for (const [key, value] of reveals) if (value.until <= now) reveals.delete(key);
    const key = randomBytes(16).toString('base64url');
    reveals.set(key, { sessionId, password, until: now + REVEAL_MS });
    return key;
  };
  const takeReveal = (key: string | undefined, sessionId: number): string | undefined => {
    if (!key) return undefined;
    const found = reveals.get(key);
    reveals.delete(key);
    return found && found.sessionId === sessionId && found.until > screens.now() ? found.password : undefined;
  };

  const stateText = (a: StaffAccount, l: Language) => {
    const parts = [a.disabledAt !== null ? t('staff.users.disabled', {}, l) : t('staff.users.active', {}, l)];
    if (isLocked(a, screens.now())) parts.push(t('staff.users.lockedUntil', { time: formatTime(a.lockedUntil, screens.zone) }, l));
    if (a.mustChangePassword) parts.push(t('staff.users.mustChange', {}, l));
    return parts.join(', ');
  };
  const twoStepText = (a: StaffAccount, l: Language) => {
    const on = [a.totp ? 'app' : '', a.smsSignIn && a.phone ? 'SMS' : ''].filter(Boolean);
    return on.length === 0 ? t('staff.users.off', {}, l) : t('staff.users.on', { methods: on.join(', ') }, l);
  };
  const roleOptions = (chosen: string | undefined, l: Language) => roles.map((r) => `<option value="${r}"${r === chosen ? ' selected' : ''}>${escapeHtml(roleName(r, l))}</option>`).join('');

  const showList = (request: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply: FastifyReply, status: number, form: { username?: string; role?: string; error?: string } = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const query = request.query ?? {};
    const roleFilter = one(query.role);
    const role = roleFilter !== undefined && isRole(roleFilter) ? roleFilter : undefined;
    const page = paging(query);
    const found = listStaffAccounts(db, { ...(role && { role }), limit: page.perPage + 1, offset: page.offset });
    const shown = found.slice(0, page.perPage);
    const filters = `<form method="get" action="${prefix}/users" class="filters"><label for="role-filter">${text('staff.users.filterRole', l)}</label><select id="role-filter" name="role"><option value="">${text('staff.users.anyRole', l)}</option>${roleOptions(role, l)}</select><button type="submit">${text('staff.users.filterButton', l)}</button></form>`;
    const list =
      shown.length === 0
        ? `<p role="status">${text('staff.users.none', l)}</p>`
        : table(
            'staff',
            [text('staff.users.username', l), text('staff.users.role', l), text('staff.users.state', l), text('staff.users.twoStep', l), text('staff.users.lastSignIn', l)],
            shown.map((a) => [
              `<a href="${url(a.id)}">${ltr(a.username)}</a>`,
              escapeHtml(roleName(a.role, l)),
              escapeHtml(stateText(a, l)),
              escapeHtml(twoStepText(a, l)),
              a.lastSignInAt === null ? text('staff.users.never', l) : ltr(formatTime(a.lastSignInAt, screens.zone)),
            ]),
            t('staff.users.heading', {}, l),
          );
    const addForm = `<h2>${text('staff.users.add', l)}</h2><form method="post" action="${prefix}/users">${csrfField(session.csrfToken)}
<label for="new-username">${text('staff.users.addUsername', l)}</label><input id="new-username" name="username" required maxlength="32" autocomplete="off" autocapitalize="none" spellcheck="false" class="ltr" value="${escapeHtml(form.username ?? '')}">
<label for="new-role">${text('staff.users.role', l)}</label><select id="new-role" name="role">${roleOptions(form.role ?? 'support', l)}</select>
<button class="main" type="submit">${text('staff.users.addButton', l)}</button></form>`;
    const body = `${flash({ error: form.error })}${filters}${list}${pager({ language: l, path: `${prefix}/users`, filters: { role }, paging: page, more: found.length > page.perPage })}${addForm}`;
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.users.heading', {}, l), body, current: '/users' }));
  };

  app.get<{ Querystring: Record<string, unknown> }>('/users', { config: { staffAction: 'staff.manage' } }, async (request, reply) => showList(request, reply, 200));

  app.post<{ Querystring: Record<string, unknown> }>('/users', { config: { staffAction: 'staff.manage' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const username = (one(body.username) ?? '').trim().slice(0, 64);
    const role = one(body.role) ?? '';
    if (!isRole(role)) return showList(request, reply, 400, { username, error: t('staff.users.badRole', {}, l) });
    try {
      const added = await addStaff(db, { username, role, actor: actorOf(request), now: screens.now() });
      request.log.info({ staff: session.staff.username, added: added.staff.username, role }, 'staff account added');
      const reveal = added.password === null ? '' : `&reveal=${stash(session.id, added.password)}`;
      return reply.redirect(`${url(added.staff.id)}?done=added${reveal}`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return showList(request, reply, 400, { username, role, error: errorMessage(err.code, l, err.values) });
    }
  });

  const showAccount = (request: FastifyRequest, reply: FastifyReply, account: StaffAccount, status: number, extra: { notice?: string; error?: string; password?: string; email?: string } = {}) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const who = { username: account.username };
    const form = (path: string, inner: string) => `<form method="post" action="${url(account.id)}/${path}">${csrfField(session.csrfToken)}${inner}</form>`;
    const details = `<table id="account"><tbody>${[
      [t('staff.users.username', {}, l), ltr(account.username)],
      [t('staff.users.role', {}, l), `<span id="role">${escapeHtml(roleName(account.role, l))}</span>`],
      [t('staff.users.state', {}, l), `<span id="state">${escapeHtml(stateText(account, l))}</span>`],
      [t('staff.users.twoStep', {}, l), `<span id="two-step">${escapeHtml(twoStepText(account, l))}</span>`],
      [t('staff.users.lastSignIn', {}, l), account.lastSignInAt === null ? text('staff.users.never', l) : ltr(formatTime(account.lastSignInAt, screens.zone))],
    ]
      .map(([label, value]) => `<tr><th scope="row">${escapeHtml(label!)}</th><td>${value}</td></tr>`)
      .join('')}</tbody></table>`;
    const password = extra.password
      ? `<p class="notice" role="status" id="one-time-password">${escapeHtml(t('staff.users.oneTimePassword', { username: account.username, password: '{P}' }, l)).replace('{P}', `<span class="mono ltr" id="password">${escapeHtml(extra.password)}</span>`)}</p><p class="hint">${text('staff.users.oneTimeHint', l)}</p>`
      : '';
    const roleForm = `<h2>${text('staff.users.changeRole', l)}</h2>${form('role', `<label for="role-select">${text('staff.users.role', l)}</label><select id="role-select" name="role">${roleOptions(account.role, l)}</select><button type="submit">${text('staff.users.roleButton', l)}</button>`)}`;
    const emailForm = `<h2>${text('email.staffForm.heading', l)}</h2><p class="hint" id="alert-email-hint">${text('email.staffForm.hint', l)}</p>${form('email', `<label for="alert-email">${text('email.staffForm.label', l)}</label><input id="alert-email" name="email" type="email" autocomplete="off" maxlength="254" class="ltr" aria-describedby="alert-email-hint" value="${escapeHtml(extra.email ?? account.email ?? '')}"><button type="submit">${text('email.staffForm.button', l)}</button>`)}`;
    const unlockForm = isLocked(account, screens.now()) ? form('unlock', `<button type="submit">${text('staff.users.unlock', l)}</button>`) : '';
    const resetForm = `<h2>${text('staff.users.reset', l)}</h2><p class="hint">${text('staff.users.resetHint', l)}</p>${form('password', `${confirmBox(l, t('staff.users.resetWhat', who, l))}<button class="danger" type="submit">${text('staff.users.resetButton', l)}</button>`)}`;
    const twoStepForm =
      account.totp || account.smsSignIn
        ? `<h2>${text('staff.users.twoStepOff', l)}</h2><p class="hint">${text('staff.users.twoStepOffHint', l)}</p>${form('two-step-off', `${confirmBox(l, t('staff.users.twoStepOffWhat', who, l))}<button class="danger" type="submit">${text('staff.users.twoStepOffButton', l)}</button>`)}`
        : '';
    const disableForm =
      account.disabledAt === null
        ? `<h2>${text('staff.users.disable', l)}</h2>${form('disable', `${confirmBox(l, t('staff.users.disableWhat', who, l))}<button class="danger" type="submit">${text('staff.users.disableButton', l)}</button>`)}`
        : `<h2>${text('staff.users.enable', l)}</h2>${form('enable', `<button type="submit">${text('staff.users.enableButton', l)}</button>`)}`;
    const back = `<ul class="links"><li><a href="${prefix}/users">${text('staff.users.back', l)}</a></li></ul>`;
    const body = `${flash(extra)}${password}${details}${unlockForm}${roleForm}${emailForm}${resetForm}${twoStepForm}${disableForm}${back}`;
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: account.username, body, current: '/users' }));
  };

  const accountOr404 = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): StaffAccount | undefined => {
    const account = /^\d{1,9}$/.test(request.params.id) ? findStaffAccount(db, Number(request.params.id)) : undefined;
    if (!account) screens.message(request, reply, 404, t('staff.users.notFound', {}, screens.languageOf(request)));
    return account;
  };

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/users/:id', { config: { staffAction: 'staff.manage' } }, async (request, reply) => {
    const account = accountOr404(request, reply);
    if (!account) return reply;
    const l = screens.languageOf(request);
    const session = screens.sessionOf(request);
    const done = one(request.query.done);
    const password = takeReveal(one(request.query.reveal), session.id);
    const who = { username: account.username, role: roleName(account.role, l) };
    // After a reset the page shows the new password itself (once), not a sentence.
    const notices: Record<Exclude<Done, 'reset'>, string> = {
      added: t('staff.users.added', who, l),
      role: t('staff.users.roleChanged', who, l),
      unchanged: t('staff.users.roleUnchanged', {}, l),
      unlocked: t('staff.users.unlocked', who, l),
      disabled: t('staff.users.disabledDone', who, l),
      enabled: t('staff.users.enabledDone', who, l),
      'two-step-off': t('staff.users.twoStepOffDone', who, l),
      email: account.email ? t('email.staffForm.saved', { username: account.username, email: account.email }, l) : t('email.staffForm.removed', who, l),
    };
    return showAccount(request, reply, account, 200, { ...(isDone(done) && done !== 'reset' && { notice: notices[done] }), ...(password !== undefined && { password }) });
  });

  type IdRequest = FastifyRequest<{ Params: { id: string } }>;
  const post = (path: string, handle: (request: IdRequest, reply: FastifyReply, account: StaffAccount, body: Record<string, unknown>) => Promise<FastifyReply> | FastifyReply) =>
    app.post<{ Params: { id: string } }>(`/users/:id/${path}`, { config: { staffAction: 'staff.manage' } }, async (request, reply) => {
      const account = accountOr404(request, reply);
      if (!account) return reply;
      return handle(request, reply, account, (request.body ?? {}) as Record<string, unknown>);
    });
  const notConfirmed = (request: IdRequest, reply: FastifyReply, account: StaffAccount) => showAccount(request, reply, account, 400, { error: t('staff.users.notConfirmed', {}, screens.languageOf(request)) });
  const lastAdmin = (request: IdRequest, reply: FastifyReply, account: StaffAccount) => showAccount(request, reply, account, 409, { error: t('staff.users.lastAdmin', { username: account.username }, screens.languageOf(request)) });

  post('role', (request, reply, account, body) => {
    const result = setStaffRole(db, { actor: actorOf(request), id: account.id, role: one(body.role) ?? '', now: screens.now() });
    if (result.kind === 'bad-role') return showAccount(request, reply, account, 400, { error: t('staff.users.badRole', {}, screens.languageOf(request)) });
    if (result.kind === 'last-admin') return lastAdmin(request, reply, account);
    if (result.kind === 'done') request.log.info({ staff: screens.sessionOf(request).staff.username, account: account.username, role: result.account.role }, 'staff role changed');
    return reply.redirect(`${url(account.id)}?done=${result.kind === 'done' ? 'role' : 'unchanged'}`, 303);
  });

  post('unlock', (request, reply, account) => {
    unlockStaff(db, account.username, actorOf(request), screens.now());
    return reply.redirect(`${url(account.id)}?done=unlocked`, 303);
  });

  const self = (request: IdRequest, reply: FastifyReply, account: StaffAccount, key: 'staff.users.selfReset' | 'staff.users.selfDisable') =>
    account.id === screens.sessionOf(request).staff.id ? showAccount(request, reply, account, 400, { error: t(key, {}, screens.languageOf(request)) }) : undefined;

  post('disable', (request, reply, account, body) => {
    if (!confirmed(body)) return notConfirmed(request, reply, account);
    const own = self(request, reply, account, 'staff.users.selfDisable');
    if (own) return own;
    const result = setStaffDisabled(db, { actor: actorOf(request), id: account.id, disabled: true, now: screens.now() });
    if (result.kind === 'last-admin') return lastAdmin(request, reply, account);
    if (result.kind === 'done') request.log.info({ staff: screens.sessionOf(request).staff.username, account: account.username }, 'staff account disabled');
    return reply.redirect(`${url(account.id)}?done=disabled`, 303);
  });

  post('enable', (request, reply, account) => {
    setStaffDisabled(db, { actor: actorOf(request), id: account.id, disabled: false, now: screens.now() });
    return reply.redirect(`${url(account.id)}?done=enabled`, 303);
  });

  post('password', async (request, reply, account, body) => {
    if (!confirmed(body)) return notConfirmed(request, reply, account);
    // One's own reset would end one's own session before the new password could be shown.
    const own = self(request, reply, account, 'staff.users.selfReset');
    if (own) return own;
    const session = screens.sessionOf(request);
    const result = await resetStaffPassword(db, { actor: actorOf(request), id: account.id, now: screens.now() });
    if (result.kind === 'unknown') return screens.message(request, reply, 404, t('staff.users.notFound', {}, screens.languageOf(request)));
    request.log.info({ staff: session.staff.username, account: account.username }, 'staff password reset by an administrator');
    return reply.redirect(`${url(account.id)}?done=reset&reveal=${stash(session.id, result.password)}`, 303);
  });

  post('email', (request, reply, account, body) => {
    const email = (one(body.email) ?? '').trim().slice(0, 254);
    const result = setStaffEmail(db, { actor: actorOf(request), id: account.id, email: email === '' ? null : email, now: screens.now() });
    if (result.kind === 'bad-email') return showAccount(request, reply, account, 400, { email, error: t('email.staffForm.bad', { value: email }, screens.languageOf(request)) });
    return reply.redirect(`${url(account.id)}?done=email`, 303);
  });

  post('two-step-off', (request, reply, account, body) => {
    if (!confirmed(body)) return notConfirmed(request, reply, account);
    resetSecondFactor(db, { actor: actorOf(request), staffId: account.id, now: screens.now() });
    request.log.info({ staff: screens.sessionOf(request).staff.username, account: account.username }, 'two-step sign-in turned off by an administrator');
    return reply.redirect(`${url(account.id)}?done=two-step-off`, 303);
  });
}
