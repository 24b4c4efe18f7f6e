// Everything the HTML and PDF cards show, worded once here so the two cannot drift apart: the
// renderers only place it. A card's view is built when its page is drawn, so a 10,000-card
// batch never holds 10,000 QR matrices at once.
import PDFDocument from 'pdfkit';
// Not yet behind billing's front door (src/billing/index.ts); the CLI's logo command imports it the same way.
import { drawableLogoType, logoDataUrl } from '../../billing/documents/logo.js';
import { t, type MessageKey } from '../../i18n/index.js';
import * as geometry from './geometry.js';
import type { CardLanguage, CardSheet, VoucherCard } from './model.js';
import { qrMatrix, type QrMatrix } from './qr.js';

export type Direction = 'ltr' | 'rtl';

/**
 * How a value sits in a right-to-left card; null on English cards, where nothing needs it.
 * 'ltr' keeps a code, password, serial or phone number in its own order (left to the bidi
 * algorithm, 0712 345 678 inside Arabic reads 678 345 0712); 'auto' lets text someone typed
 * (a plan or network name, a price or date the caller formatted) take the direction of its
 * first letter.
 */
export type Isolation = 'ltr' | 'auto' | null;

export interface CardField {
  label: string;
  value: string;
  isolate: Isolation;
  /** Typed by the customer letter by letter: monospaced, bold. */
  typed?: boolean;
}

export interface SheetLogo {
  bytes: Buffer;
  dataUrl: string;
  /** The logo's box on the card, in millimetres: its own proportions, within geometry.logo. */
  width: number;
  height: number;
}

export interface SheetView {
  lang: CardLanguage;
  dir: Direction;
  /** 'Internet vouchers' */
  title: string;
  batch: CardField;
  operator: { name: string; isolate: Isolation; help: CardField | null };
  logo: SheetLogo | null;
  /** 'Connect to <SSID>' */
  network: CardField | null;
  labels: { code: string; scanToLogIn: string };
  pages: number;
  pageLabel: (page: number) => string;
  /** The cards of one page (1-based), in reading order. */
  cardsOf: (page: number) => CardView[];
}

export interface CardView {
  code: string;
  /** In points: the code's size, smaller for a long code so it stays on one line. */
  codeSize: number;
  plan: string;
  price: string;
  /** Password (when there is one), validity, expiry (when there is one). */
  fields: CardField[];
  qr: QrMatrix | null;
  serial: CardField;
  isolate: { code: Isolation; typed: Isolation };
}

/** A logo that is not a sound PNG or JPEG is left off rather than failing the whole batch. */
function usableLogo(bytes: Buffer | null): SheetLogo | null {
  if (bytes === null) return null;
  const type = drawableLogoType(bytes);
  if (type === null) return null;
  // pdfkit reads the size (and a JPEG's EXIF rotation) from the header; it is checked above.
  const opener = new PDFDocument({ autoFirstPage: false }) as unknown as { openImage(bytes: Buffer): { width: number; height: number; orientation?: number } };
  const image = opener.openImage(bytes);
  const turned = (image.orientation ?? 1) > 4;
  const aspect = turned ? image.height / image.width : image.width / image.height;
  const height = Math.min(geometry.logo.height, geometry.logo.width / aspect);
  return { bytes, dataUrl: logoDataUrl(bytes, type), width: height * aspect, height };
}

function present(value: string | null | undefined): value is string {
  return value !== null && value !== undefined && value.trim() !== '';
}

/** One line of text: a value is printed on one line of a small card, whatever was typed. */
function oneLine(value: string): string {
  return value.replace(/\s+/gu, ' ').trim();
}

/** The code's size in points: as large as the type scale allows while it fits its line. */
function codeSize(code: string, withQr: boolean): number {
  const widthPt = geometry.textWidth(withQr) * geometry.ptPerMm;
  const fitting = widthPt / (Math.max(1, [...code].length) * geometry.monoAdvance);
  const size = Math.floor(Math.min(geometry.type.code, fitting) * 2) / 2;
  return Math.max(geometry.type.codeMin, size);
}

export function buildSheetView(sheet: CardSheet): SheetView {
  const lang = sheet.language;
  const rtl = lang === 'ar';
  const code: Isolation = rtl ? 'ltr' : null;
  const typed: Isolation = rtl ? 'auto' : null;
  const say = (key: MessageKey, values?: Record<string, unknown>): string => t(key, values, lang);
  const pages = Math.max(1, Math.ceil(sheet.cards.length / geometry.cardsPerPage));
  const labels = {
    password: say('cards.password'),
    validFor: say('cards.validFor'),
    useBefore: say('cards.useBefore'),
    serial: say('cards.serial'),
  };

  const card = (voucher: VoucherCard): CardView => {
    const fields: CardField[] = [];
    if (present(voucher.password)) fields.push({ label: labels.password, value: oneLine(voucher.password), isolate: code, typed: true });
    fields.push({ label: labels.validFor, value: oneLine(voucher.validity), isolate: typed });
    if (present(voucher.expiresAt)) fields.push({ label: labels.useBefore, value: oneLine(voucher.expiresAt), isolate: typed });
    const qr = present(voucher.loginUrl) ? qrMatrix(voucher.loginUrl) : null;
    const cardCode = oneLine(voucher.code);
    return {
      code: cardCode,
      codeSize: codeSize(cardCode, qr !== null),
      plan: oneLine(voucher.plan),
      price: oneLine(voucher.price),
      fields,
      qr,
      serial: { label: labels.serial, value: oneLine(voucher.serial), isolate: code },
      isolate: { code, typed },
    };
  };

  return {
    lang,
    dir: rtl ? 'rtl' : 'ltr',
    title: say('cards.title'),
    batch: { label: say('cards.batch'), value: oneLine(sheet.batch), isolate: typed },
    operator: {
      name: oneLine(sheet.operator.name),
      isolate: typed,
      help: present(sheet.operator.phone) ? { label: say('cards.helpLine'), value: oneLine(sheet.operator.phone), isolate: code } : null,
    },
    logo: usableLogo(sheet.operator.logo),
    network: present(sheet.ssid) ? { label: say('cards.connectTo'), value: oneLine(sheet.ssid), isolate: typed } : null,
    labels: { code: say('cards.code'), scanToLogIn: say('cards.scanToLogIn') },
    pages,
    pageLabel: (page) => say('cards.page', { page, pages }),
    cardsOf: (page) => sheet.cards.slice((page - 1) * geometry.cardsPerPage, page * geometry.cardsPerPage).map(card),
  };
}
