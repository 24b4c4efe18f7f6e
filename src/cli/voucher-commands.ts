import { enqueueForCustomer } from '../aaa/enforcement.js';
import { listNas } from '../aaa/nas.js';
import { findPlanByName, formatMoney } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import type { VoucherPasswordMode } from '../db/schema/hotspot.js';
import { LangoError } from '../errors.js';
import { batchReports, batchSheet, cardsCsv, createBatch, findBatch, listVouchers, renderCardsHtml, renderCardsPdf, revokeVouchers, type VoucherState } from '../hotspot/index.js';
import { languages } from '../i18n/index.js';
import { writeFileSync } from 'node:fs';
import { choice, formatTime, json, str, table, type Command } from './command.js';
import { actor, amount, moment } from './inputs.js';

const STATES: readonly VoucherState[] = ['unused', 'active', 'exhausted', 'expired', 'revoked'];

function batchOf(db: Db, text: string) {
  const batch = findBatch(db, text);
  if (!batch) throw new LangoError('HOTSPOT_UNKNOWN_BATCH', { batch: text });
  return batch;
}

/** Router names to ids, refusing a name that does not exist. */
function routerIds(db: Db, names: string | undefined): number[] | null {
  if (names === undefined) return null;
  const routers = listNas(db);
  return names.split(',').map((name) => {
    const router = routers.find((r) => r.name === name.trim());
    if (!router) throw new LangoError('INPUT_BAD_CHOICE', { value: name, option: 'router', allowed: routers.map((r) => r.name).join(', ') || '(no routers yet)' });
    return router.id;
  });
}

export const voucherCommands: Command[] = [
  {
    words: ['voucher', 'create'],
    summary: 'Print a batch of hotspot vouchers: unguessable codes on a prepaid plan, validity starting at the first login.',
    usage:
      'lango voucher create --plan "1 Hour" --count 100 [--length 8] [--prefix HS] [--price 20] [--password code|blank|random] [--use-before 2026-12-31] [--mac-lock] [--router R1,R2] [--seller "Kiosk 4"] [--json]',
    options: {
      plan: { type: 'string' },
      count: { type: 'string' },
      length: { type: 'string' },
      prefix: { type: 'string' },
      price: { type: 'string' },
      password: { type: 'string' },
      'use-before': { type: 'string' },
      'mac-lock': { type: 'boolean' },
      router: { type: 'string' },
      seller: { type: 'string' },
      ...json,
    },
    required: ['plan', 'count'],
    run: ({ db, box, config }, v) => {
      const now = Date.now();
      const plan = findPlanByName(db, str(v, 'plan')!);
      const { batch, codes } = createBatch(db, box, {
        planName: str(v, 'plan')!,
        count: Number(str(v, 'count')),
        codeLength: str(v, 'length') === undefined ? undefined : Number(str(v, 'length')),
        prefix: str(v, 'prefix'),
        passwordMode: choice(str(v, 'password'), ['code', 'blank', 'random'] as const, 'password') as VoucherPasswordMode | undefined,
        priceMinor: str(v, 'price') === undefined ? undefined : amount(str(v, 'price')!, plan?.currency ?? 'KES'),
        useBefore: str(v, 'use-before') === undefined ? null : moment(str(v, 'use-before'), config.LANGO_TIMEZONE, 'use-before'),
        macLock: v['mac-lock'] === true,
        nasIds: routerIds(db, str(v, 'router')),
        seller: str(v, 'seller') ?? null,
        actor: actor(),
        now,
      });
      return { batch, codes };
    },
    print: (r) => {
      const { batch, codes } = r as { batch: { name: string; count: number; priceMinor: number; currency: 'KES' }; codes: Array<{ code: string; password: string }> };
      return [`Batch ${batch.name}: ${batch.count} voucher(s) at ${formatMoney(batch.priceMinor, batch.currency)}. Print them with: lango voucher print --batch ${batch.name} --pdf cards.pdf`, ...codes.slice(0, 5).map((c) => `  ${c.code}${c.password && c.password !== c.code ? ` / ${c.password}` : ''}`), codes.length > 5 ? `  … and ${codes.length - 5} more` : ''].filter(Boolean).join('\n');
    },
  },
  {
    words: ['voucher', 'batches'],
    summary: 'Voucher batches with their sales: unused, active, used up, expired and cancelled codes, and what used codes are worth.',
    usage: 'lango voucher batches [--json]',
    options: { ...json },
    run: ({ db }) => batchReports(db),
    print: (rows) =>
      table(
        (rows as ReturnType<typeof batchReports>).map((r) => ({ name: r.batch.name, plan: r.plan, price: r.price, seller: r.batch.seller, created: formatTime(r.batch.createdAt), ...r.counts, sold: formatMoney(r.soldMinor, r.batch.currency) })),
        [['name', 'BATCH'], ['plan', 'PLAN'], ['price', 'PRICE'], ['seller', 'SELLER'], ['unused', 'UNUSED'], ['active', 'ACTIVE'], ['exhausted', 'USED UP'], ['expired', 'EXPIRED'], ['revoked', 'CANCELLED'], ['sold', 'SOLD'], ['created', 'CREATED (UTC)']],
      ),
  },
  {
    words: ['voucher', 'list'],
    summary: 'Codes of a batch (or one code) with their state, first use, end and usage.',
    usage: 'lango voucher list (--batch B-0001 | --code ABCD2345) [--state unused|active|exhausted|expired|revoked] [--json]',
    options: { batch: { type: 'string' }, code: { type: 'string' }, state: { type: 'string' }, ...json },
    run: ({ db }, v) => {
      const batch = str(v, 'batch');
      const code = str(v, 'code');
      return listVouchers(db, { batchId: batch === undefined ? undefined : batchOf(db, batch).id, code, state: choice(str(v, 'state'), STATES, 'state') });
    },
    print: (rows) =>
      table(
        (rows as ReturnType<typeof listVouchers>).map((r) => ({ ...r, firstUsedAt: formatTime(r.firstUsedAt), endsAt: formatTime(r.endsAt), mb: (r.bytesUsed / 1e6).toFixed(1) })),
        [['serial', '#'], ['code', 'CODE'], ['batch', 'BATCH'], ['plan', 'PLAN'], ['state', 'STATE'], ['firstUsedAt', 'FIRST USE (UTC)'], ['endsAt', 'ENDS (UTC)'], ['mb', 'MB'], ['lockedMac', 'DEVICE']],
      ),
  },
  {
    words: ['voucher', 'print'],
    summary: 'A batch as print-ready A4 cards (24 a page, cut lines, QR code to the login page) in HTML or PDF, and as CSV.',
    usage: 'lango voucher print --batch B-0001 [--pdf cards.pdf] [--html cards.html] [--csv cards.csv] [--language en|ar] [--ssid "Lango WiFi"] [--login-url "http://hotspot.lan/login?username={code}"] [--json]',
    options: { batch: { type: 'string' }, pdf: { type: 'string' }, html: { type: 'string' }, csv: { type: 'string' }, language: { type: 'string' }, ssid: { type: 'string' }, 'login-url': { type: 'string' }, ...json },
    required: ['batch'],
    run: async ({ db, box, config }, v) => {
      const batch = batchOf(db, str(v, 'batch')!);
      const sheet = batchSheet(db, box, batch.id, { language: choice(str(v, 'language'), languages, 'language') ?? 'en', zone: config.LANGO_TIMEZONE, ssid: str(v, 'ssid') ?? null, loginUrl: str(v, 'login-url') ?? null });
      const outputs: Array<[string | undefined, () => Promise<string | Buffer> | string]> = [
        [str(v, 'html'), () => renderCardsHtml(sheet)],
        [str(v, 'pdf'), () => renderCardsPdf(sheet)],
        // A byte-order mark so spreadsheet programs read Arabic plan names as UTF-8.
        [str(v, 'csv'), () => `\uFEFF${cardsCsv(sheet.cards)}`],
      ];
      const written: string[] = [];
      for (const [file, render] of outputs) {
        if (file === undefined) continue;
        writeFileSync(file, await render());
        written.push(file);
      }
      if (written.length === 0) throw new LangoError('INPUT_BAD_CHOICE', { value: '', option: 'pdf, --html or --csv', allowed: 'at least one file to write' });
      return { batch: batch.name, cards: sheet.cards.length, written };
    },
    print: (r) => {
      const { batch, cards, written } = r as { batch: string; cards: number; written: string[] };
      return `Batch ${batch}: ${cards} card(s) written to ${written.join(', ')}.`;
    },
  },
  {
    words: ['voucher', 'revoke'],
    summary: 'Cancel a code, or every unused code of a batch (lost or stolen cards); open sessions are disconnected.',
    usage: 'lango voucher revoke (--code ABCD2345 | --batch B-0001) --reason "cards stolen" [--json]',
    options: { code: { type: 'string' }, batch: { type: 'string' }, reason: { type: 'string' }, ...json },
    run: ({ db }, v) => {
      const code = str(v, 'code');
      const batch = str(v, 'batch');
      if (code === undefined && batch === undefined) throw new LangoError('INPUT_BAD_CHOICE', { value: '', option: 'code or --batch', allowed: 'a code or a batch name' });
      return db.transaction((tx) => {
        const d = tx as Db;
        const result = revokeVouchers(d, { codes: code === undefined ? undefined : [code], batchId: batch === undefined ? undefined : batchOf(d, batch).id, reason: str(v, 'reason') ?? '', actor: actor(), now: Date.now() });
        const disconnecting = result.customerIds.reduce((n, id) => n + enqueueForCustomer(d, id, 'disconnect', 'voucher cancelled'), 0);
        return { revoked: result.revoked, disconnecting };
      }, { behavior: 'immediate' });
    },
    print: (r) => {
      const { revoked, disconnecting } = r as { revoked: number; disconnecting: number };
      return `Cancelled ${revoked} voucher(s)${disconnecting > 0 ? `; disconnecting ${disconnecting} session(s)` : ''}.`;
    },
  },
];
