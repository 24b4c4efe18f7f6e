import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import type { NotificationKind } from '../db/schema/aaa.js';
import type { Language } from '../db/schema/billing.js';
import { messageTemplates } from '../db/schema/messaging.js';
import { LangoError } from '../errors.js';
import { ar } from '../i18n/ar.js';
import { en } from '../i18n/en.js';
import { languages } from '../i18n/index.js';
import { getSetting } from '../settings/index.js';
import { recordAudit } from '../staff/index.js';

/** One template per notification kind, plus logins sent by SMS and staff's own texts. */
export const templateKeys = [
  'data_80', 'data_100', 'time_100', 'expiry_24h',
  'invoice_issued', 'due_soon', 'due_today', 'overdue', 'suspended', 'reactivated',
  'renewed', 'renewal_failed', 'payment_received', 'payment_failed',
  'credentials', 'custom',
] as const;
export type TemplateKey = (typeof templateKeys)[number];

// A notification kind added to the schema without a template fails the type check here.
const everyKindHasATemplate: [Exclude<NotificationKind, TemplateKey>] extends [never] ? true : false = true;
void everyKindHasATemplate;

/** Values every message can use: who sends it and whom it greets. */
const COMMON = ['operator', 'support', 'name', 'username'] as const;
const PLAN = ['plan'] as const;
const INVOICE = ['invoice', 'balance', 'due'] as const;

/** The placeholders each template may use; an override naming anything else is refused. */
export const templatePlaceholders: Record<TemplateKey, readonly string[]> = {
  data_80: [...COMMON, ...PLAN],
  data_100: [...COMMON, ...PLAN],
  time_100: [...COMMON, ...PLAN],
  expiry_24h: [...COMMON, ...PLAN, 'expiry', 'price'],
  invoice_issued: [...COMMON, ...INVOICE, 'amount'],
  due_soon: [...COMMON, ...INVOICE],
  due_today: [...COMMON, ...INVOICE],
  overdue: [...COMMON, ...INVOICE],
  suspended: [...COMMON, 'balance'],
  reactivated: [...COMMON, ...PLAN],
  renewed: [...COMMON, ...PLAN, 'expiry', 'price'],
  renewal_failed: [...COMMON, ...PLAN, 'price', 'wallet'],
  payment_received: [...COMMON, 'amount', 'receipt', 'method', 'reference', 'balance', 'wallet'],
  payment_failed: [...COMMON],
  credentials: [...COMMON, ...PLAN, 'password', 'ssid'],
  custom: [...COMMON],
};

/** Receipts and logins are re-sent after an unknown outcome: a duplicate beats a lost one. */
export function isCriticalTemplate(key: TemplateKey): boolean {
  return key === 'payment_received' || key === 'credentials';
}

export const MAX_BODY_LENGTH = 1000;
export type TemplateValues = Partial<Record<string, string | number>>;

export interface TemplateView {
  key: TemplateKey;
  language: Language;
  /** What is sent: the operator's text, else the catalogue's. */
  body: string;
  defaultBody: string;
  overridden: boolean;
  placeholders: readonly string[];
  updatedAt: number | null;
  actor: string | null;
}

export function isTemplateKey(key: string): key is TemplateKey {
  return (templateKeys as readonly string[]).includes(key);
}

// The same {{name}} syntax i18next uses, so catalogue texts and overrides read alike.
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Refuses a text that is empty, too long, or names a placeholder the template cannot fill
 * (a typo would otherwise reach customers as a literal "{{nmae}}").
 */
export function checkTemplateBody(key: TemplateKey, body: string): string {
  const text = body.trim();
  if (text.length === 0 || text.length > MAX_BODY_LENGTH) throw new LangoError('INPUT_BAD_MESSAGE', { max: MAX_BODY_LENGTH });
  const allowed = templatePlaceholders[key];
  const refuse = (placeholder: string) => {
    throw new LangoError('INPUT_BAD_PLACEHOLDER', { key, placeholder, allowed: allowed.map((name) => `{{${name}}}`).join(' ') });
  };
  for (const [token, name] of text.matchAll(PLACEHOLDER)) if (!allowed.includes(name!)) refuse(token);
  // Whatever braces are left are not placeholders at all ({{ plan price }}, {{name}, {{- name}}).
  const stray = /\{\{[^}]*\}{0,2}|\}\}/.exec(text.replace(PLACEHOLDER, ''))?.[0];
  if (stray !== undefined) refuse(stray);
  return text;
}

export function fillPlaceholders(body: string, values: TemplateValues): string {
  // One pass: a value that itself contains "{{…}}" (a customer's name) is never expanded.
  return body.replace(PLACEHOLDER, (_, name: string) => String(values[name] ?? ''));
}

function defaultBody(key: TemplateKey, language: Language): string {
  return (language === 'ar' ? ar.sms?.[key] : undefined) ?? en.sms[key];
}

function checkKey(key: string): TemplateKey {
  if (!isTemplateKey(key)) throw new LangoError('INPUT_UNKNOWN_TEMPLATE', { key, allowed: templateKeys.join(', ') });
  return key;
}

function checkLanguage(language: string): Language {
  if (!(languages as readonly string[]).includes(language)) throw new LangoError('INPUT_BAD_CHOICE', { value: language, option: 'language', allowed: languages.join(', ') });
  return language as Language;
}

/** The operator's own wording of one message in one language, audit-logged. */
export function setTemplate(db: Db, key: string, language: string, body: string, actor: string, now = Date.now()): TemplateView {
  const k = checkKey(key);
  const lang = checkLanguage(language);
  const text = checkTemplateBody(k, body);
  db.transaction((tx) => {
    const before = currentOverride(tx as Db, k, lang) ?? defaultBody(k, lang);
    tx.insert(messageTemplates)
      .values({ key: k, language: lang, body: text, updatedAt: now, actor })
      .onConflictDoUpdate({ target: [messageTemplates.key, messageTemplates.language], set: { body: text, updatedAt: now, actor } })
      .run();
    recordAudit(tx as Db, actor, 'sms.template.set', `template:${k}:${lang}`, { body: text, before, after: text }, now);
  }, { behavior: 'immediate' });
  return viewOf(k, lang, { body: text, updatedAt: now, actor });
}

/** Back to the catalogue's wording; false when there was no override. */
export function resetTemplate(db: Db, key: string, language: string, actor: string, now = Date.now()): boolean {
  const k = checkKey(key);
  const lang = checkLanguage(language);
  return db.transaction((tx) => {
    const before = currentOverride(tx as Db, k, lang);
    const removed = tx.delete(messageTemplates).where(and(eq(messageTemplates.key, k), eq(messageTemplates.language, lang))).run().changes > 0;
    if (removed) recordAudit(tx as Db, actor, 'sms.template.reset', `template:${k}:${lang}`, { before, after: defaultBody(k, lang) }, now);
    return removed;
  }, { behavior: 'immediate' });
}

function currentOverride(db: Db, key: TemplateKey, language: Language): string | undefined {
  return db
    .select({ body: messageTemplates.body })
    .from(messageTemplates)
    .where(and(eq(messageTemplates.key, key), eq(messageTemplates.language, language)))
    .get()?.body;
}

export function listTemplates(db: Db): TemplateView[] {
  const overrides = new Map(db.select().from(messageTemplates).all().map((row) => [`${row.key}:${row.language}`, row]));
  return templateKeys.flatMap((key) => languages.map((language) => viewOf(key, language, overrides.get(`${key}:${language}`))));
}

function viewOf(key: TemplateKey, language: Language, override: { body: string; updatedAt: number; actor: string } | undefined): TemplateView {
  const fallback = defaultBody(key, language);
  return {
    key,
    language,
    body: override?.body ?? fallback,
    defaultBody: fallback,
    overridden: override !== undefined,
    placeholders: templatePlaceholders[key],
    updatedAt: override?.updatedAt ?? null,
    actor: override?.actor ?? null,
  };
}

/**
 * Renders one message; {{operator}} and {{support}} come from the operator settings unless
 * given, and placeholders without a value come out empty rather than as "{{x}}".
 */
export function renderTemplate(db: Db, key: string, language: string, values: TemplateValues): string {
  const k = checkKey(key);
  const lang = checkLanguage(language);
  const override = db
    .select({ body: messageTemplates.body })
    .from(messageTemplates)
    .where(and(eq(messageTemplates.key, k), eq(messageTemplates.language, lang)))
    .get();
  return fillPlaceholders(override?.body ?? defaultBody(k, lang), { ...operatorValues(db), ...values });
}

/** The sender's own values, the same in every message. */
export function operatorValues(db: Db): { operator: string; support: string } {
  return { operator: getSetting(db, 'operator.name'), support: getSetting(db, 'operator.phone') ?? '' };
}

/**
 * A renderer with every override read once, for the dispatcher's batches (the table holds at
 * most a few dozen rows).
 */
export function templateRenderer(db: Db): (key: TemplateKey, language: Language, values: TemplateValues) => string {
  const overrides = new Map(db.select().from(messageTemplates).all().map((row) => [`${row.key}:${row.language}`, row.body]));
  return (key, language, values) => fillPlaceholders(overrides.get(`${key}:${language}`) ?? defaultBody(key, language), values);
}
