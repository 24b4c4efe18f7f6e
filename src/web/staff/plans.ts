import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveAttributes, type AaaAttributes } from '../../aaa/attributes.js';
import { previewReply, type PreviewCase } from '../../aaa/reply-preview.js';
import { addPlan, currencies, customersOnPlans, listPlansPage, editPlan, findPlanById, formatMoney, isCurrency, listPlans, listTaxClasses, minorDigits, parseDataSize, parseDuration, parseMoney, parseMonths, type Plan, type PlanInput } from '../../billing/index.js';
import { configSchema } from '../../config.js';
import type { Currency } from '../../db/schema/billing.js';
import type { Db } from '../../db/connection.js';
import { errorMessage, LangoError } from '../../errors.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { defaultDictionaryPath, loadDictionary, type Dictionary } from '../../radius/dictionary.js';
import { can, recordAudit } from '../../staff/index.js';
import { formatClock, parseClock } from '../../aaa/policy/time-window.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, escapeHtml, flash, formatTime, ltr, numberLocale, one, pager, paging, table, text } from './ui.js';

// Issue 7's plan screens: the list, a plan's page with the reply a router would get (from the
// same policy and reply code as a real Access-Request), and the add / change form taking every
// field `lango plan add` takes. Same domain calls as the CLI (addPlan, editPlan); every change
// is audit-logged with the fields before and after. Plans are never deleted here: customers,
// invoices and vouchers refer to them, and the model has no retired state.

const ID = /^\d{1,9}$/;
const TIER_ROWS_MIN = 3;
const TIER_ROWS_MAX = 10;
const ROUTER_OBJECT = /^[A-Za-z0-9_.-]{1,64}$/;

/** The form as typed: every value a string, kept as is for a page shown again after an error. */
type PlanForm = Record<string, string>;

const CHOICES = {
  billingKind: ['prepaid', 'postpaid'],
  starts: ['purchase', 'first_login'],
  dataCounts: ['total', 'download'],
  cycle: ['', 'daily', 'weekly', 'monthly', 'quarterly'],
} as const;

// The dictionary the daemon answers with (the same files), read once, on the first preview.
let radius: { dictionary: Dictionary; attributes: AaaAttributes } | undefined;
function radiusDictionary(): { dictionary: Dictionary; attributes: AaaAttributes } {
  if (!radius) {
    const dictionary = loadDictionary(defaultDictionaryPath());
    radius = { dictionary, attributes: resolveAttributes(dictionary) };
  }
  return radius;
}

const DEFAULT_INTERIM = configSchema.shape.LANGO_INTERIM_INTERVAL.parse(undefined) as number;

/** Bytes as the decimal units plans are sold in ("10GB", "1.5GB", "500MB"), readable back by parseDataSize. */
export function formatDataSize(bytes: number): string {
  for (const [unit, size] of [['TB', 1e12], ['GB', 1e9], ['MB', 1e6], ['KB', 1e3]] as const) {
    const value = bytes / size;
    if (value >= 1 && Math.abs(Math.round(value * 1000) - value * 1000) < 1e-6) return `${Math.round(value * 1000) / 1000}${unit}`;
  }
  return `${bytes}B`;
}

/** Seconds in the largest unit that divides them ("30d", "90m"), readable back by parseDuration. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

function priceText(minor: number, currency: Currency): string {
  const digits = minorDigits(currency);
  return digits === 0 ? String(minor) : (minor / 10 ** digits).toFixed(digits);
}

function formOf(plan: Plan): PlanForm {
  const form: PlanForm = {
    name: plan.name,
    price: priceText(plan.priceMinor, plan.currency),
    currency: plan.currency,
    billingKind: plan.billingKind,
    cycle: plan.billingKind === 'postpaid' ? (plan.cycle ?? '') : '',
    validity: plan.validityMonths ? `${plan.validityMonths}month` : plan.durationSeconds ? formatDuration(plan.durationSeconds) : '',
    starts: plan.validityStarts,
    rate: plan.rateLimit ?? '',
    data: plan.dataBytes === null ? '' : formatDataSize(plan.dataBytes),
    dataCounts: plan.dataCounts,
    time: plan.timeAllowanceSeconds === null ? '' : formatDuration(plan.timeAllowanceSeconds),
    shared: String(plan.sharedUsers),
    idle: plan.idleTimeoutSeconds === null ? '' : formatDuration(plan.idleTimeoutSeconds),
    interim: plan.interimIntervalSeconds === null ? '' : formatDuration(plan.interimIntervalSeconds),
    windowFrom: plan.windowStartMinute === null ? '' : formatClock(plan.windowStartMinute),
    windowTo: plan.windowEndMinute === null ? '' : formatClock(plan.windowEndMinute),
    pool: plan.ipPool ?? '',
    addressList: plan.addressList ?? '',
    taxClass: plan.taxClass ?? '',
    overage: plan.overagePerGbMinor === null ? '' : priceText(plan.overagePerGbMinor, plan.currency),
    gracePlan: plan.gracePlanId === null ? '' : String(plan.gracePlanId),
  };
  plan.fupTiers.forEach((tier, i) => {
    form[`tierAfter${i}`] = formatDataSize(tier.afterBytes);
    form[`tierRate${i}`] = tier.rateLimit;
  });
  return form;
}

const FIELDS = ['name', 'price', 'currency', 'billingKind', 'cycle', 'validity', 'starts', 'rate', 'data', 'dataCounts', 'time', 'shared', 'idle', 'interim', 'windowFrom', 'windowTo', 'pool', 'addressList', 'taxClass', 'overage', 'gracePlan'];

function readForm(body: Record<string, unknown>): PlanForm {
  const form: PlanForm = {};
  for (const name of FIELDS) form[name] = (one(body[name]) ?? '').trim().slice(0, 200);
  for (let i = 0; i < TIER_ROWS_MAX; i++) {
    const after = (one(body[`tierAfter${i}`]) ?? '').trim().slice(0, 32);
    const rate = (one(body[`tierRate${i}`]) ?? '').trim().slice(0, 64);
    if (after !== '' || rate !== '') {
      form[`tierAfter${i}`] = after;
      form[`tierRate${i}`] = rate;
    }
  }
  return form;
}

const tierCount = (form: PlanForm) => {
  let last = -1;
  for (let i = 0; i < TIER_ROWS_MAX; i++) if (form[`tierAfter${i}`] !== undefined) last = i;
  return last + 1;
};

/**
 * The typed form as a plan, field by field, each mistake said in words (the first one wins, as
 * the page shows one message); the rules that span fields (tiers before the allowance, a cycle
 * only for postpaid) are left to validatePlan, as for the CLI.
 */
function parseForm(db: Db, form: PlanForm, self: number | null, l: Language): { input: PlanInput } | { error: string } {
  const e = (key: string, values: Record<string, unknown> = {}) => ({ error: `${t(`staff.plans.errors.${key}` as MessageKey, values, l)} ${t('staff.plans.errors.nothingSaved', {}, l)}` });
  const label = (key: string) => t(`staff.plans.form.${key}` as MessageKey, {}, l);
  const v = (name: string) => form[name] ?? '';
  if (v('name') === '' || v('name').length > 64) return e('name');
  if (!isCurrency(v('currency'))) return e('currency');
  const currency: Currency = v('currency') as Currency;
  for (const [field, allowed] of Object.entries(CHOICES)) if (!(allowed as readonly string[]).includes(v(field))) return e('choice', { field: label(field) });
  const money = (text: string) => {
    try {
      return parseMoney(text, currency);
    } catch {
      return undefined;
    }
  };
  const priceMinor = money(v('price'));
  if (priceMinor === undefined) return e('price', { value: v('price'), currency });
  const duration = (name: string): number | null | undefined => {
    if (v(name) === '') return null;
    try {
      return parseDuration(v(name));
    } catch {
      return undefined;
    }
  };
  let durationSeconds: number | null = null;
  let validityMonths: number | null = null;
  if (v('validity') !== '') {
    const months = parseMonths(v('validity'));
    if (months !== undefined) validityMonths = months;
    else {
      const seconds = duration('validity');
      if (seconds === undefined) return e('validity', { value: v('validity') });
      durationSeconds = seconds;
    }
  }
  const size = (text: string): number | undefined => {
    try {
      return parseDataSize(text);
    } catch {
      return undefined;
    }
  };
  let dataBytes: number | null = null;
  if (v('data') !== '') {
    const bytes = size(v('data'));
    if (bytes === undefined) return e('size', { value: v('data') });
    dataBytes = bytes;
  }
  const fupTiers: Array<{ afterBytes: number; rateLimit: string }> = [];
  for (let i = 0; i < tierCount(form); i++) {
    const after = v(`tierAfter${i}`);
    const rate = v(`tierRate${i}`);
    if (after === '' && rate === '') continue;
    if (after === '' || rate === '') return e('tierRow', { n: i + 1 });
    const bytes = size(after);
    if (bytes === undefined) return e('size', { value: after });
    fupTiers.push({ afterBytes: bytes, rateLimit: rate });
  }
  const seconds: Record<string, number | null> = {};
  for (const name of ['time', 'idle', 'interim']) {
    const value = duration(name);
    if (value === undefined) return e('duration', { value: v(name), field: label(name) });
    seconds[name] = value;
  }
  if (!/^\d{1,3}$/.test(v('shared')) || Number(v('shared')) < 1 || Number(v('shared')) > 100) return e('shared');
  const from = v('windowFrom') === '' ? null : parseClock(v('windowFrom'));
  const to = v('windowTo') === '' ? null : parseClock(v('windowTo'));
  if (from === undefined || to === undefined || (from === null) !== (to === null)) return e('window');
  for (const name of ['pool', 'addressList']) if (v(name) !== '' && !ROUTER_OBJECT.test(v(name))) return e('routerName', { value: v(name) });
  if (v('taxClass') !== '' && !listTaxClasses(db).some((c) => c.code === v('taxClass'))) return e('taxClass');
  let overagePerGbMinor: number | null = null;
  if (v('overage') !== '') {
    const minor = money(v('overage'));
    if (minor === undefined || minor === 0) return e('overage', { value: v('overage'), currency });
    overagePerGbMinor = minor;
  }
  let gracePlanId: number | null = null;
  if (v('gracePlan') !== '') {
    const grace = ID.test(v('gracePlan')) ? findPlanById(db, Number(v('gracePlan'))) : undefined;
    if (!grace || grace.id === self) return e('gracePlan');
    gracePlanId = grace.id;
  }
  return {
    input: {
      name: v('name'),
      priceMinor,
      currency,
      billingKind: v('billingKind') as 'prepaid' | 'postpaid',
      durationSeconds,
      validityMonths,
      validityStarts: v('starts') as 'purchase' | 'first_login',
      timeAllowanceSeconds: seconds.time ?? null,
      rateLimit: v('rate') === '' ? null : v('rate'),
      dataBytes,
      dataCounts: v('dataCounts') as 'total' | 'download',
      fupTiers,
      sharedUsers: Number(v('shared')),
      idleTimeoutSeconds: seconds.idle ?? null,
      interimIntervalSeconds: seconds.interim ?? null,
      windowStartMinute: from,
      windowEndMinute: to,
      addressList: v('addressList') === '' ? null : v('addressList'),
      ipPool: v('pool') === '' ? null : v('pool'),
      cycle: v('cycle') === '' ? null : (v('cycle') as 'daily' | 'weekly' | 'monthly' | 'quarterly'),
      taxClass: v('taxClass') === '' ? null : v('taxClass'),
      overagePerGbMinor,
      gracePlanId,
    },
  };
}

/** A refusal from validatePlan (the rules across fields), in the page's words. */
function refusalText(err: LangoError, l: Language): string {
  const key: Partial<Record<string, string>> = {
    INPUT_BAD_NAME: 'name',
    INPUT_DUPLICATE_PLAN_NAME: 'duplicateName',
    INPUT_BAD_RATE: 'rate',
    INPUT_BAD_TIERS: 'tiers',
    INPUT_BAD_WINDOW: 'window',
    INPUT_BAD_COUNT: 'shared',
    INPUT_BAD_ROUTER_NAME: 'routerName',
    INPUT_BAD_DATA_SIZE: 'size',
    INPUT_BAD_MONEY: 'price',
    INPUT_UNKNOWN_PLAN: 'gracePlan',
    INPUT_UNKNOWN_TAX_CLASS: 'taxClass',
  };
  let name = key[err.code];
  if (err.code === 'INPUT_BAD_DURATION') name = err.values.option === 'interimIntervalSeconds' ? 'interim' : 'validity';
  if (err.code === 'INPUT_BAD_CHOICE') name = err.values.option === 'cycle' ? 'cycle' : undefined;
  const message = name ? t(`staff.plans.errors.${name}` as MessageKey, err.values, l) : errorMessage(err.code, l, err.values);
  return `${message} ${t('staff.plans.errors.nothingSaved', {}, l)}`;
}

/** The fields that differ, before and after (money as minor units), for the audit log. */
function changedFields(before: Plan, after: Plan): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const out = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const key of Object.keys(after) as Array<keyof Plan>) {
    if (key === 'id' || key === 'createdAt') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      out.before[key] = before[key];
      out.after[key] = after[key];
    }
  }
  return out;
}

export function registerPlanRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const planUrl = (id: number) => `${prefix}/plans/${id}`;
  const actor = (request: FastifyRequest) => `staff:${screens.sessionOf(request).staff.username}`;

  /** HTML: durations, sizes and speeds keep their left-to-right order inside Arabic text. */
  const validityText = (p: Plan, l: Language) => {
    const parts = [p.validityMonths ? text('staff.plans.validity.months', l, { count: p.validityMonths }) : p.durationSeconds ? ltr(formatDuration(p.durationSeconds)) : text('staff.plans.validity.none', l)];
    if (p.validityStarts === 'first_login') parts.push(text('staff.plans.validity.firstLogin', l));
    parts.push(text(`staff.plans.kinds.${p.billingKind}`, l));
    if (p.billingKind === 'postpaid' && p.cycle) parts.push(text('staff.plans.validity.cycle', l, { cycle: t(`staff.plans.cycles.${p.cycle}`, {}, l) }));
    return parts.join(l === 'ar' ? '، ' : ', ');
  };
  const tiersText = (p: Plan, l: Language) =>
    p.fupTiers.length === 0
      ? text('staff.plans.noTiers', l)
      : p.fupTiers.map((tier) => text('staff.plans.tier', l, { size: '{SIZE}', rate: '{RATE}' }).replace('{SIZE}', ltr(formatDataSize(tier.afterBytes))).replace('{RATE}', ltr(tier.rateLimit))).join('<br>');
  const dataText = (p: Plan, l: Language) => (p.dataBytes === null ? text('staff.plans.unlimited', l) : `${ltr(formatDataSize(p.dataBytes))} (${text(`staff.plans.counts.${p.dataCounts}`, l)})`);
  const money = (minor: number, currency: Currency, l: Language) => ltr(formatMoney(minor, currency, numberLocale(l)));

  app.get<{ Querystring: Record<string, unknown> }>('/plans', { config: { staffAction: 'plans.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = (one(request.query.q) ?? '').trim().slice(0, 64);
    const kindRaw = one(request.query.kind);
    const kind = kindRaw === 'prepaid' || kindRaw === 'postpaid' ? kindRaw : undefined;
    const page = paging(request.query, 50);
    const found = listPlansPage(db, { query: q, billingKind: kind, offset: page.offset, limit: page.perPage + 1 });
    const shown = found.slice(0, page.perPage);
    const inUse = customersOnPlans(db, shown.map((p) => p.id));
    const head = (['name', 'price', 'validity', 'speed', 'data', 'time', 'fup', 'status'] as const).map((k) => text(`staff.plans.cols.${k}`, l));
    const rows = shown.map((p) => {
      const count = inUse.get(p.id) ?? 0;
      return [
        `<a href="${planUrl(p.id)}">${escapeHtml(p.name)}</a>`,
        money(p.priceMinor, p.currency, l),
        validityText(p, l),
        p.rateLimit ? ltr(p.rateLimit) : text('staff.plans.routerDefault', l),
        dataText(p, l),
        p.timeAllowanceSeconds === null ? text('staff.plans.unlimited', l) : ltr(formatDuration(p.timeAllowanceSeconds)),
        tiersText(p, l),
        count > 0 ? text('staff.plans.inUse', l, { count }) : text('staff.plans.notInUse', l),
      ];
    });
    const option = (value: string, label: string) => `<option value="${value}"${(kind ?? '') === value ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    const filters = `<form method="get" action="${prefix}/plans" class="filters" role="search">
<label for="q">${text('staff.plans.filters.query', l)}</label><input id="q" name="q" type="search" maxlength="64" autocomplete="off" value="${escapeHtml(q)}">
<label for="kind">${text('staff.plans.filters.kind', l)}</label><select id="kind" name="kind">${option('', t('staff.plans.filters.any', {}, l))}${option('prepaid', t('staff.plans.kinds.prepaid', {}, l))}${option('postpaid', t('staff.plans.kinds.postpaid', {}, l))}</select>
<button type="submit">${text('staff.plans.filters.button', l)}</button></form>`;
    const add = can(session.staff.role, 'plans.edit') ? `<p><a href="${prefix}/plans/new">${text('staff.plans.add', l)}</a></p>` : '';
    const list = shown.length === 0 ? `<p role="status">${text('staff.plans.none', l)}</p>` : table('plans', head, rows);
    const body = `${add}${filters}${list}${pager({ language: l, path: `${prefix}/plans`, filters: { q, kind }, paging: page, more: found.length > page.perPage })}`;
    return screens.html(reply, 200, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.plans.heading', {}, l), body, current: '/plans' }));
  });

  const showForm = (request: FastifyRequest, reply: FastifyReply, status: number, input: { plan?: Plan; form: PlanForm; error?: string }) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const f = input.form;
    const v = (name: string) => escapeHtml(f[name] ?? '');
    const label = (key: string) => text(`staff.plans.form.${key}` as MessageKey, l);
    const hint = (id: string, key: string) => `<small id="${id}-hint">${label(key)}</small>`;
    const field = (name: string, extra = '', hintKey?: string) =>
      `<label for="${name}">${label(name)}</label><input id="${name}" name="${name}" value="${v(name)}" autocomplete="off" ${extra}${hintKey ? ` aria-describedby="${name}-hint"` : ''}>${hintKey ? hint(name, hintKey) : ''}`;
    const select = (name: string, options: Array<[string, string]>) =>
      `<label for="${name}">${label(name)}</label><select id="${name}" name="${name}">${options.map(([value, shown]) => `<option value="${escapeHtml(value)}"${(f[name] ?? '') === value ? ' selected' : ''}>${escapeHtml(shown)}</option>`).join('')}</select>`;
    const radios = (name: string, options: Array<[string, string]>) =>
      `<fieldset><legend>${label(name)}</legend>${options.map(([value, key]) => `<label><input type="radio" name="${name}" value="${value}"${(f[name] ?? options[0]![0]) === value ? ' checked' : ''}> ${label(key)}</label>`).join('')}</fieldset>`;
    const rows = Math.min(TIER_ROWS_MAX, Math.max(TIER_ROWS_MIN, tierCount(f) + 1));
    const tiers = Array.from({ length: rows }, (_, i) => {
      const n = i + 1;
      return `<label for="tierAfter${i}">${text('staff.plans.form.tierAfter', l, { n })}</label><input id="tierAfter${i}" name="tierAfter${i}" class="ltr" maxlength="32" autocomplete="off" value="${v(`tierAfter${i}`)}">
<label for="tierRate${i}">${text('staff.plans.form.tierRate', l, { n })}</label><input id="tierRate${i}" name="tierRate${i}" class="ltr" maxlength="64" autocomplete="off" value="${v(`tierRate${i}`)}">`;
    }).join('');
    const others = listPlans(db).filter((p) => p.id !== input.plan?.id);
    const taxes = listTaxClasses(db);
    const action = input.plan ? `${planUrl(input.plan.id)}/edit` : `${prefix}/plans/new`;
    const cycles: Array<[string, string]> = [['', t('staff.plans.form.noCycle', {}, l)], ...(['daily', 'weekly', 'monthly', 'quarterly'] as const).map((c): [string, string] => [c, t(`staff.plans.cycles.${c}`, {}, l)])];
    const body = `${flash({ error: input.error })}<form method="post" action="${action}">${csrfField(session.csrfToken)}
${field('name', 'required maxlength="64"')}
${field('price', 'required maxlength="16" inputmode="decimal" class="ltr"')}
${select('currency', currencies.map((c) => [c, c]))}
${radios('billingKind', [['prepaid', 'prepaid'], ['postpaid', 'postpaid']])}
${select('cycle', cycles)}
${field('validity', 'maxlength="16" class="ltr"', 'validityHint')}
${radios('starts', [['purchase', 'purchase'], ['first_login', 'firstLogin']])}
${field('rate', 'maxlength="64" class="ltr"', 'rateHint')}
${field('data', 'maxlength="16" class="ltr"', 'dataHint')}
<fieldset><legend>${label('dataCounts')}</legend>${(['total', 'download'] as const).map((c) => `<label><input type="radio" name="dataCounts" value="${c}"${(f.dataCounts ?? 'total') === c ? ' checked' : ''}> ${text(`staff.plans.counts.${c}`, l)}</label>`).join('')}</fieldset>
<fieldset id="tiers"><legend>${label('tiers')}</legend><small>${label('tiersHint')}</small>${tiers}</fieldset>
${field('time', 'maxlength="16" class="ltr"', 'timeHint')}
${field('shared', 'required maxlength="3" inputmode="numeric" class="ltr"')}
${field('idle', 'maxlength="16" class="ltr"', 'idleHint')}
${field('interim', 'maxlength="16" class="ltr"', 'interimHint')}
${field('windowFrom', 'maxlength="5" class="ltr" placeholder="22:00"')}
${field('windowTo', 'maxlength="5" class="ltr" placeholder="06:00"', 'windowHint')}
${field('pool', 'maxlength="64" class="ltr"')}
${field('addressList', 'maxlength="64" class="ltr"', 'routerNameHint')}
${select('taxClass', [['', t('staff.plans.form.defaultTax', {}, l)], ...taxes.map((c): [string, string] => [c.code, `${c.code} · ${c.name}`])])}
${field('overage', 'maxlength="16" inputmode="decimal" class="ltr"', 'overageHint')}
${select('gracePlan', [['', t('staff.plans.form.noGrace', {}, l)], ...others.map((p): [string, string] => [String(p.id), p.name])])}
<button class="main" type="submit">${label('save')}</button></form>
<ul class="links"><li><a href="${input.plan ? planUrl(input.plan.id) : `${prefix}/plans`}">${label('cancel')}</a></li></ul>`;
    const title = input.plan ? t('staff.plans.editHeading', { name: input.plan.name }, l) : t('staff.plans.addHeading', {}, l);
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title, body, current: '/plans' }));
  };

  const blankForm = (): PlanForm => ({ currency: 'KES', billingKind: 'prepaid', starts: 'purchase', dataCounts: 'total', shared: '1', cycle: '' });

  app.get('/plans/new', { config: { staffAction: 'plans.edit' } }, async (request, reply) => showForm(request, reply, 200, { form: blankForm() }));

  app.post('/plans/new', { config: { staffAction: 'plans.edit' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const form = { ...blankForm(), ...readForm((request.body ?? {}) as Record<string, unknown>) };
    const parsed = parseForm(db, form, null, l);
    if ('error' in parsed) return showForm(request, reply, 400, { form, error: parsed.error });
    try {
      const at = screens.now();
      const plan = db.transaction((tx) => {
        const added = addPlan(tx as Db, parsed.input);
        const { id: _id, createdAt: _at, ...after } = added;
        recordAudit(tx as Db, actor(request), 'plan.add', `plan:${added.id}`, { name: added.name, before: null, after }, at);
        return added;
      }, { behavior: 'immediate' });
      request.log.info({ staff: screens.sessionOf(request).staff.username, plan: plan.id }, 'plan added');
      return reply.redirect(`${planUrl(plan.id)}?done=added`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return showForm(request, reply, 400, { form, error: refusalText(err, l) });
    }
  });

  const planOr404 = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const plan = ID.test(request.params.id) ? findPlanById(db, Number(request.params.id)) : undefined;
    if (!plan) screens.message(request, reply, 404, t('staff.plans.unknown', {}, screens.languageOf(request)));
    return plan;
  };

  app.get<{ Params: { id: string } }>('/plans/:id/edit', { config: { staffAction: 'plans.edit' } }, async (request, reply) => {
    const plan = planOr404(request, reply);
    if (!plan) return reply;
    return showForm(request, reply, 200, { plan, form: formOf(plan) });
  });

  app.post<{ Params: { id: string } }>('/plans/:id/edit', { config: { staffAction: 'plans.edit' } }, async (request, reply) => {
    const plan = planOr404(request, reply);
    if (!plan) return reply;
    const l = screens.languageOf(request);
    const form = { ...blankForm(), ...readForm((request.body ?? {}) as Record<string, unknown>) };
    const parsed = parseForm(db, form, plan.id, l);
    if ('error' in parsed) return showForm(request, reply, 400, { plan, form, error: parsed.error });
    try {
      const at = screens.now();
      db.transaction((tx) => {
        const before = findPlanById(tx as Db, plan.id)!;
        const after = editPlan(tx as Db, before.name, parsed.input);
        const changes = changedFields(before, after);
        // Saving an unchanged form changes nothing, so there is nothing to record.
        if (Object.keys(changes.after).length > 0) recordAudit(tx as Db, actor(request), 'plan.edit', `plan:${plan.id}`, { name: after.name, ...changes }, at);
      }, { behavior: 'immediate' });
      request.log.info({ staff: screens.sessionOf(request).staff.username, plan: plan.id }, 'plan changed');
      return reply.redirect(`${planUrl(plan.id)}?done=saved`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return showForm(request, reply, 400, { plan, form, error: refusalText(err, l) });
    }
  });

  const previewHtml = (plan: Plan, l: Language): string => {
    const now = screens.now();
    let cases: PreviewCase[];
    try {
      const { dictionary, attributes } = radiusDictionary();
      cases = previewReply(plan, { now, zone: screens.zone, defaultInterimSeconds: screens.services.interimSeconds ?? DEFAULT_INTERIM, attributes, dictionary });
    } catch (err) {
      return `<p class="error" role="alert">${text('staff.plans.preview.unavailable', l, { reason: (err as Error).message })}</p>`;
    }
    const head = [text('staff.plans.preview.attribute', l), text('staff.plans.preview.value', l)];
    return cases
      .map((c, i) => {
        const heading = c.tier === null ? t('staff.plans.preview.fresh', {}, l) : t('staff.plans.preview.pastTier', { size: formatDataSize(c.usedBytes), n: c.tier + 1 }, l);
        const when = text(c.at === now ? 'staff.plans.preview.asAt' : 'staff.plans.preview.atHoursStart', l, { time: '{TIME}' }).replace('{TIME}', ltr(formatTime(c.at, screens.zone)));
        const outcome =
          c.outcome.kind === 'reject'
            ? `<p class="warn">${text('staff.plans.preview.rejected', l, { message: errorMessage(c.outcome.reason, l, c.outcome.values ?? {}) })}</p>`
            : table(
                `preview-${i}`,
                head,
                c.outcome.rows.map((row) => [
                  `<span class="mono ltr">${escapeHtml(row.name)}</span>`,
                  `<span class="mono ltr">${escapeHtml(row.value)}</span>${row.name === 'Acct-Interim-Interval' && plan.interimIntervalSeconds === null ? ` ${text('staff.plans.preview.daemonDefault', l)}` : ''}`,
                ]),
                heading,
              );
        return `<h3>${escapeHtml(heading)}</h3><p>${when}</p>${outcome}`;
      })
      .join('');
  };

  /** The plan's other settings, those it sets only (the preview shows what they make of the reply). */
  const extraRows = (plan: Plan, l: Language): string[] => {
    const row = (label: string, value: string) => `<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
    const form = (key: string) => text(`staff.plans.form.${key}` as MessageKey, l);
    const rows = [row(form('shared'), ltr(String(plan.sharedUsers)))];
    if (plan.windowStartMinute !== null && plan.windowEndMinute !== null) rows.push(row(text('staff.plans.cols.hours', l), ltr(`${formatClock(plan.windowStartMinute)}–${formatClock(plan.windowEndMinute)}`)));
    if (plan.idleTimeoutSeconds !== null) rows.push(row(form('idle'), ltr(formatDuration(plan.idleTimeoutSeconds))));
    if (plan.interimIntervalSeconds !== null) rows.push(row(form('interim'), ltr(formatDuration(plan.interimIntervalSeconds))));
    if (plan.ipPool !== null) rows.push(row(form('pool'), ltr(plan.ipPool)));
    if (plan.addressList !== null) rows.push(row(form('addressList'), ltr(plan.addressList)));
    if (plan.taxClass !== null) rows.push(row(form('taxClass'), ltr(plan.taxClass)));
    if (plan.overagePerGbMinor !== null) rows.push(row(form('overage'), money(plan.overagePerGbMinor, plan.currency, l)));
    if (plan.gracePlanId !== null) {
      const grace = findPlanById(db, plan.gracePlanId);
      rows.push(row(form('gracePlan'), grace ? `<a href="${planUrl(grace.id)}">${escapeHtml(grace.name)}</a>` : ltr(String(plan.gracePlanId))));
    }
    return rows;
  };

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/plans/:id', { config: { staffAction: 'plans.view' } }, async (request, reply) => {
    const plan = planOr404(request, reply);
    if (!plan) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const done = one(request.query.done);
    const notice = done === 'added' ? t('staff.plans.added', { name: plan.name }, l) : done === 'saved' ? t('staff.plans.saved', { name: plan.name }, l) : undefined;
    const row = (key: string, value: string) => `<tr><th scope="row">${text(`staff.plans.cols.${key}` as MessageKey, l)}</th><td>${value}</td></tr>`;
    const count = customersOnPlans(db, [plan.id]).get(plan.id) ?? 0;
    const details = `<h2>${text('staff.plans.details', l)}</h2><div class="scroll"><table id="details"><tbody>${[
      row('price', money(plan.priceMinor, plan.currency, l)),
      row('validity', validityText(plan, l)),
      row('speed', plan.rateLimit ? ltr(plan.rateLimit) : text('staff.plans.routerDefault', l)),
      row('data', dataText(plan, l)),
      row('time', plan.timeAllowanceSeconds === null ? text('staff.plans.unlimited', l) : ltr(formatDuration(plan.timeAllowanceSeconds))),
      row('fup', tiersText(plan, l)),
      row('status', count > 0 ? text('staff.plans.inUse', l, { count }) : text('staff.plans.notInUse', l)),
      ...extraRows(plan, l),
    ].join('')}</tbody></table></div>`;
    const edit = can(session.staff.role, 'plans.edit') ? `<p><a href="${planUrl(plan.id)}/edit">${text('staff.plans.change', l)}</a></p>` : '';
    const preview = `<section id="preview"><h2>${text('staff.plans.preview.heading', l)}</h2><p class="hint">${text('staff.plans.preview.intro', l)}</p>${previewHtml(plan, l)}</section>`;
    const body = `${flash({ notice })}${edit}${details}${preview}<p class="hint">${text('staff.plans.noDelete', l)}</p><ul class="links"><li><a href="${prefix}/plans">${text('staff.plans.heading', l)}</a></li></ul>`;
    return screens.html(reply, 200, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: plan.name, body, current: '/plans' }));
  });
}
