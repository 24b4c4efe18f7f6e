import { t } from '../i18n/index.js';
import { LangoError } from '../errors.js';
import {
  addStaff,
  findStaff,
  isLocked,
  listStaffAccounts,
  resetSecondFactor,
  resetStaffPassword,
  roles,
  setStaffDisabled,
  setStaffLanguage,
  setStaffRole,
  unlockStaff,
  type ManageResult,
  type StaffAccount,
  type StaffSummary,
} from '../staff/index.js';
import type { Db } from '../db/connection.js';
import { choice, formatTime, json, str, table, type Command } from './command.js';
import { actor } from './inputs.js';

// Staff accounts from the terminal: the operator adds agents and other staff and hands over
// their password; they sign in at /staff.

export const staffCommands: Command[] = [
  {
    words: ['staff', 'add'],
    summary: 'Add a member of staff who signs in at /staff. Without --password one is generated, printed once, and must be changed at first sign-in.',
    usage: `lango staff add --username amina --role ${roles.join('|')} [--password <at least 10 characters>] [--json]`,
    options: { username: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' }, ...json },
    required: ['username', 'role'],
    run: ({ db }, v) => addStaff(db, { username: str(v, 'username')!, role: str(v, 'role')!, ...(str(v, 'password') !== undefined && { password: str(v, 'password')! }), actor: actor() }),
    print: (r) => {
      const { staff, password } = r as { staff: StaffSummary; password: string | null };
      const added = `Added ${staff.role} ${staff.username}; they sign in at /staff on this server.`;
      return password === null ? added : `${added}\nPassword: ${password}\nIt is shown only this once; they are asked to change it at first sign-in.`;
    },
  },
  {
    words: ['staff', 'list'],
    summary: 'List staff accounts: role, whether the password must still be changed, locks, disabled accounts, two-step sign-in and the last sign-in.',
    usage: 'lango staff list [--json]',
    options: { ...json },
    run: ({ db }) => listStaffAccounts(db, { limit: 100_000 }),
    print: (r) =>
      table(
        (r as StaffAccount[]).map((s) => ({
          ...s,
          change: s.mustChangePassword ? 'at next sign-in' : '-',
          locked: isLocked(s, Date.now()) ? `until ${formatTime(s.lockedUntil)} UTC` : '-',
          disabled: s.disabledAt === null ? '-' : `since ${formatTime(s.disabledAt)} UTC`,
          twoStep: [s.totp ? 'app' : '', s.smsSignIn && s.phone ? 'sms' : ''].filter(Boolean).join('+') || '-',
          last: s.lastSignInAt === null ? 'never' : formatTime(s.lastSignInAt),
          created: formatTime(s.createdAt),
        })),
        [['username', 'USERNAME'], ['role', 'ROLE'], ['change', 'PASSWORD CHANGE'], ['locked', 'LOCKED'], ['disabled', 'DISABLED'], ['twoStep', '2-STEP'], ['last', 'LAST SIGN-IN'], ['created', 'CREATED']],
      ),
  },
  {
    words: ['staff', 'unlock'],
    summary: 'Lift a sign-in lock (five wrong passwords) before its fifteen minutes are over.',
    usage: 'lango staff unlock --username amina [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => unlockStaff(db, str(v, 'username')!, actor(), Date.now()),
    print: (r) => `${(r as StaffSummary).username} may sign in again.`,
  },
  {
    words: ['staff', 'role'],
    summary: 'Give a member of staff another role; their open sessions end. The last active administrator keeps the role.',
    usage: `lango staff role --username amina --role ${roles.join('|')} [--json]`,
    options: { username: { type: 'string' }, role: { type: 'string' }, ...json },
    required: ['username', 'role'],
    run: ({ db }, v) => {
      const result = setStaffRole(db, { actor: actor(), id: staffId(db, str(v, 'username')!), role: str(v, 'role')!, now: Date.now() });
      if (result.kind === 'bad-role') throw new LangoError('STAFF_BAD_ROLE', { value: str(v, 'role')!, allowed: roles.join(', ') });
      if (result.kind === 'last-admin') throw new LangoError('STAFF_LAST_ADMIN', { username: str(v, 'username')! });
      return result;
    },
    print: (r) => said(r as ManageResult, (a) => `${a.username} is now ${a.role}; their open sessions ended.`),
  },
  {
    words: ['staff', 'disable'],
    summary: 'Stop a member of staff from signing in (they are signed out at once). Undo with `lango staff enable`.',
    usage: 'lango staff disable --username amina [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => {
      const result = setStaffDisabled(db, { actor: actor(), id: staffId(db, str(v, 'username')!), disabled: true, now: Date.now() });
      if (result.kind === 'last-admin') throw new LangoError('STAFF_LAST_ADMIN', { username: str(v, 'username')! });
      return result;
    },
    print: (r) => said(r as ManageResult, (a) => `${a.username} is disabled and signed out.`),
  },
  {
    words: ['staff', 'enable'],
    summary: 'Let a disabled member of staff sign in again.',
    usage: 'lango staff enable --username amina [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => setStaffDisabled(db, { actor: actor(), id: staffId(db, str(v, 'username')!), disabled: false, now: Date.now() }),
    print: (r) => said(r as ManageResult, (a) => `${a.username} may sign in again.`),
  },
  {
    words: ['staff', 'reset-password'],
    summary: 'Give a member of staff a new one-time password (printed once; they must change it at next sign-in). Their open sessions end.',
    usage: 'lango staff reset-password --username amina [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => resetStaffPassword(db, { actor: actor(), id: staffId(db, str(v, 'username')!), now: Date.now() }),
    print: (r) => {
      const result = r as Awaited<ReturnType<typeof resetStaffPassword>>;
      if (result.kind !== 'done') return 'There is no such staff account. See: lango staff list';
      return `New password for ${result.account.username}: ${result.password}\nIt is shown only this once; they are asked to change it at next sign-in.`;
    },
  },
  {
    words: ['staff', 'set-language'],
    summary: 'Choose the language of the staff pages for a member of staff (they can also switch it on any page).',
    usage: 'lango staff set-language --username amina --language en|ar [--json]',
    options: { username: { type: 'string' }, language: { type: 'string' }, ...json },
    required: ['username', 'language'],
    run: ({ db }, v) => {
      const username = str(v, 'username')!;
      const language = choice(str(v, 'language'), ['en', 'ar'] as const, 'language')!;
      setStaffLanguage(db, { staffId: staffId(db, username), language, actor: actor(), now: Date.now() });
      return { username, language };
    },
    print: (r) => {
      const { username, language } = r as { username: string; language: 'en' | 'ar' };
      return `${username} sees the staff pages in ${language === 'ar' ? 'Arabic' : 'English'} from their next page.`;
    },
  },
  {
    words: ['staff', 'two-step-off'],
    summary: 'Turn off two-step sign-in (app and SMS codes) for a member of staff who lost their phone.',
    usage: 'lango staff two-step-off --username amina [--json]',
    options: { username: { type: 'string' }, ...json },
    required: ['username'],
    run: ({ db }, v) => {
      const username = str(v, 'username')!;
      resetSecondFactor(db, { actor: actor(), staffId: staffId(db, username), now: Date.now() });
      return { username };
    },
    print: (r) => `Two-step sign-in is off for ${(r as { username: string }).username}; they sign in with the password alone and can turn it on again.`,
  },
];

function staffId(db: Db, username: string): number {
  const found = findStaff(db, username);
  if (!found) throw new LangoError('STAFF_UNKNOWN', { username });
  return found.id;
}

function said(result: ManageResult, done: (account: StaffAccount) => string): string {
  if (result.kind === 'done') return done(result.account);
  if (result.kind === 'unchanged') return 'Nothing to change.';
  return 'There is no such staff account. See: lango staff list';
}
