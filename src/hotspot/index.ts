// The hotspot domain's front door: voucher batches and codes (their accounts live in billing,
// kind 'voucher', so RADIUS treats them like customers), and printing them.
export { CODE_ALPHABET, generateCode, codeSpace } from './codes.js';
export { createBatch, issueCodes, sellVoucher, sellPaidVoucher, voucherCodeOf, findBatch, listVouchers, revokeVouchers, batchReports, batchCustomerIds, MAX_BATCH, type BatchInput, type VoucherBatch, type VoucherView, type VoucherState, type BatchReport } from './vouchers.js';
export { vouchersSoldTo, vouchersLockedTo } from './vouchers.js';
export { batchSheet, describeValidity, type SheetOptions } from './print.js';
export { renderCardsHtml, cardsHtmlChunks, renderCardsPdf, cardsPdfStream, cardsCsv, type CardSheet, type VoucherCard } from './cards/index.js';
export { sellTokenForCash, agentFloat } from './agent-tokens.js';
