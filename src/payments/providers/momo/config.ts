import { z } from 'zod';
import type { Currency } from '../../../db/schema/billing.js';

// MTN MoMo Collections settings, one JSON object per operator (reference: payments.md §2.1).
// `apiKey` and `subscriptionKey` are sealed in the secrets table and merged in before parsing.

export const MOMO_BASE_URLS = {
  sandbox: 'https://sandbox.momodeveloper.mtn.com',
  production: 'https://proxy.momoapi.mtn.com',
} as const;

const LEDGER_CURRENCIES = ['KES', 'SSP', 'UGX', 'USD'] as const satisfies readonly Currency[];

export const momoConfigSchema = z
  .object({
    environment: z
      .enum(['sandbox', 'production'])
      .default('sandbox')
      .describe('Which MTN host to use when baseUrl is not given: the developer sandbox or the production proxy.'),
    targetEnvironment: z
      .string()
      .regex(/^[a-z0-9]+$/, 'a lower-case MTN environment name such as sandbox or mtnuganda')
      .default('sandbox')
      .describe('The X-Target-Environment MTN gave at onboarding (mtnuganda, mtnghana …); sandbox in the developer sandbox.'),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('MoMo API root without a trailing path; defaults from `environment`. Tests point it at the emulator.'),
    // The real sandbox only takes EUR, which Lango's ledger cannot hold (Currency is KES, SSP,
    // UGX or USD): a sandbox trial needs the emulator or a country environment (mtnuganda + UGX).
    currency: z
      .string()
      .refine((value) => value !== 'EUR', {
        message: "EUR (the MoMo sandbox's currency) cannot be recorded in Lango's ledger; use a country environment such as mtnuganda with UGX, or the MoMo emulator",
      })
      .pipe(z.enum(LEDGER_CURRENCIES))
      .describe("The environment's currency: MoMo refuses any other (UGX in mtnuganda)."),
    apiUser: z.string().min(1).describe('The API user id (a UUID) from the partner portal or sandbox provisioning.'),
    apiKey: z.string().min(1).describe("The API user's key (secret)."),
    subscriptionKey: z.string().min(1).describe('The Collection product subscription key, sent as Ocp-Apim-Subscription-Key (secret).'),
    timeoutMs: z.number().int().min(1000).max(120_000).default(10_000).describe('How long one HTTP call to MoMo may take.'),
    queryAfterMs: z.number().int().min(1000).default(60_000).describe('How long the reconciliation job waits for a callback before it first asks for the status.'),
    giveUpAfterMs: z.number().int().min(60_000).default(10 * 60_000).describe('After how long an attempt still pending is marked expired (and flagged).'),
  })
  .transform((config) => ({ ...config, baseUrl: (config.baseUrl ?? MOMO_BASE_URLS[config.environment]).replace(/\/+$/, '') }));

export type MomoConfig = z.output<typeof momoConfigSchema>;
