import { isIPv4 } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { addCustomer, type CustomerSummary, editCustomer, findCustomer, findPlanById, formatMoney, listPlans, normaliseMac, normalisePhone } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import { LangoError } from '../../errors.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { getSetting } from '../../settings/index.js';
import { can, recordAudit } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, escapeHtml, flash, numberLocale, one, text } from './ui.js';

// Issue 7: adding a customer and editing their details (not the username, which payments and
// the router know them by; not the plan, which has its own priced page).

type Field = 'username' | 'password' | 'fullName' | 'phone' | 'email' | 'planId' | 'mac' | 'staticIp';
type Values = Partial<Record<Field, string>> & { macBinding?: boolean };
type FieldErrors = Partial<Record<Field, string>>;

const LIMITS: Record<Field, number> = { username: 64, password: 128, fullName: 200, phone: 32, email: 320, planId: 12, mac: 32, staticIp: 45 };
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/;

/** The form as typed, trimmed (a password is kept as typed) and cut to a sane length. */
function valuesOf(raw: Record<string, unknown>): Values {
  const values: Values = {};
  for (const field of Object.keys(LIMITS) as Field[]) {
    const value = one(raw[field]);
    if (value !== undefined) values[field] = (field === 'password' ? value : value.trim()).slice(0, LIMITS[field] + 1);
  }
  values.macBinding = raw.macBinding === 'yes';
  return values;
}

/** The boundary's checks, field by field, each failure in words under its field. */
function schemaFor(country: 'KE' | 'SS' | 'UG', mode: 'new' | 'edit', l: Language) {
  const say = (key: MessageKey, values: Record<string, unknown> = {}) => t(key, values, l);
  const optional = (check: (v: string) => boolean, message: (v: string) => string) => z.string().optional().superRefine((v, ctx) => {
    if (v !== undefined && v !== '' && !check(v)) ctx.addIssue({ code: 'custom', message: message(v) });
  });
  return z.object({
    username: mode === 'new' ? z.string({ error: say('staff.staffCustomers.errors.username') }).regex(/^[^\s]{1,64}$/, say('staff.staffCustomers.errors.username')) : z.string().optional(),
    password:
      mode === 'new'
        ? z.string({ error: say('staff.staffCustomers.errors.password') }).min(1, say('staff.staffCustomers.errors.password')).max(128, say('staff.staffCustomers.errors.password'))
        : z.string().max(128, say('staff.staffCustomers.errors.password')).optional(),
    fullName: z.string().max(200, say('staff.staffCustomers.errors.name')).optional(),
    phone: optional((v) => normalisePhone(v, country) !== undefined, (value) => say('staff.staffCustomers.errors.phone', { value })),
    email: optional((v) => EMAIL.test(v), (value) => say('staff.staffCustomers.errors.email', { value })),
    mac: optional((v) => normaliseMac(v) !== undefined, (value) => say('staff.staffCustomers.errors.mac', { value })),
    staticIp: optional((v) => isIPv4(v), (value) => say('staff.staffCustomers.errors.ip', { value })),
    planId: z.string().regex(/^(\d{1,9})?$/, say('staff.staffCustomers.errors.plan')).optional(),
    macBinding: z.boolean(),
  });
}

/** A domain refusal, put next to the field it is about. */
function fieldOf(err: LangoError, l: Language): FieldErrors | undefined {
  const v = err.values as Record<string, string>;
  switch (err.code) {
    case 'INPUT_DUPLICATE_USERNAME': return { username: t('staff.staffCustomers.errors.usernameTaken', { username: v.username }, l) };
    case 'INPUT_BAD_USERNAME': return { username: t('staff.staffCustomers.errors.username', {}, l) };
    case 'INPUT_BAD_PASSWORD': return { password: t('staff.staffCustomers.errors.password', {}, l) };
    case 'INPUT_BAD_PHONE': return { phone: t('staff.staffCustomers.errors.phone', { value: v.value }, l) };
    case 'INPUT_BAD_EMAIL': return { email: t('staff.staffCustomers.errors.email', { value: v.value }, l) };
    case 'INPUT_BAD_MAC': return { mac: t('staff.staffCustomers.errors.mac', { value: v.value }, l) };
    case 'INPUT_DUPLICATE_MAC': return { mac: t('staff.staffCustomers.errors.macTaken', { mac: v.mac, username: v.username }, l) };
    case 'INPUT_BAD_IP': return { staticIp: t('staff.staffCustomers.errors.ip', { value: v.value }, l) };
    case 'INPUT_UNKNOWN_PLAN': return { planId: t('staff.staffCustomers.errors.plan', {}, l) };
    default: return undefined;
  }
}

export function registerCustomerFormRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const customerUrl = (username: string) => `${prefix}/customers/${encodeURIComponent(username)}`;
  const actor = (request: FastifyRequest) => `staff:${screens.sessionOf(request).staff.username}`;

  function formPage(request: FastifyRequest, input: { mode: 'new' } | { mode: 'edit'; customer: CustomerSummary }, values: Values, errors: FieldErrors = {}, top?: string): string {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const field = (name: Field, label: MessageKey, attrs: string, type = 'text') => {
      const error = errors[name];
      const described = error ? ` aria-invalid="true" aria-describedby="${name}-error"` : '';
      const value = type === 'password' ? '' : ` value="${escapeHtml(values[name] ?? '')}"`;
      return `<label for="${name}">${text(label, l)}</label><input id="${name}" name="${name}" type="${type}" maxlength="${LIMITS[name]}" ${attrs}${described}${value}>${error ? `<p class="error" id="${name}-error">${escapeHtml(error)}</p>` : ''}`;
    };
    const plain = 'autocomplete="off" autocapitalize="none" spellcheck="false"';
    const plans = listPlans(db);
    const planSelect =
      input.mode === 'new'
        ? `<label for="planId">${text('staff.staffCustomers.planField', l)}</label><select id="planId" name="planId"${errors.planId ? ' aria-invalid="true" aria-describedby="planId-error"' : ''}><option value="">${text('staff.staffCustomers.planNone', l)}</option>${plans
            .map((p) => `<option value="${p.id}"${values.planId === String(p.id) ? ' selected' : ''}>${text('staff.staffCustomers.planOption', l, { name: p.name, price: formatMoney(p.priceMinor, p.currency, numberLocale(l)), kind: t(`staff.staffCustomers.kinds.${p.billingKind}`, {}, l) })}</option>`)
            .join('')}</select>${errors.planId ? `<p class="error" id="planId-error">${escapeHtml(errors.planId)}</p>` : ''}`
        : `<p class="hint">${text('staff.staffCustomers.planOnEdit', l)}${can(session.staff.role, 'customers.plan') ? ` <a href="${customerUrl(input.customer.username)}/plan">${text('staff.staffCustomers.planLink', l)}</a>` : ''}</p>`;
    const action = input.mode === 'new' ? `${prefix}/customers/new` : `${customerUrl(input.customer.username)}/edit`;
    const body =
      flash({ error: top ?? (Object.keys(errors).length > 0 ? t('staff.staffCustomers.errors.fix', {}, l) : undefined) }) +
      `<form method="post" action="${action}" novalidate>${csrfField(session.csrfToken)}` +
      (input.mode === 'new' ? field('username', 'staff.staffCustomers.username', `required ${plain} class="ltr"`) : '') +
      (input.mode === 'new' ? field('password', 'staff.staffCustomers.password', 'required autocomplete="new-password" class="ltr"', 'text') : field('password', 'staff.staffCustomers.newPassword', 'autocomplete="new-password" class="ltr"', 'password')) +
      field('fullName', 'staff.staffCustomers.name', 'autocomplete="off"') +
      field('phone', 'staff.staffCustomers.phone', `${plain} inputmode="tel" class="ltr"`, 'tel') +
      field('email', 'staff.staffCustomers.email', `${plain} class="ltr"`, 'email') +
      planSelect +
      field('mac', 'staff.staffCustomers.mac', `${plain} class="ltr"`) +
      `<label class="check"><input type="checkbox" name="macBinding" value="yes"${values.macBinding ? ' checked' : ''}> ${text('staff.staffCustomers.macBinding', l)}</label>` +
      field('staticIp', 'staff.staffCustomers.staticIp', `${plain} inputmode="decimal" class="ltr"`) +
      `<button class="main" type="submit">${text(input.mode === 'new' ? 'staff.staffCustomers.saveNew' : 'staff.staffCustomers.saveEdit', l)}</button></form>` +
      `<ul class="links"><li><a href="${input.mode === 'new' ? `${prefix}/customers` : customerUrl(input.customer.username)}">${input.mode === 'new' ? text('staff.staffCustomers.heading', l) : escapeHtml(input.customer.username)}</a></li></ul>`;
    const title = input.mode === 'new' ? t('staff.staffCustomers.newHeading', {}, l) : t('staff.staffCustomers.editHeading', { username: input.customer.username }, l);
    return renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title, body, current: '/customers' });
  }

  /** The zod check; undefined when every field passes. */
  function check(values: Values, mode: 'new' | 'edit', l: Language): FieldErrors | undefined {
    const parsed = schemaFor(getSetting(db, 'operator.country'), mode, l).safeParse(values);
    if (parsed.success) return undefined;
    const errors: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const name = issue.path[0] as Field;
      errors[name] ??= issue.message;
    }
    return errors;
  }

  const blank = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

  app.get('/customers/new', { config: { staffAction: 'customers.edit' } }, async (request, reply) => screens.html(reply, 200, formPage(request, { mode: 'new' }, {})));

  app.post('/customers/new', { config: { staffAction: 'customers.edit' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const values = valuesOf((request.body ?? {}) as Record<string, unknown>);
    const refuse = (status: number, errors: FieldErrors, top?: string) => screens.html(reply, status, formPage(request, { mode: 'new' }, values, errors, top));
    const errors = check(values, 'new', l);
    if (errors) return refuse(400, errors);
    const box = screens.services.box;
    if (!box) return refuse(503, {}, t('staff.staffCustomers.errors.noBox', {}, l));
    const plan = values.planId ? findPlanById(db, Number(values.planId)) : undefined;
    if (values.planId && !plan) return refuse(400, { planId: t('staff.staffCustomers.errors.plan', {}, l) });
    const at = screens.now();
    try {
      const created = db.transaction((tx) => {
        const c = addCustomer(
          tx as Db,
          box,
          { username: values.username!, password: values.password!, planName: plan?.name, fullName: blank(values.fullName), phone: blank(values.phone), email: blank(values.email), mac: blank(values.mac), macBinding: values.macBinding && blank(values.mac) !== undefined, staticIp: blank(values.staticIp) },
          screens.zone,
        );
        recordAudit(tx as Db, actor(request), 'customer.create', `customer:${c.id}`, { username: c.username, after: { plan: c.plan, fullName: c.fullName, phone: c.phone, email: c.email, mac: c.mac, macBinding: c.macBinding, staticIp: c.staticIp } }, at);
        return c;
      }, { behavior: 'immediate' });
      request.log.info({ staff: screens.sessionOf(request).staff.username, customer: created.username }, 'customer added');
      return reply.redirect(`${customerUrl(created.username)}?done=created`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      const field = fieldOf(err, l);
      if (!field) throw err;
      return refuse(err.code.includes('DUPLICATE') ? 409 : 400, field);
    }
  });

  const customerOr404 = (request: FastifyRequest<{ Params: { username: string } }>, reply: FastifyReply) => {
    const customer = findCustomer(db, request.params.username);
    if (!customer) screens.message(request, reply, 404, t('staff.staffCustomers.unknown', { username: request.params.username.slice(0, 64) }, screens.languageOf(request)));
    return customer;
  };

  const valuesFrom = (c: CustomerSummary): Values => ({ fullName: c.fullName ?? '', phone: c.phone ?? '', email: c.email ?? '', mac: c.mac ?? '', macBinding: c.macBinding, staticIp: c.staticIp ?? '' });

  app.get<{ Params: { username: string } }>('/customers/:username/edit', { config: { staffAction: 'customers.edit' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    return screens.html(reply, 200, formPage(request, { mode: 'edit', customer }, valuesFrom(customer)));
  });

  app.post<{ Params: { username: string } }>('/customers/:username/edit', { config: { staffAction: 'customers.edit' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const l = screens.languageOf(request);
    const values = valuesOf((request.body ?? {}) as Record<string, unknown>);
    const refuse = (status: number, errors: FieldErrors, top?: string) => screens.html(reply, status, formPage(request, { mode: 'edit', customer }, values, errors, top));
    const errors = check(values, 'edit', l);
    if (errors) return refuse(400, errors);
    const password = blank(values.password);
    if (password !== undefined && !screens.services.box) return refuse(503, {}, t('staff.staffCustomers.errors.noBox', {}, l));
    const at = screens.now();
    try {
      const edit = db.transaction((tx) => {
        const result = editCustomer(
          tx as Db,
          screens.services.box,
          customer.username,
          { fullName: values.fullName ?? null, phone: values.phone ?? null, email: values.email ?? null, mac: values.mac ?? null, macBinding: values.macBinding === true, staticIp: values.staticIp ?? null, ...(password !== undefined && { password }) },
          at,
        );
        // Before and after, never the password: only that it changed.
        if (Object.keys(result.after).length > 0 || result.passwordChanged) {
          recordAudit(tx as Db, actor(request), 'customer.edit', `customer:${customer.id}`, { username: customer.username, before: result.before, after: result.after, passwordChanged: result.passwordChanged }, at);
        }
        return result;
      }, { behavior: 'immediate' });
      const changed = Object.keys(edit.after).length > 0 || edit.passwordChanged;
      request.log.info({ staff: screens.sessionOf(request).staff.username, customer: customer.username, fields: Object.keys(edit.after) }, 'customer edited');
      return reply.redirect(`${customerUrl(customer.username)}?done=${changed ? 'saved' : 'unchanged'}`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      const field = fieldOf(err, l);
      if (!field) throw err;
      return refuse(err.code.includes('DUPLICATE') ? 409 : 400, field);
    }
  });
}
