import { enqueueForCustomer } from '../aaa/enforcement.js';
import {
  cancelScheduledPlanChange,
  changePlan,
  customerBalance,
  editCustomer,
  findCustomerById,
  findPlanById,
  listPlans,
  normaliseMac,
  pauseEndsAt,
  pausePolicy,
  pauseRefusal,
  pauseSubscription,
  pausesThisYear,
  previewPlanChange,
  resumeSubscription,
  subscriptionOf,
  type CustomerBalance,
  type CustomerSummary,
  type PausePolicy,
  type PauseRefusal,
  type Plan,
  type PlanChangePreview,
  type PlanChangeResult,
} from '../billing/index.js';
import type { Db } from '../db/connection.js';
import type { BillingKind, Currency } from '../db/schema/billing.js';
import { LangoError } from '../errors.js';

// The customer's own "My plan" page: moving to another plan of the same kind and currency
// (dearer: now, with the prorated charge and credit shown first; cheaper: at renewal), pausing
// a prepaid line where the operator allows it, and registering the device used for MAC login.
// The money rules are billing's (changePlan); this decides what a customer may do themselves.

/** A preview older than this is computed again rather than confirmed (as on the staff page). */
export const PREVIEW_VALID_MS = 10 * 60_000;

export type When = 'now' | 'renewal';
export const isWhen = (value: unknown): value is When => value === 'now' || value === 'renewal';

/** How the page names the customer in the history and audit log. */
export const customerActor = (customer: Pick<CustomerSummary, 'username'>) => `customer:${customer.username}`;

export interface PlanChoice {
  id: number;
  name: string;
  priceMinor: number;
  currency: Currency;
  rateLimit: string | null;
  dataBytes: number | null;
  /** Dearer (or the same price): now, prorated; cheaper: at the next renewal. */
  when: When;
}

export type ChangeRefusal = 'account' | 'not-running' | 'paused' | 'no-plan';

export interface PortalPlanView {
  username: string;
  plan: { id: number; name: string; priceMinor: number; currency: Currency; billingKind: BillingKind; rateLimit: string | null } | null;
  /** 'active' | 'paused' | 'expired' | 'cancelled', or null without a subscription. */
  lineStatus: 'active' | 'paused' | 'expired' | 'cancelled' | null;
  periodEnd: number | null;
  /** A cheaper plan chosen for the next renewal. */
  nextPlan: { name: string; priceMinor: number; currency: Currency; at: number | null } | null;
  choices: PlanChoice[];
  /** Why no change can be chosen now; null when it can. */
  changeRefusal: ChangeRefusal | null;
  pause: { policy: PausePolicy; usedThisYear: number; refusal: PauseRefusal | null; pausedAt: number | null; endsBy: number | null };
  device: { mac: string | null; bound: boolean };
  balance: CustomerBalance;
}

function changeRefusalOf(customer: CustomerSummary, at: number, sub = undefined as ReturnType<typeof subscriptionOf>): ChangeRefusal | null {
  if (customer.status !== 'active') return 'account';
  if (!sub) return 'no-plan';
  if (sub.status === 'paused') return 'paused';
  const open = sub.status === 'active' && sub.periodStart !== null && sub.periodEnd !== null && sub.periodStart <= at && at < sub.periodEnd;
  return open ? null : 'not-running';
}

/** Plans the customer may move to: same billing kind and currency as theirs, not their own. */
export function planChoices(db: Db, current: Plan, currency: Currency): PlanChoice[] {
  return listPlans(db)
    .filter((p) => p.id !== current.id && p.billingKind === current.billingKind && p.currency === currency && p.currency === current.currency)
    .sort((a, b) => a.priceMinor - b.priceMinor || a.name.localeCompare(b.name))
    .map((p) => ({ id: p.id, name: p.name, priceMinor: p.priceMinor, currency: p.currency, rateLimit: p.rateLimit, dataBytes: p.dataBytes, when: p.priceMinor < current.priceMinor ? 'renewal' : 'now' }));
}

/** What the "My plan" page shows, for the signed-in customer only. */
export function portalPlan(db: Db, customerId: number, at: number, zone: string): PortalPlanView | undefined {
  const customer = findCustomerById(db, customerId);
  if (!customer) return undefined;
  const sub = subscriptionOf(db, customerId);
  const plan = sub ? findPlanById(db, sub.planId) : undefined;
  const next = sub?.nextPlanId != null ? findPlanById(db, sub.nextPlanId) : undefined;
  const policy = pausePolicy(db);
  const refusal = changeRefusalOf(customer, at, sub);
  return {
    username: customer.username,
    plan: plan ? { id: plan.id, name: plan.name, priceMinor: plan.priceMinor, currency: plan.currency, billingKind: plan.billingKind, rateLimit: plan.rateLimit } : null,
    lineStatus: sub?.status ?? null,
    periodEnd: sub?.periodEnd ?? null,
    nextPlan: next ? { name: next.name, priceMinor: next.priceMinor, currency: next.currency, at: sub?.periodEnd ?? null } : null,
    choices: plan && refusal === null ? planChoices(db, plan, customer.currency) : [],
    changeRefusal: refusal,
    pause: {
      policy,
      usedThisYear: pausesThisYear(db, customerId, at, zone),
      refusal: pauseRefusal(db, customerId, at, zone, policy),
      pausedAt: sub?.status === 'paused' ? (sub.pausedAt ?? null) : null,
      endsBy: sub?.status === 'paused' && sub.pausedAt !== null ? pauseEndsAt(sub.pausedAt, policy) : null,
    },
    device: { mac: customer.mac, bound: customer.macBinding },
    balance: customerBalance(db, customerId, customer.currency),
  };
}

/** The figures a confirm form carries back, so a changed price is noticed instead of charged. */
export const fingerprint = (p: PlanChangePreview, priceMinor: number) => [p.effect, p.creditNote?.amountMinor ?? 0, p.invoice?.grossMinor ?? 0, p.newPeriod ? 1 : 0, priceMinor].join(':');

export interface PortalPreview {
  choice: PlanChoice;
  preview: PlanChangePreview;
  /** Prepaid, now: what the wallet (with the credit back) lacks to pay the charge; 0 when it covers it. */
  shortMinor: number;
  /** What the wallet holds before the change. */
  walletMinor: number;
  /** Prepaid: an invoice is the new plan paid now; postpaid: the old plan's share so far, due later. */
  billingKind: BillingKind;
  fingerprint: string;
}

export type PreviewOutcome = { kind: 'preview'; value: PortalPreview } | { kind: 'refused'; reason: ChangeRefusal | 'not-offered' };

/**
 * What moving to `planId` would do as of `at`, computed by billing's own preview. A prepaid
 * upgrade is paid from the wallet: the credit for the unused old plan goes there first, and a
 * charge the wallet cannot meet (after anything already owed) is refused with what is lacking,
 * so a customer never lets themselves into a debt due at once.
 */
export function previewPortalChange(db: Db, customerId: number, planId: number, at: number, zone: string): PreviewOutcome {
  const customer = findCustomerById(db, customerId);
  if (!customer) return { kind: 'refused', reason: 'account' };
  const sub = subscriptionOf(db, customerId);
  const refusal = changeRefusalOf(customer, at, sub);
  if (refusal) return { kind: 'refused', reason: refusal };
  const current = findPlanById(db, sub!.planId)!;
  const choice = planChoices(db, current, customer.currency).find((c) => c.id === planId);
  if (!choice) return { kind: 'refused', reason: 'not-offered' };
  const preview = previewPlanChange(db, { username: customer.username, planName: choice.name, when: choice.when, at, zone });
  const balance = customerBalance(db, customerId, customer.currency);
  let shortMinor = 0;
  if (preview.effect === 'now' && sub!.billingKind === 'prepaid' && preview.invoice) {
    // The credit note and wallet first settle whatever is already owed, oldest first.
    const available = balance.walletMinor + (preview.creditNote?.amountMinor ?? 0) - balance.dueMinor;
    shortMinor = Math.max(0, preview.invoice.grossMinor - available);
  }
  return { kind: 'preview', value: { choice, preview, shortMinor, walletMinor: balance.walletMinor, billingKind: sub!.billingKind, fingerprint: fingerprint(preview, choice.priceMinor) } };
}

export type ConfirmOutcome =
  | { kind: 'changed'; result: PlanChangeResult; sessions: number }
  | { kind: 'stale'; value: PortalPreview }
  | { kind: 'short'; value: PortalPreview }
  | { kind: 'refused'; reason: ChangeRefusal | 'not-offered' };

/**
 * Carries out the change the customer confirmed, as of the preview's moment when that was
 * recent, and only if the same figures come out again (a price edited in between shows the new
 * preview instead). Open sessions get an upgrade's speed by CoA in the same transaction.
 */
export function confirmPortalChange(db: Db, input: { customerId: number; planId: number; when: string; previewAt: number; expect: string; now: number; zone: string }): ConfirmOutcome {
  return db.transaction((tx) => {
    const d = tx as Db;
    const fresh = input.previewAt <= input.now && input.now - input.previewAt <= PREVIEW_VALID_MS;
    const at = fresh ? input.previewAt : input.now;
    const outcome = previewPortalChange(d, input.customerId, input.planId, at, input.zone);
    if (outcome.kind === 'refused') return outcome;
    const { value } = outcome;
    if (!fresh || value.fingerprint !== input.expect || value.choice.when !== input.when) return { kind: 'stale' as const, value };
    if (value.shortMinor > 0) return { kind: 'short' as const, value };
    const customer = findCustomerById(d, input.customerId)!;
    const result = changePlan(d, { username: customer.username, planName: value.choice.name, when: value.choice.when, at, zone: input.zone, actor: customerActor(customer) });
    const sessions = result.rateLimit ? enqueueForCustomer(d, customer.id, 'coa', 'plan changed', result.rateLimit, input.now) : 0;
    return { kind: 'changed' as const, result, sessions };
  }, { behavior: 'immediate' });
}

/** Drops a change planned for renewal; the plan it would have been, or null when none was. */
export function cancelPortalChange(db: Db, customerId: number, now: number): string | null {
  return db.transaction((tx) => {
    const customer = findCustomerById(tx as Db, customerId);
    if (!customer) return null;
    return cancelScheduledPlanChange(tx as Db, { customerId, at: now, actor: customerActor(customer) });
  }, { behavior: 'immediate' });
}

export type PauseOutcome = { kind: 'paused'; disconnecting: number } | { kind: 'refused'; reason: PauseRefusal };

/** Pauses the customer's line; open sessions get a Disconnect-Request in the same transaction. */
export function pausePortalLine(db: Db, customerId: number, now: number, zone: string): PauseOutcome {
  return db.transaction((tx) => {
    const d = tx as Db;
    const customer = findCustomerById(d, customerId);
    if (!customer) return { kind: 'refused' as const, reason: 'account' as const };
    const result = pauseSubscription(d, { customerId, at: now, zone, actor: customerActor(customer) });
    if (result.kind === 'refused') return result;
    return { kind: 'paused' as const, disconnecting: enqueueForCustomer(d, customerId, 'disconnect', 'subscription paused', null, now) };
  }, { behavior: 'immediate' });
}

/** Resumes the customer's paused line; true when it was paused. */
export function resumePortalLine(db: Db, customerId: number, now: number): boolean {
  return db.transaction((tx) => {
    const customer = findCustomerById(tx as Db, customerId);
    if (!customer) return false;
    return resumeSubscription(tx as Db, { customerId, at: now, actor: customerActor(customer) }).kind === 'resumed';
  }, { behavior: 'immediate' });
}

export type DeviceOutcome =
  | { kind: 'saved'; mac: string | null; before: string | null; changed: boolean }
  | { kind: 'bad' }
  /** Another account has it: said plainly, never whose. */
  | { kind: 'taken' }
  /** The operator bound the account to its device: only they change it. */
  | { kind: 'bound' };

/**
 * Registers (or with null, removes) the customer's device MAC, in any common form, through the
 * same edit staff make, inside the caller's transaction. Binding is the operator's decision and
 * is left as it is; a bound device cannot be changed here.
 */
export function setPortalDevice(db: Db, customerId: number, typed: string | null, now: number): DeviceOutcome {
  const customer = findCustomerById(db, customerId);
  if (!customer) return { kind: 'bad' };
  if (customer.macBinding) return { kind: 'bound' };
  const mac = typed === null ? null : normaliseMac(typed);
  if (mac === undefined) return { kind: 'bad' };
  try {
    const edit = editCustomer(db, undefined, customer.username, { mac }, now);
    return { kind: 'saved', mac, before: customer.mac, changed: Object.keys(edit.after).length > 0 };
  } catch (err) {
    if (err instanceof LangoError && err.code === 'INPUT_DUPLICATE_MAC') return { kind: 'taken' };
    if (err instanceof LangoError && err.code === 'INPUT_BAD_MAC') return { kind: 'bad' };
    throw err;
  }
}
