import { asc, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { formatMoney, type Plan } from '../billing/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { customers, plans, type Currency } from '../db/schema/billing.js';
import { voucherBatches, vouchers } from '../db/schema/hotspot.js';
import { LangoError } from '../errors.js';
import type { Language } from '../i18n/index.js';
import { getSetting } from '../settings/index.js';
import type { CardSheet, VoucherCard } from './cards/index.js';

// A batch as printable cards: the vouchers' own words (plan, price, validity, use-before, the
// password where it is not the code) handed to the card renderer.

/** "1 hour", "7 days", "1 month" in the sheet's language (ICU unit names, so Arabic is right too). */
export function describeValidity(plan: Pick<Plan, 'durationSeconds' | 'validityMonths' | 'timeAllowanceSeconds'>, language: Language): string {
  const unit = (value: number, name: 'minute' | 'hour' | 'day' | 'week' | 'month') => new Intl.NumberFormat(language, { style: 'unit', unit: name, unitDisplay: 'long' }).format(value);
  if (plan.validityMonths) return unit(plan.validityMonths, 'month');
  const seconds = plan.durationSeconds ?? plan.timeAllowanceSeconds;
  if (!seconds) return '';
  if (seconds % 604_800 === 0) return unit(seconds / 604_800, 'week');
  if (seconds % 86_400 === 0) return unit(seconds / 86_400, 'day');
  if (seconds % 3_600 === 0) return unit(seconds / 3_600, 'hour');
  return unit(Math.round(seconds / 60), 'minute');
}

export interface SheetOptions {
  language: Language;
  zone: string;
  ssid: string | null;
  /** QR target with {code} where the code goes, e.g. http://hotspot.lan/login?username={code}; null = no QR. */
  loginUrl: string | null;
}

export function batchSheet(db: Db, box: SecretBox, batchId: number, options: SheetOptions): CardSheet {
  const batch = db.select({ batch: voucherBatches, plan: plans }).from(voucherBatches).innerJoin(plans, eq(plans.id, voucherBatches.planId)).where(eq(voucherBatches.id, batchId)).get();
  if (!batch) throw new LangoError('HOTSPOT_UNKNOWN_BATCH', { batch: String(batchId) });
  const rows = db
    .select({ code: vouchers.code, serial: vouchers.serial, sealed: customers.passwordSealed })
    .from(vouchers)
    .innerJoin(customers, eq(customers.id, vouchers.customerId))
    .where(eq(vouchers.batchId, batchId))
    .orderBy(asc(vouchers.serial))
    .all();
  const price = formatMoney(batch.batch.priceMinor, batch.batch.currency as Currency, options.language === 'ar' ? 'ar-u-nu-latn' : 'en');
  const validity = describeValidity(batch.plan, options.language);
  const expiresAt = batch.batch.useBefore === null ? null : DateTime.fromMillis(batch.batch.useBefore, { zone: options.zone }).setLocale(options.language === 'ar' ? 'ar-u-nu-latn' : 'en-GB').toLocaleString(DateTime.DATE_MED);
  const cards: VoucherCard[] = rows.map((row) => ({
    code: row.code,
    // Printed only where it differs from the code (a separate PIN); blank-password codes need none.
    password: batch.batch.passwordMode === 'random' ? box.open(row.sealed) : null,
    plan: batch.plan.name,
    price,
    validity,
    expiresAt,
    loginUrl: options.loginUrl === null ? null : options.loginUrl.replace('{code}', encodeURIComponent(row.code)),
    serial: `${batch.batch.name}-${String(row.serial).padStart(5, '0')}`,
  }));
  const logo = getSetting(db, 'operator.logo');
  return {
    language: options.language,
    operator: { name: getSetting(db, 'operator.name'), phone: getSetting(db, 'operator.phone'), logo: logo === null ? null : Buffer.from(logo.slice(logo.indexOf(',') + 1), 'base64') },
    ssid: options.ssid,
    batch: batch.batch.name,
    cards,
  };
}
