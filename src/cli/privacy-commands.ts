import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { findCustomer, formatMoney } from '../billing/index.js';
import { eraseCustomer, exportCustomerDataFor, exportText, type CustomerDataExport, type EraseOutcome } from '../privacy/index.js';
import { json, str, type Command } from './command.js';
import { actor } from './inputs.js';

// A customer's personal data from the terminal: a copy for the customer, and erasure once the
// account is closed.

/** A refusal is printed plainly and exits 1; nothing was changed. */
function refuse(message: string): never {
  process.stderr.write(`lango: ${message}\n`);
  process.exit(1);
}

const NO_SUCH = 'There is no customer with that username.';

const refusals: Record<Exclude<EraseOutcome, { kind: 'erased' }>['reason'], string> = {
  'not-found': NO_SUCH,
  'not-customer': 'That account is a voucher, not a customer: it holds no personal data.',
  'not-terminated': 'Only a terminated customer can be erased: terminate the account first, on the customer page.',
  balance: 'The account still has money on it',
};

export const privacyCommands: Command[] = [
  {
    words: ['customer', 'export-data'],
    summary: 'Everything Lango holds about one customer as one JSON document (account, plan history, invoices, payments, sessions, messages, tickets…), for a customer who asks for their data. Passwords are never included.',
    usage: 'lango customer export-data --username alice [--out FILE]',
    options: { username: { type: 'string' }, out: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => {
      const username = str(v, 'username')!;
      const out = str(v, 'out');
      if (out === undefined) return exportCustomerDataFor(db, username, actor()) ?? refuse(NO_SUCH);
      // The file first, so a refused file leaves no export in the audit log. wx: never
      // overwrites an earlier file by mistake; 0600: it holds the customer's details.
      let fd: number;
      try {
        fd = openSync(out, 'wx', 0o600);
      } catch (err) {
        refuse(`Cannot write ${out}: ${(err as Error).message}`);
      }
      try {
        const data = exportCustomerDataFor(db, username, actor());
        if (!data) {
          unlinkSync(out);
          refuse(NO_SUCH);
        }
        writeSync(fd, exportText(data));
        fsyncSync(fd);
        return { username: data.account.username, file: path.resolve(out) };
      } finally {
        closeSync(fd);
      }
    },
    print: (r) => {
      if ('format' in (r as object)) return exportText(r as CustomerDataExport).trimEnd();
      const { username, file } = r as { username: string; file: string };
      return `Wrote ${username}'s data to ${file} (readable by you only).`;
    },
  },
  {
    words: ['customer', 'erase'],
    summary: "Erase a terminated customer's personal data: name, phone, email, addresses, MAC and IP, the texts of their messages and tickets, the phone in their payments. Invoices, payments and the ledger stay. Refused while money is owed either way unless --force. Cannot be undone.",
    usage: 'lango customer erase --username alice --yes [--force] [--json]',
    options: { username: { type: 'string' }, yes: { type: 'boolean' }, force: { type: 'boolean' }, ...json },
    required: ['username'],
    run: ({ db }, v) => {
      if (v.yes !== true) refuse('Erasing cannot be undone: add --yes to go ahead.');
      const outcome = eraseCustomer(db, { username: str(v, 'username')!, actor: actor(), force: v.force === true });
      if (outcome.kind === 'refused') {
        if (outcome.reason !== 'balance') refuse(refusals[outcome.reason]);
        const currency = findCustomer(db, str(v, 'username')!)!.currency;
        const owed = [outcome.dueMinor ? `owes ${formatMoney(outcome.dueMinor!, currency)}` : '', outcome.walletMinor ? `has ${formatMoney(outcome.walletMinor!, currency)} in the wallet` : ''].filter(Boolean).join(' and ');
        refuse(`${refusals.balance}: the customer ${owed}. Settle or refund it first, or add --force to erase anyway.`);
      }
      return { username: str(v, 'username')!, ...outcome };
    },
    print: (r) => {
      const { username, again } = r as { username: string; again: boolean };
      return again ? `${username} was already erased; anything personal added since has been blanked.` : `${username}'s personal data is erased. Invoices, payments and the ledger are kept.`;
    },
  },
];
