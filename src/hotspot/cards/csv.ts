// A batch as CSV, for a print shop's own card design, a mail merge or a spreadsheet of stock.
// RFC 4180: a header row, CRLF line ends, a field quoted when it holds a comma, a quote or a
// line break, quotes inside doubled.
import type { VoucherCard } from './model.js';

/** Column names are identifiers, not labels: scripts and print shops key on them, whatever the language. */
const columns = ['code', 'password', 'plan', 'price', 'validity', 'expires_at', 'login_url', 'serial'] as const;

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return, which some
 * turn into one of those) as a formula: a plan named =HYPERLINK(…) would become a live link
 * in the operator's Excel. An apostrophe in front makes it text, as OWASP advises.
 */
const formulaStart = /^[=+\-@\t\r]/;

function cell(value: string | null): string {
  const text = value === null ? '' : formulaStart.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function cardsCsv(cards: VoucherCard[]): string {
  const lines = [columns.join(',')];
  for (const card of cards) {
    lines.push([card.code, card.password, card.plan, card.price, card.validity, card.expiresAt, card.loginUrl, card.serial].map(cell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
