import type { Subscriber } from '../../billing/index.js';
import { CONTINUE, reject, type Verdict } from '../verdict.js';

/** Suspended and closed accounts are refused with their own plain reason. */
export function checkAccountStatus(subscriber: Subscriber): Verdict {
  switch (subscriber.status) {
    case 'active':
      return CONTINUE;
    case 'suspended':
      return reject('AAA_ACCOUNT_SUSPENDED');
    case 'terminated':
      return reject('AAA_ACCOUNT_TERMINATED');
  }
}
