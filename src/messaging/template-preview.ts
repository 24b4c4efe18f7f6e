import { formatMoney, mainCurrency } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import type { Language } from '../db/schema/billing.js';
import { getSetting } from '../settings/index.js';
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
    expiry: '8 Feb 2026, 15:00',
    price: money(150_000),
    invoice: 'INV-2026-0042',
    balance: money(50_000),
    due: '1 Mar 2026',
    amount: money(150_000),
    receipt: 'RCP-2026-0042',
    method: 'M-Pesa',
    reference: 'QFH2XY7Z9K',
    wallet: money(0),
    password: 'k7m2p9',
    ssid: getSetting(db, 'hotspot.ssid') ?? 'Lango WiFi',
  };
}
