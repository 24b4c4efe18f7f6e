import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findTaxClass, listTaxClasses, mainCurrency, minorDigits, parseMoney, saveTaxClass } from '../../billing/index.js';
import type { TaxRule } from '../../billing/tax.js';
import type { Db } from '../../db/connection.js';
import type { Language } from '../../db/schema/billing.js';
import { errorCatalogue, errorMessage, LangoError } from '../../errors.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { configureGateway, describeGateway } from '../../messaging/gateway-config.js';
import { gatewayModules } from '../../messaging/gateways/index.js';
import { callbackToken, callbackUrl, configureProvider, describeProvider, ProviderRegistry, providerModule, providerModules, rotateCallbackToken } from '../../payments/index.js';
import { configFields, readConfigForm, type ConfigField } from '../../settings/config-fields.js';
import { getSetting, setSetting, settingSchemas, type SettingKey } from '../../settings/index.js';
import type { ConfigurableModule } from '../../settings/module-config.js';
import { storageReport } from '../../operations/index.js';
import { recordAudit, type StaffSession } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { confirmBox, confirmed, csrfField, escapeHtml, flash, formatBytes, ltr, numberLocale, one, subNav, table } from './ui.js';

// Issue 7's settings screens (admin only): the operator's details, billing rules, SMS, taxes,
// and the payment providers and SMS gateways. Plain settings are the same keys as `lango
// settings set`; providers and gateways are configured from their own schema as `lango provider
// set` and `lango sms gateway set` do, with secret fields write-only. Every change is audited
// with what it was before and after; a secret is recorded only as "changed".

const statusOf = (err: LangoError) => (errorCatalogue[err.code] as { status?: number }).status ?? 400;
const CODE = /^[A-Za-z0-9_-]{1,32}$/;
const RATE = /^\d{1,3}(\.\d{1,2})?$/;
const RULE_ROWS = 4;

type Kind = 'text' | 'required' | 'int' | 'count' | 'intList' | 'list' | 'choice' | 'colour' | 'time' | 'anchor' | 'money' | 'url';

interface PlainField {
  key: SettingKey;
  /** Its label and hint: staff.settings.fields.<name> and staff.settings.hints.<name>. */
  name: string;
  kind: Kind;
  options?: readonly string[];
}

const COMPANY: readonly PlainField[] = [
  { key: 'operator.name', name: 'operatorName', kind: 'required' },
  { key: 'operator.phone', name: 'operatorPhone', kind: 'text' },
  { key: 'operator.address', name: 'operatorAddress', kind: 'text' },
  { key: 'operator.taxNumber', name: 'operatorTaxNumber', kind: 'text' },
  { key: 'operator.country', name: 'operatorCountry', kind: 'choice', options: ['KE', 'SS', 'UG'] },
  { key: 'operator.timezone', name: 'operatorTimezone', kind: 'text' },
  { key: 'operator.colour', name: 'operatorColour', kind: 'colour' },
  { key: 'hotspot.ssid', name: 'hotspotSsid', kind: 'text' },
  { key: 'hotspot.routerHosts', name: 'hotspotRouterHosts', kind: 'list' },
];

const BILLING: readonly PlainField[] = [
  { key: 'billing.anchor', name: 'billingAnchor', kind: 'anchor' },
  { key: 'billing.dueDays', name: 'billingDueDays', kind: 'int' },
  { key: 'billing.graceDays', name: 'billingGraceDays', kind: 'int' },
  { key: 'billing.reminderDays', name: 'billingReminderDays', kind: 'intList' },
  { key: 'billing.overdueAction', name: 'billingOverdueAction', kind: 'choice', options: ['reject', 'redirect'] },
  { key: 'billing.overdueAddressList', name: 'billingOverdueAddressList', kind: 'text' },
  { key: 'billing.runAt', name: 'billingRunAt', kind: 'time' },
  { key: 'payments.publicUrl', name: 'paymentsPublicUrl', kind: 'url' },
  { key: 'portal.pauseMaxDays', name: 'portalPauseMaxDays', kind: 'int' },
  { key: 'portal.pausesPerYear', name: 'portalPausesPerYear', kind: 'int' },
];

const MESSAGING: readonly PlainField[] = [
  { key: 'messaging.smsGateway', name: 'smsGateway', kind: 'choice', options: Object.keys(gatewayModules) },
  { key: 'messaging.smsPartCostMinor', name: 'smsPartCost', kind: 'money' },
];

// Issue 10: what "Set up this router" writes and how often the daemon polls routers' API.
const ROUTERS: readonly PlainField[] = [
  { key: 'routers.radiusAddress', name: 'routersRadiusAddress', kind: 'text' },
  { key: 'routers.walledGarden', name: 'routersWalledGarden', kind: 'list' },
  { key: 'routers.pollSeconds', name: 'routersPollSeconds', kind: 'int' },
  { key: 'routers.apiTimeoutSeconds', name: 'routersApiTimeoutSeconds', kind: 'int' },
];

// Issue 14: how long the decision trace keeps its rows (src/aaa/decisions.ts pruneDecisions).
const STORAGE: readonly PlainField[] = [
  { key: 'trace.keepDays', name: 'traceKeepDays', kind: 'int' },
  { key: 'trace.keepRows', name: 'traceKeepRows', kind: 'count' },
];

const SECTIONS = { company: COMPANY, billing: BILLING, messaging: MESSAGING, routers: ROUTERS, storage: STORAGE } as const;
type Section = keyof typeof SECTIONS;
const isSection = (value: string): value is Section => Object.hasOwn(SECTIONS, value);

/** Brand names stay as they are in every language; the generic gateways are named in the catalogue. */
const MODULE_NAMES: Record<string, string> = { mpesa: 'M-Pesa', momo: 'MTN MoMo', africastalking: "Africa's Talking" };
/** SMS gateways configured on the page: 'log' writes to the daemon's log and needs nothing. */
const GATEWAYS = ['africastalking', 'http'] as const;

export function registerSettingsRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  // The sealing key the daemon holds (main.ts); absent in bare test builds of the plugin.
  const box = () => screens.services.box;
  const s = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.settings.${key}` as MessageKey, values, l);
  const h = (key: string, l: Language, values: Record<string, unknown> = {}) => escapeHtml(s(key, l, values));
  const actor = (session: StaffSession) => `staff:${session.staff.username}`;
  const moduleName = (name: string, l: Language) => MODULE_NAMES[name] ?? (name === 'http' || name === 'log' ? s(`providers.names.${name}`, l) : name);

  const links = (l: Language, here: string) => {
    const items = [
      { path: '/settings', label: 'general' },
      { path: '/settings/taxes', label: 'taxes.heading' },
      { path: '/settings/providers', label: 'providers.heading' },
      { path: '/settings/storage', label: 'storageHeading' },
    ];
    return subNav(prefix, s('sections', l), items.map((i) => ({ path: i.path, text: s(i.label, l) })), here);
  };

  const page = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, here: string, body: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title, current: '/settings', body: `${links(l, here)}${body}` }));
  };

  // A long URL in a read-only field: it cannot widen a phone's page, and is easy to select and copy.
  const urlField = (id: string, url: string) => `<input id="${id}" class="ltr" readonly value="${escapeHtml(url)}">`;

  // ---------------------------------------------------------------- plain settings

  /** A stored value as the form shows it. */
  function shownValue(field: PlainField): string {
    const value = getSetting(db, field.key) as unknown;
    if (value === null || value === undefined) return '';
    if (field.kind === 'money') {
      const currency = mainCurrency(db);
      return (Number(value) / 10 ** minorDigits(currency)).toFixed(minorDigits(currency));
    }
    if (Array.isArray(value)) return value.join(', ');
    return String(value);
  }

  /** The typed text as the setting's value, or undefined when it cannot be one. */
  function parsed(field: PlainField, text: string): { ok: true; value: unknown } | { ok: false } {
    const trimmed = text.trim();
    let value: unknown;
    switch (field.kind) {
      case 'required':
      case 'text':
      case 'url':
      case 'time':
      case 'colour':
        value = trimmed === '' ? (field.kind === 'required' || field.kind === 'time' ? undefined : null) : trimmed;
        break;
      case 'choice':
        value = trimmed;
        break;
      case 'int':
        value = /^\d{1,4}$/.test(trimmed) ? Number(trimmed) : undefined;
        break;
      case 'count': {
        // Large counts are typed with separators: "1,000,000" or "1 000 000".
        const digits = trimmed.replace(/[,\s]/g, '');
        value = /^\d{1,9}$/.test(digits) ? Number(digits) : undefined;
        break;
      }
      case 'anchor':
        value = trimmed === '' || trimmed === 'anniversary' ? 'anniversary' : /^\d{1,2}$/.test(trimmed) ? Number(trimmed) : undefined;
        break;
      case 'intList': {
        const items = trimmed.split(/[\s,]+/).filter((x) => x !== '');
        value = items.every((x) => /^-?\d{1,3}$/.test(x)) ? items.map(Number) : undefined;
        break;
      }
      case 'list':
        value = trimmed.split(/[\s,]+/).filter((x) => x !== '');
        break;
      case 'money':
        try {
          value = trimmed === '' ? 0 : parseMoney(trimmed, mainCurrency(db));
        } catch {
          value = undefined;
        }
        break;
    }
    if (value === undefined) return { ok: false };
    const check = settingSchemas[field.key].safeParse(value);
    return check.success ? { ok: true, value: check.data } : { ok: false };
  }

  function plainForm(l: Language, session: StaffSession, section: Section, values?: Record<string, string>, error?: string): string {
    const inputs = SECTIONS[section]
      .map((f) => {
        const id = `f-${f.name}`;
        const value = values?.[f.name] ?? shownValue(f);
        const label = `<label for="${id}">${h(`fields.${f.name}`, l)}</label>`;
        const hint = `<small id="${id}-hint">${h(`hints.${f.name}`, l, f.kind === 'money' ? { currency: mainCurrency(db) } : {})}</small>`;
        const described = `aria-describedby="${id}-hint"`;
        if (f.kind === 'anchor') {
          const days = ['anniversary', ...Array.from({ length: 31 }, (_, i) => String(i + 1))];
          return `${label}<select id="${id}" name="${f.name}" ${described}>${days
            .map((d) => `<option value="${d}"${d === value ? ' selected' : ''}>${d === 'anniversary' ? h('options.billingAnchor.anniversary', l) : h('options.billingAnchor.day', l, { day: d })}</option>`)
            .join('')}</select>${hint}`;
        }
        if (f.kind === 'choice') {
          return `${label}<select id="${id}" name="${f.name}" ${described}>${(f.options ?? [])
            .map((o) => `<option value="${escapeHtml(o)}"${o === value ? ' selected' : ''}>${h(`options.${f.name}.${o}`, l)}</option>`)
            .join('')}</select>${hint}`;
        }
        const type = f.kind === 'time' ? 'time' : f.kind === 'url' ? 'url' : 'text';
        const mode = f.kind === 'int' || f.kind === 'count' || f.kind === 'money' ? ' inputmode="decimal"' : '';
        const ltrInput = ['url', 'colour', 'list', 'intList', 'int', 'count', 'money', 'time', 'anchor'].includes(f.kind) || f.key === 'operator.phone' || f.key === 'billing.overdueAddressList' || f.key === 'routers.radiusAddress' ? ' class="ltr"' : '';
        return `${label}<input id="${id}" name="${f.name}" type="${type}"${mode}${ltrInput} maxlength="300" autocomplete="off"${f.kind === 'required' ? ' required' : ''} ${described} value="${escapeHtml(value)}">${hint}`;
      })
      .join('');
    return `<form method="post" action="${prefix}/settings/${section}" id="form-${section}">${csrfField(session.csrfToken)}${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}${inputs}<button type="submit" class="main">${h(`save.${section}`, l)}</button></form>`;
  }

  function generalPage(request: FastifyRequest, reply: FastifyReply, status: number, state: { section?: Section; values?: Record<string, string>; error?: string; notice?: string } = {}) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const form = (section: Section) => plainForm(l, session, section, state.section === section ? state.values : undefined, state.section === section ? state.error : undefined);
    const logo = getSetting(db, 'operator.logo');
    // The logo is a file: uploading needs a multipart parser the staff pages do not carry, so the CLI sets it.
    const logoHtml = `<h3>${h('logo.heading', l)}</h3>${logo ? `<p><img src="${escapeHtml(logo)}" alt="${h('logo.alt', l)}" id="logo"></p>` : `<p>${h('logo.none', l)}</p>`}<p class="hint">${h('logo.how', l)}</p><p><code class="ltr">lango operator logo --file logo.png</code></p>`;
    const currency = mainCurrency(db);
    const readOnly = `<h3>${h('currency.heading', l)}</h3><p id="currency">${h('currency.text', l, { currency })}</p>
<h3>${h('zone.heading', l)}</h3><p id="zone">${h('zone.text', l)} ${ltr(screens.zone)}</p><p class="hint">${h('zone.how', l)}</p><p><code class="ltr">LANGO_TIMEZONE=Africa/Nairobi</code></p>`;
    let dlr = '';
    const sealing = box();
    const base = getSetting(db, 'payments.publicUrl');
    if (sealing && base !== null) dlr = `<label for="dlr-url">${h('dlrUrl', l)}</label>${urlField('dlr-url', `${base.replace(/\/+$/, '')}/cb/${callbackToken(db, sealing, 'sms')}/dlr`)}`;
    const inUse = getSetting(db, 'messaging.smsGateway');
    const waiting =
      inUse !== 'log' && !Object.keys(describeGateway(db, inUse)).some((k) => !gatewayModules[inUse].secretFields.includes(k))
        ? `<p class="warn" id="gateway-not-set-up">${h('gatewayNotSetUp', l, { name: moduleName(inUse, l) })}</p>`
        : '';
    const body = `${flash({ notice: state.notice })}
<section aria-labelledby="company"><h2 id="company">${h('company', l)}</h2>${form('company')}${logoHtml}</section>
<section aria-labelledby="billing"><h2 id="billing">${h('billing', l)}</h2>${form('billing')}${readOnly}</section>
<section aria-labelledby="messaging"><h2 id="messaging">${h('messaging', l)}</h2>${waiting}${form('messaging')}${dlr}<p><a href="${prefix}/settings/providers#gateways">${h('gatewaysLink', l)}</a></p></section>
<section aria-labelledby="routers"><h2 id="routers">${h('routers', l)}</h2>${form('routers')}</section>
<section aria-labelledby="storage"><h2 id="storage">${h('storage', l)}</h2>${form('storage')}<p><a href="${prefix}/settings/storage">${h('storageLink', l)}</a></p></section>`;
    return page(request, reply, status, s('heading', l), '/settings', body);
  }

  app.get('/settings', { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const saved = one((request.query as Record<string, unknown>).saved) ?? '';
    return generalPage(request, reply, 200, isSection(saved) ? { notice: s('saved', l, { section: s(saved, l) }) } : {});
  });

  // The storage report (`lango storage`): rows and bytes of the tables that grow. Counted on
  // request only, in a child process in the daemon (seconds on a large database), so it has a
  // page of its own rather than a section of the settings page.
  app.get('/settings/storage', { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const report = screens.services.storageReport ? await screens.services.storageReport() : storageReport(db);
    const tr = (key: string, values: Record<string, unknown> = {}) => escapeHtml(t(`trace.storage.${key}` as MessageKey, values, l));
    const size = (bytes: number | null) => (bytes === null ? tr('unknownSize') : ltr(formatBytes(bytes)));
    const count = (n: number) => ltr(n.toLocaleString(numberLocale(l)));
    const body = `${table('storage', [tr('table'), tr('rows'), tr('size')], report.tables.map((row) => [ltr(row.table), count(row.rows), size(row.bytes)]))}
<p id="storage-total">${tr('total', { size: report.databaseBytes === null ? t('trace.storage.unknownSize', {}, l) : formatBytes(report.databaseBytes) })}</p>
<p id="trace-retention">${tr('retention', { days: report.trace.keepDays, rows: report.trace.keepRows.toLocaleString(numberLocale(l)) })}</p>
<p><a href="${prefix}/settings#storage">${h('storage', l)}</a></p>`;
    return page(request, reply, 200, s('storageHeading', l), '/settings/storage', body);
  });

  app.post<{ Params: { section: string } }>('/settings/:section', { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const session = screens.sessionOf(request);
    const section = request.params.section;
    if (!isSection(section)) return screens.message(request, reply, 404, t('staff.web.notFound', {}, l));
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values: Record<string, string> = {};
    const changes: Array<{ key: SettingKey; before: unknown; after: unknown }> = [];
    for (const f of SECTIONS[section]) {
      values[f.name] = (one(raw[f.name]) ?? '').slice(0, 1000);
      const result = parsed(f, values[f.name]!);
      if (!result.ok) {
        const error = s('badValue', l, { field: s(`fields.${f.name}`, l), hint: s(`hints.${f.name}`, l, { currency: mainCurrency(db) }) });
        return generalPage(request, reply, 400, { section, values, error });
      }
      const before = getSetting(db, f.key) as unknown;
      if (JSON.stringify(before) !== JSON.stringify(result.value)) changes.push({ key: f.key, before, after: result.value });
    }
    if (changes.length > 0) {
      const at = screens.now();
      db.transaction((tx) => {
        for (const change of changes) setSetting(tx as Db, change.key, change.after, actor(session), at);
        recordAudit(tx as Db, actor(session), 'settings.set', `settings:${section}`, { before: Object.fromEntries(changes.map((c) => [c.key, c.before])), after: Object.fromEntries(changes.map((c) => [c.key, c.after])) }, at);
      }, { behavior: 'immediate' });
      request.log.info({ staff: session.staff.username, settings: changes.map((c) => c.key) }, 'settings changed');
    }
    return reply.redirect(`${prefix}/settings?saved=${section}`, 303);
  });

  // ---------------------------------------------------------------- taxes

  interface TaxValues {
    code: string;
    name: string;
    inclusive: boolean;
    rules: Array<{ code: string; name: string; rate: string; compound: boolean }>;
  }

  const taxValuesOf = (cls: (ReturnType<typeof listTaxClasses>)[number]): TaxValues => ({
    code: cls.code,
    name: cls.name,
    inclusive: cls.inclusive,
    rules: cls.rules.map((r) => ({ code: r.code, name: r.name, rate: String(r.rateBasisPoints / 100), compound: r.compound })),
  });

  function taxForm(l: Language, session: StaffSession, values: TaxValues | undefined, editing: boolean, error?: string): string {
    const v = values ?? { code: '', name: '', inclusive: false, rules: [] };
    const rows = Array.from({ length: Math.max(RULE_ROWS, v.rules.length + 1) }, (_, i) => {
      const r = v.rules[i] ?? { code: '', name: '', rate: '', compound: false };
      return `<fieldset><legend>${h('taxes.rule', l, { n: i + 1 })}</legend>
<label for="rule${i}code">${h('taxes.ruleCode', l)}</label><input id="rule${i}code" name="rule${i}code" class="ltr" maxlength="32" autocomplete="off" value="${escapeHtml(r.code)}">
<label for="rule${i}name">${h('taxes.ruleName', l)}</label><input id="rule${i}name" name="rule${i}name" maxlength="60" autocomplete="off" value="${escapeHtml(r.name)}">
<label for="rule${i}rate">${h('taxes.ruleRate', l)}</label><input id="rule${i}rate" name="rule${i}rate" class="ltr" inputmode="decimal" maxlength="6" autocomplete="off" value="${escapeHtml(r.rate)}">
<label class="check"><input type="checkbox" name="rule${i}compound" value="yes"${r.compound ? ' checked' : ''}> ${h('taxes.ruleCompound', l)}</label></fieldset>`;
    }).join('');
    const code = editing
      ? `<input type="hidden" name="code" value="${escapeHtml(v.code)}"><input type="hidden" name="editing" value="yes"><p>${h('taxes.code', l)}: ${ltr(v.code)}</p>`
      : `<label for="tax-code">${h('taxes.code', l)}</label><input id="tax-code" name="code" class="ltr" required maxlength="32" autocomplete="off" value="${escapeHtml(v.code)}"><small>${h('taxes.codeHint', l)}</small>`;
    return `<form method="post" action="${prefix}/settings/taxes" id="tax-form">${csrfField(session.csrfToken)}${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}${code}
<label for="tax-name">${h('taxes.name', l)}</label><input id="tax-name" name="name" required maxlength="60" autocomplete="off" value="${escapeHtml(v.name)}">
<label class="check"><input type="checkbox" name="inclusive" value="yes"${v.inclusive ? ' checked' : ''}> ${h('taxes.inclusive', l)}</label>
<p class="hint">${h('taxes.rulesHint', l)}</p>${rows}
<button type="submit" class="main">${h(editing ? 'taxes.saveEdit' : 'taxes.add', l)}</button></form>`;
  }

  function taxesPage(request: FastifyRequest, reply: FastifyReply, status: number, state: { values?: TaxValues; error?: string; notice?: string; defaultError?: string } = {}) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const classes = listTaxClasses(db);
    const head = ['code', 'name', 'prices', 'rules'].map((k) => h(`taxes.columns.${k}`, l));
    const rows = classes.map((c) => [
      `<a href="${prefix}/settings/taxes/${encodeURIComponent(c.code)}">${ltr(c.code)}</a>`,
      escapeHtml(c.name),
      h(c.inclusive ? 'taxes.included' : 'taxes.onTop', l),
      escapeHtml(c.rules.map((r) => `${r.name} (${r.rateBasisPoints / 100}%${r.compound ? `, ${s('taxes.compound', l)}` : ''})`).join('; ') || '—'),
    ]);
    const current = getSetting(db, 'billing.defaultTaxClass');
    const defaultForm = `<form method="post" action="${prefix}/settings/taxes/default" id="default-tax">${csrfField(session.csrfToken)}${state.defaultError ? `<p class="error" role="alert">${escapeHtml(state.defaultError)}</p>` : ''}
<label for="default-class">${h('taxes.defaultLabel', l)}</label><select id="default-class" name="code"><option value="">${h('taxes.noTax', l)}</option>${classes
      .map((c) => `<option value="${escapeHtml(c.code)}"${c.code === current ? ' selected' : ''}>${escapeHtml(`${c.code} — ${c.name}`)}</option>`)
      .join('')}</select><small>${h('taxes.defaultHint', l)}</small><button type="submit">${h('taxes.saveDefault', l)}</button></form>`;
    const body = `${flash({ notice: state.notice })}${classes.length === 0 ? `<p>${h('taxes.none', l)}</p>` : table('tax-classes', head, rows)}
<h2>${h('taxes.default', l)}</h2>${defaultForm}<h2>${h('taxes.addHeading', l)}</h2>${taxForm(l, session, state.values, false, state.error)}`;
    return page(request, reply, status, s('taxes.heading', l), '/settings/taxes', body);
  }

  function taxEditPage(request: FastifyRequest, reply: FastifyReply, status: number, values: TaxValues, error?: string) {
    const l = screens.languageOf(request);
    const session = screens.sessionOf(request);
    return page(request, reply, status, s('taxes.editHeading', l, { code: values.code }), '/settings/taxes', taxForm(l, session, values, true, error));
  }

  app.get('/settings/taxes', { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const q = request.query as Record<string, unknown>;
    const saved = one(q.saved);
    const notice = saved && CODE.test(saved) ? s('taxes.saved', l, { code: saved }) : one(q.default) !== undefined ? s('taxes.defaultSaved', l) : undefined;
    return taxesPage(request, reply, 200, notice ? { notice } : {});
  });

  app.get<{ Params: { code: string } }>('/settings/taxes/:code', { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const cls = CODE.test(request.params.code) ? listTaxClasses(db).find((c) => c.code === request.params.code) : undefined;
    if (!cls) return screens.message(request, reply, 404, s('taxes.unknown', l));
    return taxEditPage(request, reply, 200, taxValuesOf(cls));
  });

  app.post('/settings/taxes', { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const session = screens.sessionOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const text = (name: string, max: number) => (one(raw[name]) ?? '').trim().slice(0, max);
    const values: TaxValues = { code: text('code', 32), name: text('name', 60), inclusive: raw.inclusive === 'yes', rules: [] };
    for (let i = 0; i < 10; i++) {
      const rule = { code: text(`rule${i}code`, 32), name: text(`rule${i}name`, 60), rate: text(`rule${i}rate`, 6), compound: raw[`rule${i}compound`] === 'yes' };
      if (rule.code !== '' || rule.name !== '' || rule.rate !== '') values.rules.push(rule);
    }
    const editing = raw.editing === 'yes';
    const refuse = (error: string) => (editing ? taxEditPage(request, reply, 400, values, error) : taxesPage(request, reply, 400, { values, error }));
    if (!CODE.test(values.code)) return refuse(s('taxes.badCode', l));
    if (!editing && findTaxClass(db, values.code)) return refuse(s('taxes.exists', l, { code: values.code }));
    if (values.name === '') return refuse(s('taxes.noName', l));
    const rules: TaxRule[] = [];
    for (const [i, r] of values.rules.entries()) {
      if (!CODE.test(r.code)) return refuse(s('taxes.badRuleCode', l, { n: i + 1 }));
      if (r.name === '') return refuse(s('taxes.noRuleName', l, { n: i + 1 }));
      if (!RATE.test(r.rate) || Number(r.rate) > 100) return refuse(s('taxes.badRate', l, { n: i + 1 }));
      rules.push({ code: r.code, name: r.name, rateBasisPoints: Math.round(Number(r.rate) * 100), compound: r.compound });
    }
    try {
      const at = screens.now();
      db.transaction((tx) => {
        const before = findTaxClass(tx as Db, values.code) ?? null;
        const saved = saveTaxClass(tx as Db, { code: values.code, name: values.name, inclusive: values.inclusive, rules });
        recordAudit(tx as Db, actor(session), 'tax.set', `tax-class:${saved.code}`, { before, after: { ...saved, name: values.name } }, at);
      }, { behavior: 'immediate' });
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return refuse(errorMessage(err.code, l, err.values));
    }
    request.log.info({ staff: session.staff.username, taxClass: values.code }, 'tax class saved');
    return reply.redirect(`${prefix}/settings/taxes?saved=${encodeURIComponent(values.code)}`, 303);
  });

  app.post('/settings/taxes/default', { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const session = screens.sessionOf(request);
    const code = (one((request.body as Record<string, unknown> | undefined)?.code) ?? '').trim();
    if (code !== '' && !listTaxClasses(db).some((c) => c.code === code)) return taxesPage(request, reply, 400, { defaultError: s('taxes.unknown', l) });
    const before = getSetting(db, 'billing.defaultTaxClass');
    const after = code === '' ? null : code;
    if (before !== after) {
      const at = screens.now();
      db.transaction((tx) => {
        setSetting(tx as Db, 'billing.defaultTaxClass', after, actor(session), at);
        recordAudit(tx as Db, actor(session), 'settings.set', 'settings:billing.defaultTaxClass', { before: { 'billing.defaultTaxClass': before }, after: { 'billing.defaultTaxClass': after } }, at);
      }, { behavior: 'immediate' });
    }
    return reply.redirect(`${prefix}/settings/taxes?default=1`, 303);
  });

  // ---------------------------------------------------------------- providers and gateways

  type Kindred = 'providers' | 'gateways';
  const moduleOf = (kind: Kindred, name: string): ConfigurableModule<unknown> | undefined =>
    kind === 'providers' ? (Object.hasOwn(providerModules, name) ? providerModule(name) : undefined) : (GATEWAYS as readonly string[]).includes(name) ? gatewayModules[name as (typeof GATEWAYS)[number]] : undefined;
  const describe = (kind: Kindred, name: string) => (kind === 'providers' ? describeProvider(db, name) : describeGateway(db, name));

  function moduleForm(l: Language, session: StaffSession, kind: Kindred, name: string, module: ConfigurableModule<unknown>, state: { values?: Record<string, string>; error?: string } = {}): string {
    const shown = describe(kind, name);
    const fields = configFields(module);
    const configured = Object.keys(shown).some((k) => !module.secretFields.includes(k));
    const valueOf = (f: ConfigField) => {
      if (state.values && f.name in state.values) return state.values[f.name]!;
      // Nothing stored yet: the default is what applies, so the form starts from it.
      const v = shown[f.name] ?? f.defaultValue;
      return v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
    };
    const id = (f: ConfigField) => `${name}-${f.name}`;
    const inputs = fields
      .filter((f) => f.kind !== 'other')
      .map((f) => {
        const label = `<label for="${id(f)}">${ltr(f.name)}${f.required ? ' *' : ''}</label>`;
        const hint = f.description ? `<small lang="en" dir="ltr">${escapeHtml(f.description)}</small>` : '';
        if (f.secret) {
          const set = shown[f.name] === '(set)';
          return `${label}<input id="${id(f)}" name="${f.name}" type="password" class="ltr" autocomplete="new-password" maxlength="500" value=""><small class="secret-state" id="${id(f)}-state">${h(set ? 'providers.secretSet' : 'providers.secretNotSet', l)}</small>${hint}`;
        }
        if (f.kind === 'boolean') return `<label class="check"><input id="${id(f)}" type="checkbox" name="${f.name}" value="yes"${valueOf(f) === 'true' || valueOf(f) === 'yes' ? ' checked' : ''}> ${ltr(f.name)}</label>${hint}`;
        if (f.kind === 'choice') {
          const value = valueOf(f);
          return `${label}<select id="${id(f)}" name="${f.name}">${f.required ? '' : `<option value="">${h('providers.standard', l)}</option>`}${(f.options ?? [])
            .map((o) => `<option value="${escapeHtml(o)}"${o === value ? ' selected' : ''}>${escapeHtml(o)}</option>`)
            .join('')}</select>${hint}`;
        }
        return `${label}<input id="${id(f)}" name="${f.name}" class="ltr"${f.kind === 'number' ? ' inputmode="numeric"' : ''} maxlength="2000" autocomplete="off" value="${escapeHtml(valueOf(f))}">${hint}`;
      })
      .join('');
    const others = fields.filter((f) => f.kind === 'other');
    const cliCommand = kind === 'providers' ? `lango provider set --provider ${name} --config '{…}'` : `lango sms gateway set --gateway ${name} --config '{…}'`;
    const otherHtml = others.length > 0 ? `<p class="hint">${h('providers.others', l, { fields: others.map((f) => f.name).join(', ') })} <code class="ltr">${escapeHtml(cliCommand)}</code></p>` : '';
    return `<form method="post" action="${prefix}/settings/${kind}/${name}" id="form-${name}">${csrfField(session.csrfToken)}
<p id="${name}-state">${h(configured ? 'providers.configured' : 'providers.notConfigured', l)}</p>${state.error ? `<p class="error" role="alert">${escapeHtml(state.error)}</p>` : ''}<p class="hint">${h('providers.secretsHint', l)}</p>
${inputs}${otherHtml}<button type="submit" class="main">${h('providers.save', l, { name: moduleName(name, l) })}</button></form>`;
  }

  function callbacksOf(l: Language, session: StaffSession, name: string): string {
    const sealing = box();
    if (!sealing) return '';
    let urls: string[] = [];
    let problem: string | undefined;
    try {
      const provider = new ProviderRegistry(db, sealing).get(name);
      if (!provider) return '';
      urls = provider.callbacks.map((route) => callbackUrl(db, sealing, provider, route.path));
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      problem = errorMessage(err.code, l, err.values);
    }
    const list = problem ? `<p class="warn">${escapeHtml(problem)}</p>` : `<div id="${name}-callbacks">${urls.map((u, i) => `<label for="${name}-callback-${i}" class="visually-hidden">${h('providers.callbacks', l)} ${i + 1}</label>${urlField(`${name}-callback-${i}`, u)}`).join('')}</div>`;
    const rotate = `<form method="post" action="${prefix}/settings/providers/${name}/rotate-token">${csrfField(session.csrfToken)}${confirmBox(l, s('providers.rotateWhat', l))}<button type="submit" class="small danger">${h('providers.rotate', l)}</button></form>`;
    return `<h3>${h('providers.callbacks', l)}</h3><p class="hint">${h('providers.callbacksHint', l)}</p>${list}${problem ? '' : rotate}`;
  }

  function providersPage(request: FastifyRequest, reply: FastifyReply, status: number, state: { name?: string; values?: Record<string, string>; error?: string; notice?: string } = {}) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const mine = (name: string) => (state.name === name ? { ...(state.values && { values: state.values }), ...(state.error && { error: state.error }) } : {});
    const noBox = box() ? '' : `<p class="warn" role="alert">${h('providers.noBox', l)}</p>`;
    // One folded section per module keeps the page short on a phone; the one just saved or refused opens.
    const fold = (name: string, configured: boolean, inner: string) =>
      `<details id="d-${name}"${state.name === name || one((request.query as Record<string, unknown>).saved) === name ? ' open' : ''}><summary><b>${escapeHtml(moduleName(name, l))}</b> — ${h(configured ? 'providers.configured' : 'providers.notConfigured', l)}</summary>${inner}</details>`;
    const isConfigured = (shown: Record<string, unknown>, module: ConfigurableModule<unknown>) => Object.keys(shown).some((k) => !module.secretFields.includes(k));
    const providers = Object.keys(providerModules)
      .map((name) => fold(name, isConfigured(describeProvider(db, name), providerModule(name)), `${moduleForm(l, session, 'providers', name, providerModule(name), mine(name))}${callbacksOf(l, session, name)}`))
      .join('');
    const inUse = getSetting(db, 'messaging.smsGateway');
    const gateways = GATEWAYS.map((name) => fold(name, isConfigured(describeGateway(db, name), gatewayModules[name]), `${inUse === name ? `<p>${h('providers.inUse', l)}</p>` : ''}${moduleForm(l, session, 'gateways', name, gatewayModules[name], mine(name))}`)).join('');
    const body = `${flash({ notice: state.notice })}${noBox}<h2>${h('providers.payments', l)}</h2>${providers}<h2 id="gateways">${h('providers.gateways', l)}</h2><p class="hint">${h('providers.gatewayChoice', l, { name: moduleName(inUse, l) })} <a href="${prefix}/settings#messaging">${h('messaging', l)}</a></p>${gateways}`;
    return page(request, reply, status, s('providers.heading', l), '/settings/providers', body);
  }

  app.get('/settings/providers', { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const q = request.query as Record<string, unknown>;
    const saved = one(q.saved) ?? '';
    const rotated = one(q.rotated) ?? '';
    const known = (name: string) => Object.hasOwn(providerModules, name) || (GATEWAYS as readonly string[]).includes(name);
    const notice = known(saved) ? s('providers.saved', l, { name: moduleName(saved, l) }) : known(rotated) ? s('providers.rotated', l, { name: moduleName(rotated, l) }) : undefined;
    return providersPage(request, reply, 200, notice ? { notice } : {});
  });

  for (const kind of ['providers', 'gateways'] as const) {
    app.post<{ Params: { name: string } }>(`/settings/${kind}/:name`, { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
      const l = screens.languageOf(request);
      const session = screens.sessionOf(request);
      const name = request.params.name;
      const module = moduleOf(kind, name);
      if (!module) return screens.message(request, reply, 404, t('staff.web.notFound', {}, l));
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const fields = configFields(module);
      // Typed values come back on an error, secrets never.
      const values = Object.fromEntries(fields.filter((f) => !f.secret && f.kind !== 'other').map((f) => [f.name, (one(raw[f.name]) ?? '').slice(0, 2000)]));
      const refuse = (status: number, error: string) => providersPage(request, reply, status, { name, values, error });
      const sealing = box();
      if (!sealing) return refuse(503, s('providers.noBox', l));
      const before = describe(kind, name);
      const reading = readConfigForm(fields, raw, before);
      if (!reading.ok) return refuse(400, s(`providers.problems.${reading.problem}`, l, { field: reading.field }));
      try {
        const at = screens.now();
        db.transaction((tx) => {
          if (kind === 'providers') configureProvider(tx as Db, sealing, name, reading.fields, actor(session));
          else configureGateway(tx as Db, sealing, name, reading.fields, actor(session));
          const after = kind === 'providers' ? describeProvider(tx as Db, name) : describeGateway(tx as Db, name);
          // Secrets are sealed and never written anywhere else: the audit says only which changed.
          const plain = (shown: Record<string, unknown>) => Object.fromEntries(Object.entries(shown).filter(([k]) => !module.secretFields.includes(k)));
          const secrets = Object.fromEntries(module.secretFields.filter((f) => f in reading.fields).map((f) => [f, 'changed']));
          recordAudit(tx as Db, actor(session), kind === 'providers' ? 'provider.set' : 'sms.gateway.set', `${kind === 'providers' ? 'provider' : 'sms-gateway'}:${name}`, { before: plain(before), after: plain(after), secrets }, at);
        }, { behavior: 'immediate' });
      } catch (err) {
        if (!(err instanceof LangoError)) throw err;
        return refuse(statusOf(err), errorMessage(err.code, l, err.values));
      }
      request.log.info({ staff: session.staff.username, [kind === 'providers' ? 'provider' : 'gateway']: name }, 'module settings changed');
      return reply.redirect(`${prefix}/settings/providers?saved=${name}`, 303);
    });
  }

  app.post<{ Params: { name: string } }>('/settings/providers/:name/rotate-token', { config: { staffAction: 'settings.manage' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const session = screens.sessionOf(request);
    const name = request.params.name;
    if (!Object.hasOwn(providerModules, name)) return screens.message(request, reply, 404, t('staff.web.notFound', {}, l));
    const sealing = box();
    if (!sealing) return providersPage(request, reply, 503, { name, error: s('providers.noBox', l) });
    if (!confirmed(request.body as Record<string, unknown>)) return providersPage(request, reply, 400, { name, error: s('providers.notConfirmed', l) });
    const at = screens.now();
    db.transaction((tx) => {
      rotateCallbackToken(tx as Db, sealing, name, actor(session));
      recordAudit(tx as Db, actor(session), 'provider.rotate-token', `provider:${name}`, { token: 'changed' }, at);
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, provider: name }, 'callback token rotated');
    return reply.redirect(`${prefix}/settings/providers?rotated=${name}`, 303);
  });
}
