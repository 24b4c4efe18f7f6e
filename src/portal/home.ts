import { and, eq } from 'drizzle-orm';
import { listSessions, type SessionView } from '../aaa/sessions.js';
import { countedBytes } from '../aaa/usage.js';
import { currentRateLimit, customerBalance, findCustomerById, findPlanByName, listInvoicePage, subscriptionOf, usagePeriodStart, type CustomerBalance } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import { usage, type Currency, type CustomerStatus } from '../db/schema/billing.js';
import { customerDailyUsage, type UsageDay } from './usage.js';

export const SESSIONS_SHOWN = 20;

export interface PortalHome {
  username: string;
  fullName: string | null;
  /** The account's status, or 'paused' while an active account's line is paused by its owner. */
  status: CustomerStatus | 'paused';
  suspendedReason: string | null;
  plan: { name: string; priceMinor: number; currency: Currency } | null;
  /** The current period's end (ms); null for open-ended and postpaid lines without one. */
  paidUntil: number | null;
  /** Whole days left of the period, 0 when it ended. */
  daysLeft: number | null;
  data: { usedBytes: number; limitBytes: number | null };
  /** The speed the plan (or its FUP tier for what was used) gives now, e.g. '5M/10M'. */
  speedNow: string | null;
  balance: CustomerBalance;
  /** The oldest open invoice, or the next renewal with its price. */
  nextBill: { kind: 'invoice'; number: string; dueMinor: number; dueAt: number; currency: Currency } | { kind: 'renewal'; at: number; priceMinor: number; currency: Currency } | null;
  sessions: SessionView[];
  /** Traffic per day, the last 30 days, oldest first. */
  daily: UsageDay[];
}

const DAY = 86_400_000;
const OPEN = ['issued', 'partially_paid', 'overdue'] as const;

/** Everything the portal's home page shows, for one customer and only that customer. */
export function portalHome(db: Db, customerId: number, now: number, zone: string): PortalHome | undefined {
  const customer = findCustomerById(db, customerId);
  if (!customer) return undefined;
  const plan = customer.plan === null ? undefined : findPlanByName(db, customer.plan);
  let usedBytes = 0;
  if (plan) {
    const periodStart = usagePeriodStart(customer.activatedAt, { ...plan, cycle: customer.cycle }, now, zone);
    // Read only: aaa/sessions.ts is the one writer of usage (as billing/run.ts reads it for overage).
    const row = db.select({ input: usage.inputOctets, output: usage.outputOctets }).from(usage).where(and(eq(usage.customerId, customer.id), eq(usage.periodStart, periodStart))).get();
    if (row) usedBytes = countedBytes(row, plan.dataCounts);
  }
  // The oldest open invoice: a customer has few open at once.
  const open = OPEN.flatMap((status) => listInvoicePage(db, { kind: 'invoice', status, customerId: customer.id }, { limit: 50, offset: 0 })).sort((a, b) => a.dueAt - b.dueAt)[0];
  const sub = subscriptionOf(db, customer.id);
  const renewal = plan && customer.expiresAt !== null && sub?.status === 'active' ? { kind: 'renewal' as const, at: customer.expiresAt, priceMinor: plan.priceMinor, currency: plan.currency } : null;
  return {
    username: customer.username,
    fullName: customer.fullName,
    status: customer.status === 'active' && sub?.status === 'paused' ? 'paused' : customer.status,
    suspendedReason: customer.suspendedReason,
    plan: plan ? { name: plan.name, priceMinor: plan.priceMinor, currency: plan.currency } : null,
    paidUntil: customer.expiresAt,
    daysLeft: customer.expiresAt === null ? null : Math.max(0, Math.ceil((customer.expiresAt - now) / DAY)),
    data: { usedBytes, limitBytes: plan?.dataBytes ?? null },
    speedNow: plan ? currentRateLimit(plan, usedBytes) : null,
    balance: customerBalance(db, customer.id, customer.currency),
    nextBill: open ? { kind: 'invoice', number: open.number, dueMinor: open.grossMinor - open.paidMinor, dueAt: open.dueAt, currency: open.currency } : renewal,
    // The username filter keeps this to the customer's own sessions; the customer id check
    // drops any a former holder of the username left behind.
    sessions: listSessions(db, { username: customer.username, limit: SESSIONS_SHOWN }).filter((s) => s.customerId === null || s.customerId === customer.id),
    daily: customerDailyUsage(db, { customerId: customer.id, now, zone }),
  };
}
