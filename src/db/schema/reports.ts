import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Roll-ups the reports read instead of the sessions table, so a year over 100 000 customers
// and 10 M sessions is a few hundred thousand small rows. Days still open come from the live
// daily tables (usage_daily, usage_customer_days); a nightly job folds closed days in here.

/** Traffic per customer and calendar month ('YYYY-MM', the operator's zone). */
export const usageCustomerMonths = sqliteTable(
  'usage_customer_months',
  {
    month: text('month').notNull(),
    customerId: integer('customer_id').notNull(),
    bytesDown: integer('bytes_down').notNull().default(0),
    bytesUp: integer('bytes_up').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.month, t.customerId] })],
);

/** Traffic and customers online per plan and day (the plan the customer was on when folded). */
export const usagePlanDays = sqliteTable(
  'usage_plan_days',
  {
    day: text('day').notNull(),
    planId: integer('plan_id').notNull(),
    customers: integer('customers').notNull().default(0),
    bytesDown: integer('bytes_down').notNull().default(0),
    bytesUp: integer('bytes_up').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.planId] })],
);

/** Open sessions per router, sampled on a timer: the network-utilisation chart's points. */
export const nasLoadSamples = sqliteTable(
  'nas_load_samples',
  {
    at: integer('at').notNull(),
    nasId: integer('nas_id').notNull(),
    openSessions: integer('open_sessions').notNull(),
  },
  (t) => [primaryKey({ columns: [t.at, t.nasId] })],
);
