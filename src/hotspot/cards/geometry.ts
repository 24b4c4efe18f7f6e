// One A4 sheet of cards, in millimetres, shared by the HTML and the PDF so both cut the same.
// 3 × 8 cards of about 65 × 34.5 mm (a business card is 85 × 55): big enough for a QR code
// a phone reads at arm's length, small enough that a 10,000-card batch is 417 sheets. Every
// printer leaves an unprintable edge of about 5 mm, so the grid stays inside wider margins.

export const pageWidth = 210;
export const pageHeight = 297;
export const columns = 3;
export const rows = 8;
export const cardsPerPage = columns * rows;

export const marginX = 7;
export const marginTop = 8;
/** Taller, for the line naming the batch and the page under the grid. */
export const marginBottom = 13;

export const cardWidth = (pageWidth - 2 * marginX) / columns;
export const cardHeight = (pageHeight - marginTop - marginBottom) / rows;
export const padding = 2.5;

export const innerWidth = cardWidth - 2 * padding;
export const innerHeight = cardHeight - 2 * padding;

/**
 * Inside the padding, top to bottom: the operator line across the card (logo, then the name
 * over the help line, the price at the end like an airtime card's denomination); then the
 * text (plan, code, fields) beside the QR code, which sits at the end side with 'Scan to log
 * in' under it; then a bottom line with the network and the serial.
 */
export const headerHeight = 5.2;
export const bodyTop = 5.7;
export const footerTop = innerHeight - 2.6;

/** The QR code's square, quiet zone included. */
export const qrSide = 18;
export const qrGap = 2;
/** A line of small print: under the QR code, at the bottom, beside the operator name. */
export const smallLine = 2.6;

/** The text beside the QR code; a card without one uses its whole width. */
export function textWidth(withQr: boolean): number {
  return withQr ? innerWidth - qrSide - qrGap : innerWidth;
}

/** Line heights of the text column, in millimetres. */
export const lines = { operator: 3, help: 2.2, plan: 3.8, label: 2.4, code: 5.4, field: 3 } as const;

/** Font sizes, in points, for both renderers. */
export const type = {
  operator: 7.5,
  plan: 8.5,
  price: 9,
  label: 6,
  field: 7,
  code: 14,
  /** A long code shrinks to fit its line, down to this. */
  codeMin: 7,
  small: 5.5,
  pageFooter: 7,
} as const;

/** The logo's box at the start of the operator line. */
export const logo = { width: 14, height: 5 } as const;

/**
 * DejaVu Sans Mono, like most monospaced faces, advances 0.602 em a character; the code's size
 * is worked out from it, so a 16-character code still fits one line.
 */
export const monoAdvance = 0.602;

export const ptPerMm = 72 / 25.4;
