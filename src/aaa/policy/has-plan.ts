import type { Subscriber } from '../../billing/index.js';
import { CONTINUE, reject, type Verdict } from '../verdict.js';

/** A customer without a package gets no service: an ISP never gives away unmetered access by omission. */
export function checkHasPlan(subscriber: Subscriber): Verdict {
  return subscriber.planId === null ? reject('AAA_NO_PLAN') : CONTINUE;
}
