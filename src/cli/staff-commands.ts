import { addStaff, isLocked, listStaff, roles, unlockStaff, type StaffSummary } from '../staff/index.js';
import { formatTime, json, str, table, type Command } from './command.js';
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
    summary: 'List staff accounts: role, whether the password must still be changed, and locks.',
    usage: 'lango staff list [--json]',
    options: { ...json },
    run: ({ db }) => listStaff(db),
    print: (r) =>
      table(
        (r as StaffSummary[]).map((s) => ({
          ...s,
          change: s.mustChangePassword ? 'at next sign-in' : '-',
          locked: isLocked(s, Date.now()) ? `until ${formatTime(s.lockedUntil)} UTC` : '-',
          created: formatTime(s.createdAt),
        })),
        [['username', 'USERNAME'], ['role', 'ROLE'], ['change', 'PASSWORD CHANGE'], ['locked', 'LOCKED'], ['created', 'CREATED']],
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
];
