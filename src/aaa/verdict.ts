import type { ErrorCode } from '../errors.js';

/** The closed result every AAA stage returns, as FreeRADIUS modules return an rlm_rcode_t. */
export type Verdict =
  | { readonly kind: 'continue' }
  | { readonly kind: 'reject'; readonly reason: ErrorCode; readonly values?: Record<string, string | number> };

export const CONTINUE: Verdict = { kind: 'continue' };
export const reject = (reason: ErrorCode, values?: Record<string, string | number>): Verdict =>
  values ? { kind: 'reject', reason, values } : { kind: 'reject', reason };

/** One line of the decision trace: the debug log now, the "why was I rejected" screen later. */
export interface TraceStep {
  readonly stage: string;
  readonly verdict: Verdict['kind'];
  readonly detail?: string;
}
