// Printed voucher cards: A4 sheets as HTML and PDF, and the batch as CSV. Pure rendering of
// data the vouchers code has already worded and formatted.
export type { CardLanguage, CardOperator, CardSheet, VoucherCard } from './model.js';
export { cardsPerPage } from './geometry.js';
export { renderCardsHtml, cardsHtmlChunks } from './html.js';
export { renderCardsPdf, cardsPdfStream } from './pdf.js';
export { cardsCsv } from './csv.js';
