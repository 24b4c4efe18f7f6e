import type { CallAnswer } from './client.js';
import type { MpesaConfig } from './config.js';
import { describeAnswer } from './transport.js';

export interface C2bRegistration {
  confirmationUrl: string;
  validationUrl: string;
  /** 1: callbacks carry a SHA-256 of the MSISDN; 2: a masked MSISDN. Neither is a usable number. */
  version: 1 | 2;
  /** The shortcode to register; defaults to the configured one. */
  shortCode?: string;
}

export type C2bRegistrationResult = { ok: true } | { ok: false; code: string; description: string };

export function registerUrlPath(version: 1 | 2): string {
  return `/mpesa/c2b/v${version}/registerurl`;
}

export function buildRegisterUrl(config: MpesaConfig, registration: C2bRegistration): Record<string, string> {
  return {
    ShortCode: registration.shortCode ?? config.shortcode,
    ResponseType: config.c2bResponseType,
    ConfirmationURL: registration.confirmationUrl,
    ValidationURL: registration.validationUrl,
  };
}

/**
 * Registration is state the admin UI shows, never retried automatically: production allows it once
 * ("Urls are already registered" until the old ones are deleted on Daraja's self-service page).
 */
export function interpretRegisterAnswer(answer: CallAnswer): C2bRegistrationResult {
  switch (answer.kind) {
    case 'transport':
      return { ok: false, code: 'UNREACHABLE', description: answer.description };
    case 'no-token':
      return { ok: false, code: answer.refused ? 'AUTH_FAILED' : 'TOKEN_UNAVAILABLE', description: answer.description };
    case 'error':
      return { ok: false, code: answer.errorCode ?? `HTTP_${answer.status}`, description: answer.errorMessage ?? describeAnswer(answer) };
    case 'ok': {
      const { ResponseCode, ResponseDescription } = answer.body;
      if (ResponseCode !== undefined && String(ResponseCode).trim() === '0') return { ok: true };
      return {
        ok: false,
        code: ResponseCode === undefined ? `HTTP_${answer.status}` : String(ResponseCode),
        description: typeof ResponseDescription === 'string' ? ResponseDescription : 'Daraja did not confirm the registration',
      };
    }
  }
}
