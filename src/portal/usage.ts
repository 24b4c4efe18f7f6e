import { and, between, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import { usageCustomerDays } from '../db/schema/aaa.js';

/** One calendar day of a customer's traffic, in the operator's zone. */
export interface UsageDay {
  /** 'YYYY-MM-DD' in the operator's zone. */
  day: string;
  /** The day's start (ms). */
  start: number;
  /** Bytes to the customer (Acct-Output-Octets) and from them (Acct-Input-Octets). */
  down: number;
  up: number;
}

export const USAGE_DAYS_SHOWN = 30;

/**
 * The customer's traffic per day for the last `days` days, today included, oldest first, a zero
 * for each day without traffic. Read from the accounting writer's roll-up (usage_customer_days):
 * at most `days` rows on the table's primary key, never the sessions table.
 */
export function customerDailyUsage(db: Db, input: { customerId: number; now: number; zone: string; days?: number }): UsageDay[] {
  const count = input.days ?? USAGE_DAYS_SHOWN;
  const today = DateTime.fromMillis(input.now, { zone: input.zone }).startOf('day');
  // From the calendar, not 86 400 000 steps: a DST change makes a day 23 or 25 hours long.
  const days = Array.from({ length: count }, (_, i) => {
    const start = today.minus({ days: count - 1 - i });
    return { day: start.toISODate()!, start: start.toMillis(), down: 0, up: 0 };
  });
  const byDay = new Map(days.map((d) => [d.day, d]));
  const rows = db
    .select({ day: usageCustomerDays.day, down: usageCustomerDays.bytesDown, up: usageCustomerDays.bytesUp })
    .from(usageCustomerDays)
    .where(and(eq(usageCustomerDays.customerId, input.customerId), between(usageCustomerDays.day, days[0]!.day, days[count - 1]!.day)))
    .all();
  for (const row of rows) {
    const day = byDay.get(row.day);
    if (!day) continue;
    day.down = row.down;
    day.up = row.up;
  }
  return days;
}
