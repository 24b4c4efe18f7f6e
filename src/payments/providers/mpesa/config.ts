import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

/** Base URLs of the two Daraja environments (payments.md §1.1). */
export const DARAJA_BASE_URLS = {
  sandbox: 'https://sandbox.safaricom.co.ke',
  production: 'https://api.safaricom.co.ke',
} as const;

/**
 * Addresses client libraries ship as Safaricom's callback sources. Not on Daraja's current pages and
 * possibly incomplete (payments.md §1.8), hence configurable and log-only by default.
 */
export const SAFARICOM_CALLBACK_IPS: readonly string[] = [
  '196.201.214.200',
  '196.201.214.206',
  '196.201.213.114',
  '196.201.214.207',
  '196.201.214.208',
  '196.201.213.44',
  '196.201.212.127',
  '196.201.212.138',
  '196.201.212.129',
  '196.201.212.136',
  '196.201.212.74',
  '196.201.212.69',
];

// Settings may come from a JSON form that stored the shortcode as a number.
const shortcodeSchema = z
  .union([z.string(), z.number().int()])
  .transform((value) => String(value).trim())
  .pipe(z.string().regex(/^\d{5,7}$/, 'a shortcode is 5 to 7 digits, e.g. 174379'));

const addressSchema = z.string().refine((entry) => {
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || address === undefined) return false;
  const family = isIPv4(address) ? 32 : isIPv6(address) ? 128 : 0;
  if (family === 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= family);
}, 'an IP address or CIDR block, e.g. 196.201.214.200 or 196.201.212.0/24');

export const mpesaConfigSchema = z.object({
  environment: z.enum(['sandbox', 'production']).default('sandbox').describe('Daraja environment: sandbox or production.'),
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Daraja base URL; defaults to the environment\'s (tests point it at the local emulator).'),
  shortcode: shortcodeSchema.describe('BusinessShortCode: the paybill, or for a till the head-office/store number.'),
  transactionType: z
    .enum(['CustomerPayBillOnline', 'CustomerBuyGoodsOnline'])
    .default('CustomerPayBillOnline')
    .describe('CustomerPayBillOnline for a paybill, CustomerBuyGoodsOnline for a till.'),
  partyB: shortcodeSchema.optional().describe('Who receives the money: the paybill (default: the shortcode) or the till number.'),
  consumerKey: z.string().min(1).describe('Daraja app consumer key.'),
  consumerSecret: z.string().min(1).describe('Daraja app consumer secret (kept sealed).'),
  passkey: z.string().min(1).describe('Lipa na M-Pesa Online passkey (kept sealed).'),
  initiatorName: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .optional()
    .describe('Initiator (API operator) allowed Transaction Status queries: lets customers look up a payment by its receipt code. Without it they are asked for their phone number instead.'),
  securityCredential: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe('The initiator password encrypted with the M-Pesa public certificate, base64, as Daraja\'s portal makes it (kept sealed).'),
  timeoutMs: z.number().int().positive().default(10_000).describe('How long one HTTP call to Daraja may take.'),
  queryAfterMs: z.number().int().positive().default(30_000).describe('How long without a callback before the first STK query.'),
  giveUpAfterMs: z.number().int().positive().default(15 * 60_000).describe('How long before an open STK attempt is marked expired and flagged.'),
  c2bResponseType: z
    .enum(['Completed', 'Cancelled'])
    .default('Completed')
    .describe('What M-Pesa does with a C2B payment when Lango\'s validation answer is late: complete or cancel it.'),
  callbackAllowList: z
    .array(addressSchema)
    .default(() => [...SAFARICOM_CALLBACK_IPS])
    .describe('Addresses Daraja callbacks may come from (IPs or CIDR blocks).'),
  allowListMode: z
    .enum(['off', 'log', 'enforce'])
    .default('log')
    .describe('What a callback from outside the allow-list gets: nothing (off), a log line (log) or a refusal (enforce).'),
});

export type MpesaConfig = z.output<typeof mpesaConfigSchema>;

export function baseUrlOf(config: MpesaConfig): string {
  return (config.baseUrl ?? DARAJA_BASE_URLS[config.environment]).replace(/\/+$/, '');
}

const blockLists = new WeakMap<readonly string[], BlockList>();

function blockListOf(entries: readonly string[]): BlockList {
  let list = blockLists.get(entries);
  if (!list) {
    list = new BlockList();
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIPv4(address) ? 'ipv4' : 'ipv6';
      if (bits === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(bits), family);
    }
    blockLists.set(entries, list);
  }
  return list;
}

/**
 * Whether a callback from `ip` passes the allow-list: true when it is listed or the mode is 'off'.
 * The caller decides what a false means from `config.allowListMode`: log it ('log') or refuse it
 * ('enforce'). IPv4 addresses seen through an IPv6 socket ('::ffff:196.201.214.200') count as IPv4.
 */
export function isAllowedSource(config: Pick<MpesaConfig, 'callbackAllowList' | 'allowListMode'>, ip: string): boolean {
  if (config.allowListMode === 'off') return true;
  const address = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (isIPv4(address)) return blockListOf(config.callbackAllowList).check(address, 'ipv4');
  if (isIPv6(address)) return blockListOf(config.callbackAllowList).check(address, 'ipv6');
  return false;
}
