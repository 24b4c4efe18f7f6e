import { and, asc, inArray, isNull } from 'drizzle-orm';
import { customerBalance, factsOfCustomer, factsOfInvoice, factsOfReceipt, type CustomerFacts } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import { getSetting } from '../settings/index.js';
import { notificationEvents } from '../db/schema/aaa.js';
import { LangoError } from '../errors.js';
import { formatAmount, formatDay, formatMethod, formatMoment } from './message-format.js';
import { queueMessage } from './outbox.js';
import { isCriticalTemplate, operatorValues, templateRenderer, type TemplateValues } from './templates.js';

type NotificationEvent = typeof notificationEvents.$inferSelect;

export interface DispatchOptions {
  now: number;
  /** The operator's time zone: dates in messages are local dates. */
  zone: string;
  /** Events per call (one transaction); 500 when absent. */
  limit?: number;
  /**
   * Older events are handed over without a message: a reminder or a "renewed" days late is
   * wrong more often than useful (first start after an upgrade, a long outage). Two days.
   */
  maxAgeMs?: number;
}

export interface DispatchResult {
  /** Events handed over (all now have deliveredAt). */
  events: number;
  /** Messages put in the outbox. */
  queued: number;
  /** Events for customers with no phone number: nothing to send. */
  withoutPhone: number;
  /** Events no longer worth a message: too old, the invoice paid meanwhile, the account no longer suspended, or a text that would not render. */
  skipped: number;
}

const DAY = 86_400_000;

/**
 * Turns undelivered notification events, oldest first, into outbox messages in each customer's
 * language, and marks them handed over, all in one transaction: a crash leaves either both or
 * neither, and a rerun finds nothing left (each message's key is 'event:<id>' besides).
 */
export function dispatchNotifications(db: Db, options: DispatchOptions): DispatchResult {
  const { now, zone } = options;
  const maxAge = options.maxAgeMs ?? 2 * DAY;
  return db.transaction((tx) => {
    const d = tx as Db;
    const result: DispatchResult = { events: 0, queued: 0, withoutPhone: 0, skipped: 0 };
    const events = d
      .select()
      .from(notificationEvents)
      .where(isNull(notificationEvents.deliveredAt))
      .orderBy(asc(notificationEvents.id))
      .limit(options.limit ?? 500)
      .all();
    if (events.length === 0) return result;
    const render = templateRenderer(d);
    const operator = operatorValues(d);
    const customers = new Map<number, CustomerFacts | undefined>();
    for (const event of events) {
      result.events++;
      if (!customers.has(event.customerId)) customers.set(event.customerId, factsOfCustomer(d, event.customerId));
      const customer = customers.get(event.customerId);
      if (!customer?.phone) {
        result.withoutPhone++;
        continue;
      }
      const values = now - event.createdAt > maxAge ? undefined : valuesFor(d, event, customer, now, zone);
      if (!values) {
        result.skipped++;
        continue;
      }
      try {
        const body = render(event.kind, customer.language, { ...operator, name: customer.name, username: customer.username, ...values });
        const { created } = queueMessage(d, { key: `event:${event.id}`, customerId: customer.id, to: customer.phone, language: customer.language, template: event.kind, body, critical: isCriticalTemplate(event.kind), now });
        if (created) result.queued++;
      } catch (err) {
        // An operator's text that renders empty must not hold back every later notification.
        if (!(err instanceof LangoError)) throw err;
        result.skipped++;
      }
    }
    d.update(notificationEvents)
      .set({ deliveredAt: now })
      .where(and(inArray(notificationEvents.id, events.map((e) => e.id)), isNull(notificationEvents.deliveredAt)))
      .run();
    return result;
  }, { behavior: 'immediate' });
}

/** What the event is about, in the customer's words; undefined when it no longer applies. */
function valuesFor(db: Db, event: NotificationEvent, customer: CustomerFacts, now: number, zone: string): TemplateValues | undefined {
  const lang = customer.language;
  const [refKind, refId] = event.ref.split(':');
  const plan = { plan: customer.plan ?? '' };
  const price = customer.planPriceMinor !== null && customer.planCurrency !== null ? formatAmount(customer.planPriceMinor, customer.planCurrency, lang) : '';
  const balances = () => {
    const { dueMinor, walletMinor } = customerBalance(db, customer.id, customer.currency);
    return { balance: formatAmount(Math.max(0, dueMinor), customer.currency, lang), wallet: formatAmount(Math.max(0, walletMinor), customer.currency, lang) };
  };
  switch (event.kind) {
    case 'data_80':
    case 'data_100':
    case 'time_100':
    case 'reactivated':
      return plan;
    case 'payment_failed':
      return {};
    case 'expiry_24h':
      if (customer.periodEnd === null || customer.periodEnd <= now) return undefined;
      return { ...plan, price, expiry: formatMoment(customer.periodEnd, zone, lang) };
    case 'renewed':
      return { ...plan, price, expiry: customer.periodEnd === null ? '' : formatMoment(customer.periodEnd, zone, lang) };
    case 'renewal_failed':
      return { ...plan, price, wallet: balances().wallet };
    case 'suspended':
      if (customer.status !== 'suspended') return undefined;
      return { balance: balances().balance };
    case 'invoice_issued':
    case 'due_soon':
    case 'due_today':
    case 'overdue': {
      const invoice = refKind === 'invoice' && refId ? factsOfInvoice(db, refId) : undefined;
      // Paid (or voided) since the event was raised: a reminder would only confuse.
      if (!invoice || invoice.balanceMinor <= 0) return undefined;
      return {
        invoice: invoice.number,
        amount: formatAmount(invoice.grossMinor, invoice.currency, lang),
        balance: formatAmount(invoice.balanceMinor, invoice.currency, lang),
        due: formatDay(invoice.dueAt, zone, lang),
      };
    }
    case 'credentials': {
      // Only codes whose password is the code itself or blank are sent: a separate password is
      // sealed, and this module does not hold the key.
      const [, code, mode] = event.ref.split(':');
      if (refKind !== 'voucher' || !code || (mode !== 'code' && mode !== 'blank')) return undefined;
      return { ...plan, username: code, password: mode === 'code' ? code : '', ssid: getSetting(db, 'hotspot.ssid') ?? getSetting(db, 'operator.name') };
    }
    case 'payment_received': {
      const receipt = refKind === 'receipt' && refId ? factsOfReceipt(db, refId) : undefined;
      if (!receipt) return undefined;
      return {
        ...balances(),
        receipt: receipt.receiptNumber,
        amount: formatAmount(receipt.amountMinor, receipt.currency, lang),
        method: formatMethod(receipt.method, lang),
        reference: receipt.reference,
      };
    }
  }
}
