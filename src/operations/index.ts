// Operations data that belongs to no one domain: idempotency keys of forms (request_keys), backups and restore, CSV exports, the storage report.
export { once, pruneRequestKeys, REQUEST_KEY_DAYS, type Once, type RequestKey } from './request-keys.js';
export { ALL_PAGES, BACKUP_RUN, BackupRefusal, backupDir, backupJobFor, checkLangoDatabase, lastBackup, restoreBackup, takeBackup, type BackupResult, type LastBackup, type RestoreResult } from './backup.js';
export { csvField, csvLine, decimalMoney, exportCsv, exportKinds, isoTime, parseDay, type ExportKind } from './exports.js';
export { GROWING_TABLES, storageReport, type StorageReport, type TableStorage } from './storage.js';
