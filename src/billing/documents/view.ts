// Everything the HTML and PDF renderers show, already worded and formatted, so the two outputs
// cannot drift apart: a label or amount is decided once here and only laid out there.
import { DateTime } from 'luxon';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { formatMoney } from '../money.js';
import { drawableLogoType, logoDataUrl, type LogoType } from './logo.js';
import type { BillingDocument, DocumentKind, DocumentLanguage } from './model.js';

export type Direction = 'ltr' | 'rtl';

export interface Field {
  label: string;
  value: string;
  /** Void or overdue: the one fact a reader must not miss. */
  alert?: boolean;
  isolate?: Isolation;
}

/**
 * How a piece of text sits in a right-to-left page; null on English documents, where nothing
 * needs it. 'ltr' keeps a phone number or code in its own order: left to the bidi algorithm,
 * +254 712 345 678 inside Arabic shows as 678 345 712 254+. 'auto' lets text staff typed
 * (names, addresses, line descriptions, notes) take the direction of its first letter, so an
 * English note in an Arabic document keeps its full stop at its end.
 */
export type Isolation = 'ltr' | 'auto' | null;

/** A line under a name: an address line or a phone number. */
export interface TextLine {
  text: string;
  isolate: Isolation;
}

export interface Logo {
  type: LogoType;
  bytes: Buffer;
  dataUrl: string;
}

export type ColumnId = 'description' | 'quantity' | 'unitPrice' | 'discount' | 'tax' | 'amount';

export interface Column {
  id: ColumnId;
  label: string;
  numeric: boolean;
}

export interface TotalRow {
  label: string;
  value: string;
  emphasis: boolean;
}

export interface DocumentView {
  lang: DocumentLanguage;
  dir: Direction;
  /** 'Invoice', 'Credit note', 'Receipt' */
  title: string;
  number: string;
  operator: { name: string; lines: TextLine[]; fields: Field[]; logo: Logo | null };
  /** For the names, line descriptions and notes staff typed. */
  typed: Isolation;
  /** Number, dates, status, reference, payment method: the facts beside the title. */
  facts: Field[];
  party: { heading: string; name: string; lines: TextLine[]; fields: Field[] };
  columns: Column[];
  /** One cell per column, in column order. */
  rows: string[][];
  totals: TotalRow[];
  notes: Field | null;
  closing: string | null;
  pageLabel: (page: number, pages: number) => string;
}

/**
 * Numbers and dates follow the words: English text with Arabic dates would read as a mistake.
 * Money stays on plain 'en' because that prints the ISO code ('KES 1,334.00') that M-Pesa
 * statements and KRA/URA documents use, where 'en-KE' would print 'Ksh'. Dates use 'en-GB' for
 * day-month-year, the order East Africa reads, instead of the US month-first default.
 *
 * Arabic documents have Arabic month names ('17 مارس 2026') but Latin digits, in dates as in
 * money ('1,334.00 KES'): the amount on an invoice must match, digit for digit, the M-Pesa or
 * MoMo confirmation, the bank slip and the KRA/URA e-invoice the customer also holds, all of
 * which use Latin digits, as do the phone keypads amounts are typed on. CLDR's plain 'ar' prints
 * Latin digits now, but 'ar-SS' and 'ar-SD', the locales of South Sudan and Sudan, still default
 * to Arabic-Indic ones ('١٬٣٣٤٫٠٠'), so the numbering system is pinned with -u-nu-latn rather
 * than left to a locale or ICU version.
 */
const formatLocales: Record<Language, { money: string; date: string }> = {
  en: { money: 'en', date: 'en-GB' },
  ar: { money: 'ar-u-nu-latn', date: 'ar-u-nu-latn' },
};

const kindKey: Record<DocumentKind, 'invoice' | 'creditNote' | 'receipt'> = {
  invoice: 'invoice',
  credit_note: 'creditNote',
  receipt: 'receipt',
};

// A Map, not an object literal: a status such as 'constructor' must not find Object.prototype.
const statusKeys = new Map<string, MessageKey>([
  ['draft', 'documents.status.draft'],
  ['issued', 'documents.status.issued'],
  ['paid', 'documents.status.paid'],
  ['partially_paid', 'documents.status.partiallyPaid'],
  ['overdue', 'documents.status.overdue'],
  ['void', 'documents.status.void'],
  ['refunded', 'documents.status.refunded'],
]);
const alertStatuses = new Set(['void', 'overdue']);

/** A logo that is not a sound PNG or JPEG is left out rather than failing the document a customer is waiting for. */
function usableLogo(bytes: Buffer | null): Logo | null {
  const type = bytes === null ? null : drawableLogoType(bytes);
  return bytes === null || type === null ? null : { type, bytes, dataUrl: logoDataUrl(bytes, type) };
}

function present(value: string | null | undefined): value is string {
  return value !== null && value !== undefined && value.trim() !== '';
}

export function buildView(doc: BillingDocument): DocumentView {
  const language: Language = doc.language;
  const locales = formatLocales[language];
  const rtl = doc.language === 'ar';
  const code: Isolation = rtl ? 'ltr' : null;
  const typed: Isolation = rtl ? 'auto' : null;
  const say = (key: MessageKey, values?: Record<string, unknown>): string => t(key, values, language);
  const money = (minor: number): string => formatMoney(minor, doc.currency, locales.money);
  const quantity = new Intl.NumberFormat(locales.money, { maximumFractionDigits: 3 });
  const percent = new Intl.NumberFormat(locales.money, { style: 'percent', maximumFractionDigits: 2 });
  const date = (ms: number, withTime: boolean): string => {
    const at = DateTime.fromMillis(ms, { zone: doc.zone }).setLocale(locales.date);
    // A tax document saying 'Invalid DateTime' is worse than no document; the zone comes from config.
    if (!at.isValid) throw new Error(`cannot show ${doc.number} dates in time zone '${doc.zone}': ${at.invalidExplanation ?? 'invalid'}`);
    // A 24-hour clock in both languages: Arabic's default 12-hour one adds ص/م, which pushes a
    // receipt's time onto a second line, and en-GB is on 24 hours already.
    return at.toLocaleString(withTime ? { ...DateTime.DATETIME_MED, hourCycle: 'h23' } : DateTime.DATE_MED);
  };

  const kind = kindKey[doc.kind];
  const title = say(`documents.kind.${kind}`);

  const facts: Field[] = [
    { label: say('documents.field.number'), value: doc.number, isolate: code },
    // A receipt answers "when did I pay", which is often the same day as other payments.
    { label: say('documents.field.issuedAt'), value: date(doc.issuedAt, doc.kind === 'receipt') },
  ];
  if (doc.dueAt !== null) facts.push({ label: say('documents.field.dueAt'), value: date(doc.dueAt, false) });
  const statusKey = statusKeys.get(doc.status);
  facts.push({
    label: say('documents.field.status'),
    // A status the catalogue does not know yet still reads better than a blank.
    value: statusKey ? say(statusKey) : doc.status.replaceAll('_', ' '),
    alert: alertStatuses.has(doc.status),
  });
  if (present(doc.paymentMethod)) facts.push({ label: say('documents.field.paymentMethod'), value: doc.paymentMethod, isolate: typed });
  if (present(doc.reference)) facts.push({ label: say(`documents.reference.${kind}`), value: doc.reference, isolate: code });

  const taxNumber = (value: string | null | undefined): Field[] => (present(value) ? [{ label: say('documents.field.taxNumber'), value, isolate: code }] : []);
  const address = (value: string | null): TextLine[] => (present(value) ? [{ text: value, isolate: typed }] : []);
  const phone = (value: string | null): TextLine[] => (present(value) ? [{ text: value, isolate: code }] : []);
  const operator = {
    name: doc.operator.name,
    lines: [...address(doc.operator.address), ...phone(doc.operator.phone)],
    fields: taxNumber(doc.operator.taxNumber),
    logo: usableLogo(doc.operator.logo),
  };
  const party = {
    heading: say(`documents.party.${kind}`),
    name: doc.customer.name,
    lines: [...phone(doc.customer.phone), ...address(doc.customer.address)],
    fields: [{ label: say('documents.field.account'), value: doc.customer.account, isolate: code }, ...taxNumber(doc.customer.taxNumber)],
  };

  // Empty columns only cost width, which a phone screen does not have.
  const showDiscount = doc.lines.some((line) => line.discountMinor !== 0);
  const showTax = doc.taxes.length > 0 || doc.lines.some((line) => line.taxMinor !== 0);
  const columns: Column[] = [
    { id: 'description', label: say('documents.column.description'), numeric: false },
    { id: 'quantity', label: say('documents.column.quantity'), numeric: true },
    { id: 'unitPrice', label: say('documents.column.unitPrice'), numeric: true },
    ...(showDiscount ? [{ id: 'discount' as const, label: say('documents.column.discount'), numeric: true }] : []),
    ...(showTax ? [{ id: 'tax' as const, label: say('documents.column.tax'), numeric: true }] : []),
    { id: 'amount', label: say('documents.column.amount'), numeric: true },
  ];
  const rows = doc.lines.map((line) =>
    columns.map((column) => {
      switch (column.id) {
        case 'description':
          return line.description;
        case 'quantity':
          return quantity.format(line.quantity);
        case 'unitPrice':
          return money(line.unitPriceMinor);
        case 'discount':
          return money(line.discountMinor);
        case 'tax':
          return money(line.taxMinor);
        case 'amount':
          return money(line.grossMinor);
      }
    }),
  );

  const totals: TotalRow[] = [];
  if (showTax) {
    totals.push({ label: say('documents.subtotal'), value: money(doc.totals.netMinor), emphasis: false });
    for (const tax of doc.taxes) {
      totals.push({ label: `${tax.name} (${percent.format(tax.rateBasisPoints / 10_000)})`, value: money(tax.amountMinor), emphasis: false });
    }
  }
  totals.push({ label: say('documents.total'), value: money(doc.totals.grossMinor), emphasis: true });
  // A credit note is not paid; a receipt's balance matters only when something is still owed.
  if (doc.kind !== 'credit_note') {
    totals.push({ label: say('documents.paid'), value: money(doc.totals.paidMinor), emphasis: false });
    if (doc.kind === 'invoice' || doc.totals.dueMinor !== 0) {
      totals.push({ label: say('documents.due'), value: money(doc.totals.dueMinor), emphasis: doc.kind === 'invoice' });
    }
  }

  return {
    lang: doc.language,
    dir: rtl ? 'rtl' : 'ltr',
    title,
    number: doc.number,
    operator,
    typed,
    facts,
    party,
    columns,
    rows,
    totals,
    notes: present(doc.notes) ? { label: say('documents.notes'), value: doc.notes, isolate: typed } : null,
    closing: doc.kind === 'receipt' ? say('documents.thanksForPayment') : null,
    pageLabel: (page, pages) => say('documents.page', { page, pages }),
  };
}
