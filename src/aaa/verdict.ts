import type { ErrorCode } from '../errors.js';
import type { DecisionDetail, DecisionReason } from './decisions.js';

/**
 * The closed result every AAA stage returns, as FreeRADIUS modules return an rlm_rcode_t. A
 * refusal carries two things: the customer's Reply-Message (`reason`, with `values` for its
 * words) and the decision trace's finer reason for staff (`decision`, with `detail`).
 */
export type Verdict =
  | { readonly kind: 'continue' }
  | {
      readonly kind: 'reject';
      readonly reason: ErrorCode;
      readonly values?: Record<string, string | number>;
      readonly decision: DecisionReason;
      readonly detail?: DecisionDetail;
    };

export const CONTINUE: Verdict = { kind: 'continue' };
export const reject = (reason: ErrorCode, decision: DecisionReason, detail?: DecisionDetail, values?: Record<string, string | number>): Verdict => ({
  kind: 'reject',
  reason,
  decision,
  ...(detail && { detail }),
  ...(values && { values }),
});
