import type { InitiateRequest, InitiateResult, PaymentProvider, ProviderModule, ProviderOutcome, ReceiptLookupAck, ReceiptLookupUrls } from '../../provider.js';
import { buildRegisterUrl, interpretRegisterAnswer, registerUrlPath, type C2bRegistration, type C2bRegistrationResult } from './c2b.js';
import { mpesaCallbackRoutes } from './callbacks.js';
import { DarajaClient } from './client.js';
import { baseUrlOf, isAllowedSource, mpesaConfigSchema, type MpesaConfig } from './config.js';
import { formatEatTimestamp } from './eat-time.js';
import { buildStkPush, buildStkQuery, interpretPushAnswer, interpretQueryAnswer, STK_PUSH_PATH, STK_QUERY_PATH } from './stk.js';
import { buildTransactionStatus, canLookUpReceipts, interpretLookupAck, TRANSACTION_STATUS_PATH, transactionStatusResultRoute, transactionStatusTimeoutRoute } from './transaction-status.js';

// Safaricom M-Pesa through Daraja: STK push (Lango asks the customer's phone), STK query, C2B
// (the customer pays the paybill on their own), and Transaction Status (a receipt code a customer
// types, looked up). Wire contract: payments.md §1.

export { isAllowedSource, mpesaConfigSchema, SAFARICOM_CALLBACK_IPS, DARAJA_BASE_URLS, type MpesaConfig } from './config.js';
export { parseStkCallback, parseC2bValidation, parseC2bConfirmation, normaliseAccountReference } from './callbacks.js';
export type { C2bRegistration, C2bRegistrationResult } from './c2b.js';

export interface MpesaProvider extends PaymentProvider {
  /** Tell Daraja where C2B validations and confirmations go. Production allows this once per shortcode. */
  registerC2bUrls(registration: C2bRegistration, signal?: AbortSignal): Promise<C2bRegistrationResult>;
}

export interface MpesaModule extends ProviderModule<MpesaConfig> {
  create(config: MpesaConfig, options?: { now?: () => number }): MpesaProvider;
}

export function createMpesaProvider(config: MpesaConfig, options: { now?: () => number } = {}): MpesaProvider {
  const now = options.now ?? Date.now;
  const client = new DarajaClient({
    baseUrl: baseUrlOf(config),
    consumerKey: config.consumerKey,
    consumerSecret: config.consumerSecret,
    timeoutMs: config.timeoutMs,
    now,
  });

  return {
    name: 'mpesa',
    currencies: ['KES'],
    amountStepMinor: 100,
    queryAfterMs: config.queryAfterMs,
    giveUpAfterMs: config.giveUpAfterMs,
    callbacks: [...mpesaCallbackRoutes, transactionStatusResultRoute, transactionStatusTimeoutRoute],
    receiptLookupPaths: { result: transactionStatusResultRoute.path, timeout: transactionStatusTimeoutRoute.path },

    // Safaricom's callback addresses are published only unofficially: log-only by default.
    checkSource(ip: string) {
      if (isAllowedSource(config, ip)) return 'ok';
      return config.allowListMode === 'enforce' ? 'refuse' : 'unlisted';
    },

    async initiate(request: InitiateRequest, signal?: AbortSignal): Promise<InitiateResult> {
      // One timestamp per request: Daraja checks it against the one inside the password, also on the retry.
      const push = buildStkPush(config, request, formatEatTimestamp(now()));
      if (!push.ok) return push.result;
      return interpretPushAnswer(await client.post(STK_PUSH_PATH, push.body, signal));
    },

    async query(providerRef: string, _key: string, signal?: AbortSignal): Promise<ProviderOutcome> {
      const body = buildStkQuery(config, providerRef, formatEatTimestamp(now()));
      return interpretQueryAnswer(await client.post(STK_QUERY_PATH, body, signal));
    },

    // Only with the initiator's credentials: without them the portal asks for the phone number instead.
    ...(canLookUpReceipts(config) && {
      async lookupReceipt(receipt: string, urls: ReceiptLookupUrls, signal?: AbortSignal): Promise<ReceiptLookupAck> {
        return interpretLookupAck(await client.post(TRANSACTION_STATUS_PATH, buildTransactionStatus(config, receipt, urls), signal));
      },
    }),

    async registerC2bUrls(registration: C2bRegistration, signal?: AbortSignal): Promise<C2bRegistrationResult> {
      const answer = await client.post(registerUrlPath(registration.version), buildRegisterUrl(config, registration), signal);
      return interpretRegisterAnswer(answer);
    },
  };
}

export const mpesa: MpesaModule = {
  name: 'mpesa',
  configSchema: mpesaConfigSchema,
  secretFields: ['consumerSecret', 'passkey', 'securityCredential'],
  create: createMpesaProvider,
};
