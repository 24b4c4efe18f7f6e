import { formatMoney, mainCurrency } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import type { Language } from '../db/schema/billing.js';
import { getSetting } from '../settings/index.js';
import { formatDay, formatMethod, formatMoment } from './message-format.js';
import { countSmsParts, preferGsm7, type SmsParts } from './segments.js';
import { checkTemplateBody, fillPlaceholders, operatorValues, type TemplateKey, type TemplateValues } from './templates.js';

/**
 * A text as a customer would receive it, filled with made-up values, before staff save it: the
 * same checks as setTemplate (unknown placeholders refused), the same filling as the sender.
 */
export function previewTemplate(db: Db, key: TemplateKey, language: Language, body: string): { text: string; parts: SmsParts } {
  const checked = checkTemplateBody(key, body);
  const text = preferGsm7(fillPlaceholders(checked, { ...sampleValues(db, language), ...operatorValues(db) }).trim());
  return { text, parts: countSmsParts(text) };
}

function sampleValues(db: Db, language: Language): TemplateValues {
  const currency = mainCurrency(db);
  const locale = language === 'ar' ? 'ar-u-nu-latn' : 'en';
  const money = (minor: number) => formatMoney(minor, currency, locale);
  return {
    name: language === 'ar' ? 'أمينة' : 'Amina Odhiambo',
    username: 'amina',
    plan: 'Home 10M',
    // Dates as the sender writes them in this language (src/messaging/message-format.ts).
    expiry: formatMoment(Date.UTC(2026, 1, 8, 15, 0), 'UTC', language),
    price: money(150_000),
    invoice: 'INV-2026-0042',
    balance: money(50_000),
    due: formatDay(Date.UTC(2026, 2, 1, 12, 0), 'UTC', language),
    amount: money(150_000),
    receipt: 'RCP-2026-0042',
    method: formatMethod('mpesa', language),
    reference: 'QFH2XY7Z9K',
    wallet: money(0),
    password: 'k7m2p9',
    ssid: getSetting(db, 'hotspot.ssid') ?? 'Lango WiFi',
  };
}
