// The drizzle schema, one module per domain. Only db/ and each domain's own data functions
// import from here; everyone else goes through the domain's index.ts.
export * from './aaa.js';
export * from './billing.js';
export * from './ledger.js';
export * from './operations.js';
export * from './staff.js';
export * from './change-counters.js';
export * from './payments.js';
export * from './messaging.js';
export * from './hotspot.js';
export * from './portal.js';
export * from './support.js';
export * from './integrations.js';
export * from './field.js';
export * from './reports.js';
export * from './network.js';
