import type { ProviderOutcome } from '../../provider.js';

// STK result codes (payments.md §1.5). The callback sends them as numbers (sometimes strings), the
// query as strings; everything here keys on the string form. `retryable` = the customer may simply
// try again; rule 17 ("same amount within ~2 min") is deliberately not retryable.

type Final = Exclude<ProviderOutcome, { status: 'succeeded' | 'pending' | 'unknown' }>;

const CODES: Record<string, { status: Final['status']; retryable: boolean; description: string }> = {
  '1': { status: 'failed', retryable: false, description: 'The customer\'s M-Pesa balance is too low' },
  '2': { status: 'failed', retryable: false, description: 'Amount below the M-Pesa minimum' },
  '3': { status: 'failed', retryable: false, description: 'Amount above the M-Pesa per-transaction maximum' },
  '4': { status: 'failed', retryable: false, description: 'The customer\'s daily M-Pesa limit would be exceeded' },
  '8': { status: 'failed', retryable: false, description: 'The receiving shortcode\'s balance limit would be exceeded' },
  '17': { status: 'failed', retryable: false, description: 'Same amount from the same customer within about 2 minutes' },
  '26': { status: 'failed', retryable: true, description: 'M-Pesa system busy' },
  '1001': { status: 'failed', retryable: true, description: 'Another M-Pesa session is open on the phone' },
  '1019': { status: 'expired', retryable: true, description: 'The prompt expired before the customer acted' },
  '1025': { status: 'failed', retryable: true, description: 'The prompt could not be sent' },
  '9999': { status: 'failed', retryable: true, description: 'The prompt could not be sent' },
  '1032': { status: 'cancelled', retryable: true, description: 'The customer cancelled the prompt' },
  '1037': { status: 'expired', retryable: true, description: 'The phone could not be reached in time' },
  '2001': { status: 'failed', retryable: true, description: 'Wrong M-Pesa PIN' },
  '2028': { status: 'failed', retryable: false, description: 'Transaction type, PartyB or shortcode do not fit the M-Pesa product' },
  SFC_IC0003: { status: 'failed', retryable: false, description: 'Transaction type, PartyB or shortcode do not fit the M-Pesa product' },
  '8006': { status: 'failed', retryable: false, description: 'The customer\'s M-Pesa PIN is locked' },
};

export function isKnownResultCode(code: string): boolean {
  return Object.hasOwn(CODES, code);
}

/** A non-zero result code as an outcome; `description` is Daraja's ResultDesc when it sent one. */
export function outcomeOfFailure(code: string, description: string | undefined): Final {
  const known = CODES[code];
  const text = description?.trim() || known?.description || `M-Pesa result code ${code}`;
  if (!known) return { status: 'failed', code, description: text, retryable: false };
  return { status: known.status, code, description: text, retryable: known.retryable };
}

/** Result codes arrive as 0, "0", " 0"… ; compare as trimmed strings. */
export function resultCodeText(code: string | number): string {
  return String(code).trim();
}
