import { writeFileSync } from 'node:fs';
import { enqueueExpired, enqueueForCustomer } from '../aaa/enforcement.js';
import {
  addPromotion,
  adjustWallet,
  findPlanByName,
  listPromotions,
  type PromotionRow,
  arrangeInstalments,
  changePlan,
  customerBalance,
  findCustomer,
  findInvoice,
  formatMoney,
  issueCreditNote,
  voidInvoice,
  listInvoices,
  listTaxClasses,
  manualBillingJob,
  parseMoney,
  recordPayment,
  renderInvoiceDocument,
  runBilling,
  saveTaxClass,
  subscriptionOf,
  timelineOf,
  trialBalance,
  type BillingRunResult,
  type CustomerSummary,
  type Invoice,
  type PlanChangeResult,
} from '../billing/index.js';
import type { Db } from '../db/connection.js';
import type { InvoiceStatus } from '../db/schema/ledger.js';
import { LangoError } from '../errors.js';
import { ensureJob, listJobs, type Job } from '../jobs/index.js';
import { allSettings, setSetting } from '../settings/index.js';
import { auditTrail, recordAudit, type AuditEntry } from '../staff/index.js';
import { choice, formatTime, json, str, table, type Command, type Values } from './command.js';
import { actor, amount, customerOf, moment } from './inputs.js';

// The money side of `lango`: payments at the counter, invoices, credit notes, adjustments,
// taxes, settings and the billing run. Every change is made as `cli:<os user>`, which the
// audit log and the customer's timeline record.

/** "VAT:VAT 16%:16[:compound]" */
function parseTax(text: string): { code: string; name: string; rateBasisPoints: number; compound: boolean } {
  const [code, name, percent, flag, extra] = text.split(':');
  const rate = Number(percent);
  if (!code || !name || percent === undefined || !/^\d+(\.\d{1,2})?$/.test(percent) || (flag !== undefined && flag !== 'compound') || extra !== undefined) {
    throw new LangoError('INPUT_BAD_TAX', { value: text, reason: 'expected code:name:percent' });
  }
  return { code, name, rateBasisPoints: Math.round(rate * 100), compound: flag === 'compound' };
}

function invoiceRow(i: Invoice) {
  return { number: i.number, kind: i.kind, status: i.status, issued: formatTime(i.issuedAt).slice(0, 10), due: formatTime(i.dueAt).slice(0, 10), total: formatMoney(i.grossMinor, i.currency), paid: formatMoney(i.paidMinor, i.currency) };
}

export const billingCommands: Command[] = [
  {
    words: ['pay'],
    summary: 'Record money a customer paid at the counter or by bank: a receipt, open invoices paid oldest first, an overdue suspension lifted.',
    usage: 'lango pay --username alice --amount 1500 --method cash|bank --reference <receipt book no. or bank ref> [--received 2026-03-01T14:30] [--json]',
    options: { username: { type: 'string' }, amount: { type: 'string' }, method: { type: 'string' }, reference: { type: 'string' }, received: { type: 'string' }, ...json },
    required: ['username', 'amount', 'method', 'reference'],
    run: ({ db, config }, v) => {
      const customer = customerOf(db, str(v, 'username')!);
      const method = choice(str(v, 'method'), ['cash', 'bank'] as const, 'method')!;
      const result = recordPayment(db, {
        customerId: customer.id,
        method,
        reference: str(v, 'reference')!,
        amountMinor: amount(str(v, 'amount')!, customer.currency),
        currency: customer.currency,
        receivedAt: moment(str(v, 'received'), config.LANGO_TIMEZONE, 'received'),
        actor: actor(),
        zone: config.LANGO_TIMEZONE,
      });
      if (!result.created) throw new LangoError('INPUT_DUPLICATE_PAYMENT', { method, reference: result.payment.reference, receipt: result.payment.receiptNumber });
      return { ...result, balance: customerBalance(db, customer.id, customer.currency), status: findCustomer(db, customer.username)!.status };
    },
    print: (r) => {
      const { payment, allocatedMinor, balance, status } = r as ReturnType<typeof recordPayment> & { balance: ReturnType<typeof customerBalance>; status: string };
      return [
        `Receipt ${payment.receiptNumber}: ${formatMoney(payment.amountMinor, payment.currency)} by ${payment.method} (${payment.reference}).`,
        `Paid on invoices: ${formatMoney(allocatedMinor, payment.currency)}. Still owed: ${formatMoney(balance.dueMinor, balance.currency)}. Wallet: ${formatMoney(balance.walletMinor, balance.currency)}. Account: ${status}.`,
      ].join('\n');
    },
  },
  {
    words: ['wallet', 'adjust'],
    summary: "Credit (positive) or take back (negative) wallet money by hand, with a reason kept in the audit log.",
    usage: 'lango wallet adjust --username alice --amount 200 (a debit: --amount=-200) --reason "why" [--json]',
    options: { username: { type: 'string' }, amount: { type: 'string' }, reason: { type: 'string' }, ...json },
    required: ['username', 'amount'],
    run: ({ db }, v) => {
      const customer = customerOf(db, str(v, 'username')!);
      adjustWallet(db, { customerId: customer.id, amountMinor: amount(str(v, 'amount')!, customer.currency, true), currency: customer.currency, reason: str(v, 'reason') ?? '', actor: actor(), at: Date.now() });
      return { username: customer.username, balance: customerBalance(db, customer.id, customer.currency) };
    },
    print: (r) => {
      const { username, balance } = r as { username: string; balance: ReturnType<typeof customerBalance> };
      return `Adjusted ${username}. Wallet: ${formatMoney(balance.walletMinor, balance.currency)}. Still owed: ${formatMoney(balance.dueMinor, balance.currency)}.`;
    },
  },
  {
    words: ['customer', 'balance'],
    summary: "What a customer owes, what is in their wallet, their subscription and open invoices.",
    usage: 'lango customer balance --username alice [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => {
      const customer = customerOf(db, str(v, 'username')!);
      return {
        username: customer.username,
        status: customer.status,
        subscription: subscriptionOf(db, customer.id) ?? null,
        plan: customer.plan,
        balance: customerBalance(db, customer.id, customer.currency),
        invoices: listInvoices(db, { customerId: customer.id }).filter((i) => i.status !== 'paid' && i.status !== 'void'),
      };
    },
    print: (r) => {
      const c = r as { username: string; status: string; plan: string | null; subscription: ReturnType<typeof subscriptionOf> | null; balance: ReturnType<typeof customerBalance>; invoices: Invoice[] };
      const sub = c.subscription;
      return [
        `${c.username} (${c.status}) on ${c.plan ?? 'no plan'}${sub ? `, ${sub.billingKind}, subscription ${sub.status}, next renewal ${formatTime(sub.periodEnd)}` : ''}`,
        `owed: ${formatMoney(c.balance.dueMinor, c.balance.currency)}, wallet: ${formatMoney(c.balance.walletMinor, c.balance.currency)}`,
        c.invoices.length ? table(c.invoices.map(invoiceRow), [['number', 'NUMBER'], ['status', 'STATUS'], ['due', 'DUE'], ['total', 'TOTAL'], ['paid', 'PAID']]) : 'no open invoices',
      ].join('\n');
    },
  },
  {
    words: ['customer', 'timeline'],
    summary: "Everything that happened to a customer's account: who, what, when.",
    usage: 'lango customer timeline --username alice [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => timelineOf(db, customerOf(db, str(v, 'username')!).id),
    print: (r) => table((r as ReturnType<typeof timelineOf>).map((e) => ({ at: formatTime(e.at), actor: e.actor, kind: e.kind, detail: JSON.stringify(e.detail) })), [['at', 'WHEN'], ['actor', 'WHO'], ['kind', 'WHAT'], ['detail', 'DETAIL']]),
  },
  {
    words: ['customer', 'change-plan'],
    summary: 'Upgrade or downgrade with proration: now (credit for unused days, charge for the rest, new speed by CoA) or at the next renewal.',
    usage: 'lango customer change-plan --username alice --plan "Home 20M" --when now|renewal [--json]',
    options: { username: { type: 'string' }, plan: { type: 'string' }, when: { type: 'string' }, ...json },
    required: ['username', 'plan', 'when'],
    run: ({ db, config }, v) => {
      const when = choice(str(v, 'when'), ['now', 'renewal'] as const, 'when')!;
      const now = Date.now();
      return db.transaction((tx) => {
        const result = changePlan(tx as Db, { username: str(v, 'username')!, planName: str(v, 'plan')!, when, actor: actor(), at: now, zone: config.LANGO_TIMEZONE });
        // The speed changes on live sessions at the same moment, through the enforcement queue the daemon drains.
        const customer = findCustomer(tx as Db, result.username)!;
        const sessions = result.rateLimit ? enqueueForCustomer(tx as Db, customer.id, 'coa', 'plan changed', result.rateLimit, now) : 0;
        return { ...result, sessions };
      }, { behavior: 'immediate' });
    },
    print: (r) => {
      const c = r as PlanChangeResult & { sessions: number };
      if (c.when === 'renewal') return `${c.username} moves from "${c.from}" to "${c.to}" at the next renewal.`;
      const money = [c.creditNote ? `credit note ${c.creditNote.number} ${formatMoney(c.creditNote.grossMinor, c.creditNote.currency)}` : null, c.invoice ? `invoice ${c.invoice.number} ${formatMoney(c.invoice.grossMinor, c.invoice.currency)}` : null].filter(Boolean).join(', ');
      return `${c.username} is now on "${c.to}"${money ? ` (${money})` : ''}; ${c.sessions} open session(s) get the new speed.`;
    },
  },
  {
    words: ['invoice', 'list'],
    summary: 'List invoices and credit notes, oldest first.',
    usage: 'lango invoice list [--username alice] [--status issued|partially_paid|paid|overdue|void] [--json]',
    options: { username: { type: 'string' }, status: { type: 'string' }, ...json },
    run: ({ db }, v) => {
      const username = str(v, 'username');
      const status = choice<InvoiceStatus>(str(v, 'status'), ['issued', 'partially_paid', 'paid', 'overdue', 'void'], 'status');
      return listInvoices(db, { ...(username ? { customerId: customerOf(db, username).id } : {}), ...(status ? { status } : {}) }, 1000);
    },
    print: (r) => table((r as Invoice[]).map(invoiceRow), [['number', 'NUMBER'], ['kind', 'KIND'], ['status', 'STATUS'], ['issued', 'ISSUED'], ['due', 'DUE'], ['total', 'TOTAL'], ['paid', 'PAID']]),
  },
  {
    words: ['invoice', 'show'],
    summary: 'One invoice or credit note with its lines; --html / --pdf write the printable document to a file.',
    usage: 'lango invoice show --number INV-2026-000001|CN-…|RCT-… [--html invoice.html] [--pdf invoice.pdf] [--json]',
    options: { number: { type: 'string' }, html: { type: 'string' }, pdf: { type: 'string' }, ...json },
    required: ['number'],
    run: async ({ db, config }, v) => {
      const number = str(v, 'number')!;
      const found = number.startsWith('RCT-') ? { invoice: null, lines: [] } : findInvoice(db, number);
      if (!found) throw new LangoError('INPUT_UNKNOWN_INVOICE', { number });
      const written: string[] = [];
      if (str(v, 'html') || str(v, 'pdf')) {
        const rendered = await renderInvoiceDocument(db, number, config.LANGO_TIMEZONE, { html: Boolean(str(v, 'html')), pdf: Boolean(str(v, 'pdf')) });
        if (rendered.html !== undefined) writeFileSync(str(v, 'html')!, rendered.html), written.push(str(v, 'html')!);
        if (rendered.pdf !== undefined) writeFileSync(str(v, 'pdf')!, rendered.pdf), written.push(str(v, 'pdf')!);
      }
      return { ...found, written };
    },
    print: (r) => {
      const { invoice, lines, written } = r as { invoice: Invoice | null; lines: NonNullable<ReturnType<typeof findInvoice>>['lines']; written: string[] };
      if (!invoice) return written.map((file) => `wrote ${file}`).join('\n') || 'Give --html or --pdf to write a receipt.';
      return [
        `${invoice.number} (${invoice.kind}, ${invoice.status}) issued ${formatTime(invoice.issuedAt)}, due ${formatTime(invoice.dueAt)}`,
        table(lines.map((l) => ({ description: l.description, qty: l.quantity, net: formatMoney(l.netMinor, invoice.currency), tax: formatMoney(l.taxMinor, invoice.currency), total: formatMoney(l.grossMinor, invoice.currency) })), [['description', 'DESCRIPTION'], ['qty', 'QTY'], ['net', 'NET'], ['tax', 'TAX'], ['total', 'TOTAL']]),
        `total ${formatMoney(invoice.grossMinor, invoice.currency)}, paid ${formatMoney(invoice.paidMinor, invoice.currency)}`,
        ...written.map((file) => `wrote ${file}`),
      ].join('\n');
    },
  },
  {
    words: ['invoice', 'credit'],
    summary: 'Correct an issued invoice with a credit note (issued invoices are never edited); what it still owed is reduced first, the rest goes to the wallet.',
    usage: 'lango invoice credit --number INV-2026-000001 --amount 500|all --reason "Outage 3-5 March" [--json]',
    options: { number: { type: 'string' }, amount: { type: 'string' }, reason: { type: 'string' }, ...json },
    required: ['number', 'amount'],
    run: ({ db, config }, v) => {
      const number = str(v, 'number')!;
      const found = findInvoice(db, number);
      if (!found) throw new LangoError('INPUT_UNKNOWN_INVOICE', { number });
      const reason = str(v, 'reason') ?? '';
      if (reason.trim().length < 3) throw new LangoError('INPUT_REASON_REQUIRED');
      const text = str(v, 'amount')!;
      return issueCreditNote(db, { invoiceNumber: number, amountMinor: text === 'all' ? 'all' : parseMoney(text, found.invoice.currency), reason, actor: actor(), at: Date.now(), zone: config.LANGO_TIMEZONE });
    },
    print: (r) => `Credit note ${(r as Invoice).number}: ${formatMoney((r as Invoice).grossMinor, (r as Invoice).currency)}.`,
  },
  {
    words: ['invoice', 'void'],
    summary: 'Void an invoice issued in error that nobody has paid on: a credit note for all of it, and the invoice marked void.',
    usage: 'lango invoice void --number INV-2026-000001 --reason "issued twice" [--json]',
    options: { number: { type: 'string' }, reason: { type: 'string' }, ...json },
    required: ['number', 'reason'],
    run: ({ db, config }, v) => voidInvoice(db, { invoiceNumber: str(v, 'number')!, reason: str(v, 'reason')!, actor: actor(), at: Date.now(), zone: config.LANGO_TIMEZONE }),
    print: (r) => {
      const { invoice, creditNote } = r as { invoice: Invoice; creditNote: Invoice };
      return `Invoice ${invoice.number} is void (credit note ${creditNote.number}).`;
    },
  },
  {
    words: ['invoice', 'instalments'],
    summary: 'Let a customer pay arrears in parts: while each part is paid by its date the invoice is not overdue (a suspension for it is lifted now).',
    usage: 'lango invoice instalments --number INV-2026-000001 --count 3 --every 7d|1month [--first 2026-03-01] [--json]',
    options: { number: { type: 'string' }, count: { type: 'string' }, every: { type: 'string' }, first: { type: 'string' }, ...json },
    required: ['number', 'count', 'every'],
    run: ({ db, config }, v) => {
      const every = str(v, 'every')!;
      const match = /^(\d{1,3})(d|month|months)$/.exec(every);
      if (!match || Number(match[1]) < 1) throw new LangoError('INPUT_BAD_CHOICE', { value: every, option: 'every', allowed: 'a number of days or months, e.g. 7d, 14d, 1month' });
      const now = Date.now();
      const parts = arrangeInstalments(db, {
        invoiceNumber: str(v, 'number')!,
        count: Number(str(v, 'count')),
        every: match[2] === 'd' ? { days: Number(match[1]) } : { months: Number(match[1]) },
        firstDueAt: str(v, 'first') ? moment(str(v, 'first'), config.LANGO_TIMEZONE, 'first') : now + 7 * 86_400_000,
        actor: actor(),
        at: now,
        zone: config.LANGO_TIMEZONE,
      });
      const invoice = findInvoice(db, str(v, 'number')!)!.invoice;
      return { invoice: invoice.number, currency: invoice.currency, parts };
    },
    print: (r) => {
      const x = r as { invoice: string; currency: Invoice['currency']; parts: Array<{ dueAt: number; amountMinor: number }> };
      return `${x.invoice} in ${x.parts.length} parts:\n${table(x.parts.map((p) => ({ due: formatTime(p.dueAt).slice(0, 10), amount: formatMoney(p.amountMinor, x.currency) })), [['due', 'DUE'], ['amount', 'AMOUNT']])}`;
    },
  },
  {
    words: ['promotion', 'add'],
    summary: "A time-limited discount on renewals and cycle invoices: percent or fixed, for one plan or all.",
    usage: 'lango promotion add --code EASTER26 --label "Easter offer" (--percent 10 | --amount 200 --currency KES) [--plan "Home 10M"] [--from 2026-04-01] [--to 2026-04-30] [--json]',
    options: { code: { type: 'string' }, label: { type: 'string' }, percent: { type: 'string' }, amount: { type: 'string' }, currency: { type: 'string' }, plan: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, ...json },
    required: ['code', 'label'],
    run: ({ db, config }, v) => {
      const planName = str(v, 'plan');
      const plan = planName === undefined ? null : findPlanByName(db, planName);
      if (plan === undefined) throw new LangoError('INPUT_UNKNOWN_PLAN', { name: planName! });
      const currency = (str(v, 'currency') ?? plan?.currency ?? 'KES').toUpperCase() as Invoice['currency'];
      const percent = str(v, 'percent');
      if (percent !== undefined && !/^\d{1,3}(\.\d{1,2})?$/.test(percent)) throw new LangoError('INPUT_BAD_DISCOUNT');
      return addPromotion(db, {
        code: str(v, 'code')!,
        label: str(v, 'label')!,
        planId: plan?.id ?? null,
        percentBasisPoints: percent === undefined ? null : Math.round(Number(percent) * 100),
        amountMinor: str(v, 'amount') === undefined ? null : parseMoney(str(v, 'amount')!, currency),
        startsAt: str(v, 'from') ? moment(str(v, 'from'), config.LANGO_TIMEZONE, 'from') : null,
        endsAt: str(v, 'to') ? moment(str(v, 'to'), config.LANGO_TIMEZONE, 'to') : null,
        actor: actor(),
      });
    },
    print: (r) => `Added promotion ${(r as PromotionRow).code}.`,
  },
  {
    words: ['promotion', 'list'],
    summary: 'List promotions.',
    usage: 'lango promotion list [--json]',
    options: { ...json },
    run: ({ db }) => listPromotions(db),
    print: (r) =>
      table(
        (r as PromotionRow[]).map((p) => ({ code: p.code, label: p.label, off: p.percentBasisPoints !== null ? `${p.percentBasisPoints / 100}%` : String(p.amountMinor), from: formatTime(p.startsAt).slice(0, 10), to: formatTime(p.endsAt).slice(0, 10) })),
        [['code', 'CODE'], ['label', 'LABEL'], ['off', 'DISCOUNT'], ['from', 'FROM'], ['to', 'UNTIL']],
      ),
  },
  {
    words: ['billing', 'run'],
    summary: 'Run billing now: renewals, postpaid invoices, overdue marking, reminders, suspensions. Safe to repeat. --in-daemon asks the running daemon instead.',
    usage: 'lango billing run [--in-daemon] [--json]',
    options: { 'in-daemon': { type: 'boolean' }, ...json },
    run: async ({ db, config }, v) => {
      const now = Date.now();
      if (v['in-daemon'] === true) {
        const job = manualBillingJob(now);
        ensureJob(db, job);
        return { queued: job.key };
      }
      const result = await runBilling(db, { now, zone: config.LANGO_TIMEZONE, actor: actor() });
      // What the run changed reaches live sessions through the queue the daemon drains: new
      // speeds by CoA, suspended and expired accounts by Disconnect.
      const disconnecting = db.transaction((tx) => {
        for (const change of result.speedChanges) enqueueForCustomer(tx as Db, change.customerId, 'coa', 'renewed', change.rateLimit, now);
        return enqueueExpired(tx as Db, now);
      }, { behavior: 'immediate' });
      return { ...result, disconnecting };
    },
    print: (r) => {
      if ('queued' in (r as object)) return `Queued ${(r as { queued: string }).queued}; the daemon starts it within 5 seconds (see: lango jobs).`;
      const x = r as BillingRunResult & { disconnecting: number };
      const lines = [
        `renewed ${x.renewed}, postpaid invoices ${x.invoiced}, expired ${x.expired}, moved to grace plan ${x.movedToGracePlan}`,
        `marked overdue ${x.markedOverdue}, reminders ${x.reminders}, suspended ${x.suspended}`,
        `${x.chunks} transaction(s), longest ${x.longestChunkMs.toFixed(1)} ms; ${x.disconnecting} session(s) to disconnect`,
      ];
      for (const f of x.failed) lines.push(`could not bill subscription ${f.subscriptionId}: ${f.error}`);
      return lines.join('\n');
    },
  },
  {
    words: ['jobs'],
    summary: 'Scheduled work (billing runs): when, status, what it did.',
    usage: 'lango jobs [--json]',
    options: { ...json },
    run: ({ db }) => listJobs(db),
    print: (r) => table((r as Job[]).map((j) => ({ key: j.key, status: j.status, runAt: formatTime(j.runAt), finished: formatTime(j.finishedAt), summary: j.summary })), [['key', 'JOB'], ['status', 'STATUS'], ['runAt', 'DUE'], ['finished', 'FINISHED'], ['summary', 'RESULT']]),
  },
  {
    words: ['tax', 'set'],
    summary: 'Create or replace a tax class: taxes in order; compound ones are charged on the price plus the taxes before them.',
    usage: 'lango tax set --code KE --name "Kenya internet" --tax "EXCISE:Excise duty 15%:15" --tax "VAT:VAT 16%:16:compound" [--inclusive] [--json]',
    options: { code: { type: 'string' }, name: { type: 'string' }, tax: { type: 'string', multiple: true }, inclusive: { type: 'boolean' }, ...json },
    required: ['code', 'name'],
    run: ({ db }, v) => {
      const taxes = (v as unknown as { tax?: string[] }).tax ?? [];
      const rules = taxes.map(parseTax);
      return db.transaction((tx) => {
        const saved = saveTaxClass(tx as Db, { code: str(v, 'code')!, name: str(v, 'name')!, inclusive: v.inclusive === true, rules });
        recordAudit(tx as Db, actor(), 'tax.set', `tax-class:${saved.code}`, { inclusive: saved.inclusive, rules });
        return saved;
      }, { behavior: 'immediate' });
    },
    print: (r) => `Saved tax class ${(r as { code: string }).code}. Plans use it with: lango plan edit --name NAME --tax-class ${(r as { code: string }).code}`,
  },
  {
    words: ['tax', 'list'],
    summary: 'List tax classes.',
    usage: 'lango tax list [--json]',
    options: { ...json },
    run: ({ db }) => listTaxClasses(db),
    print: (r) =>
      table(
        (r as ReturnType<typeof listTaxClasses>).map((c) => ({ code: c.code, name: c.name, inclusive: c.inclusive ? 'included in price' : 'on top of price', taxes: c.rules.map((t) => `${t.name}${t.compound ? ' (compound)' : ''}`).join(', ') })),
        [['code', 'CODE'], ['name', 'NAME'], ['inclusive', 'PRICES'], ['taxes', 'TAXES']],
      ),
  },
  {
    words: ['settings', 'list'],
    summary: 'Operator settings and their current values.',
    usage: 'lango settings list [--json]',
    options: { ...json },
    run: ({ db }) => allSettings(db),
    print: (r) => table((r as ReturnType<typeof allSettings>).map((s) => ({ key: s.key, value: JSON.stringify(s.value) })), [['key', 'SETTING'], ['value', 'VALUE']]),
  },
  {
    words: ['settings', 'set'],
    summary: 'Change an operator setting (checked before it is saved; audit-logged).',
    usage: 'lango settings set --key billing.graceDays --value 5 [--json]',
    options: { key: { type: 'string' }, value: { type: 'string' }, ...json },
    required: ['key', 'value'],
    run: ({ db }, v) => {
      const text = str(v, 'value')!;
      let value: unknown = text;
      try {
        value = JSON.parse(text);
      } catch {
        // Plain words (an operator name, a time like 00:05) are strings.
      }
      db.transaction((tx) => {
        setSetting(tx as Db, str(v, 'key')!, value, actor());
        recordAudit(tx as Db, actor(), 'settings.set', `setting:${str(v, 'key')!}`, { value });
      }, { behavior: 'immediate' });
      return { key: str(v, 'key')!, value };
    },
    print: (r) => `Set ${(r as { key: string }).key} to ${JSON.stringify((r as { value: unknown }).value)}.`,
  },
  {
    words: ['ledger', 'check'],
    summary: 'Check that the books balance: every currency sums to zero and every transaction balances.',
    usage: 'lango ledger check [--json]',
    options: { ...json },
    run: ({ db }) => trialBalance(db),
    print: (r) => {
      const rows = r as ReturnType<typeof trialBalance>;
      const ok = rows.every((x) => x.total === 0 && x.unbalanced === 0);
      return `${table(rows, [['currency', 'CURRENCY'], ['total', 'SUM'], ['transactions', 'TRANSACTIONS'], ['unbalanced', 'UNBALANCED']])}\n${ok ? 'The books balance.' : 'THE BOOKS DO NOT BALANCE: report this as a bug.'}`;
    },
  },
  {
    words: ['audit'],
    summary: 'What staff changed, newest first.',
    usage: 'lango audit [--subject customer:12] [--json]',
    options: { subject: { type: 'string' }, ...json },
    run: ({ db }, v) => auditTrail(db, str(v, 'subject')),
    print: (r) => table((r as AuditEntry[]).map((a) => ({ at: formatTime(a.at), actor: a.actor, action: a.action, subject: a.subject, detail: JSON.stringify(a.detail) })), [['at', 'WHEN'], ['actor', 'WHO'], ['action', 'WHAT'], ['subject', 'ON'], ['detail', 'DETAIL']]),
  },
];
