// The privacy domain's front door: one customer's data as a document, and erasure.
export { erasedAt, exportCustomerData, exportCustomerDataFor, exportText, EXPORT_FORMAT, EXPORT_VERSION, type CustomerDataExport } from './export.js';
export { eraseCustomer, type EraseOutcome, type EraseRefusal, type EraseInput } from './erase.js';
