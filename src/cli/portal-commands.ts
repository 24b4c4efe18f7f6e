import type { Db } from '../db/connection.js';
import { unlockPortal } from '../portal/index.js';
import { recordAudit } from '../staff/index.js';
import { formatTime, json, str, type Command } from './command.js';
import { actor, customerOf } from './inputs.js';

// The customer self-service portal from the terminal: what support does when a customer calls.

export const portalCommands: Command[] = [
  {
    words: ['customer', 'unlock-portal'],
    summary: "Let a customer sign in to the self-service portal again after five wrong passwords or codes, before the fifteen-minute lock is over. The internet login is not affected.",
    usage: 'lango customer unlock-portal --username alice [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => {
      const customer = customerOf(db, str(v, 'username')!);
      const now = Date.now();
      const { wasLockedUntil } = db.transaction((tx) => {
        const result = unlockPortal(tx as Db, customer.id, now);
        recordAudit(tx as Db, actor(), 'customer.portal-unlock', `customer:${customer.id}`, { username: customer.username, wasLockedUntil: result.wasLockedUntil }, now);
        return result;
      }, { behavior: 'immediate' });
      return { username: customer.username, wasLocked: wasLockedUntil !== null, wasLockedUntil };
    },
    print: (r) => {
      const { username, wasLockedUntil } = r as { username: string; wasLockedUntil: number | null };
      return wasLockedUntil === null
        ? `${username}'s portal sign-in was not locked; any wrong tries so far are forgotten.`
        : `${username} may sign in to the portal again (the lock would have lasted until ${formatTime(wasLockedUntil)} UTC).`;
    },
  },
];
