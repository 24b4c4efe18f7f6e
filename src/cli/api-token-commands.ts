import { listApiTokens, revokeApiToken, createApiToken, tokenState, type ApiTokenSummary } from '../integrations/api-tokens.js';
import { LangoError } from '../errors.js';
import { roles } from '../staff/permissions.js';
import { formatTime, json, str, table, type Command } from './command.js';
import { actor } from './inputs.js';

// Tokens for other systems calling /api/v1: made here or on /staff/integrations.

function whole(text: string | undefined, option: string, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw new LangoError('INPUT_BAD_COUNT', { value: text, option, min: 1, max });
  return Number(text);
}

export const apiTokenCommands: Command[] = [
  {
    words: ['api-token', 'create'],
    summary: 'Make a token another system uses for /api/v1; it acts with the role\'s permissions. The token is printed this once.',
    usage: `lango api-token create --name "Accounts" --role ${roles.join('|')} [--expires-days 365] [--json]`,
    options: { name: { type: 'string' }, role: { type: 'string' }, 'expires-days': { type: 'string' }, ...json },
    required: ['name', 'role'],
    run: ({ db }, v) => createApiToken(db, { name: str(v, 'name')!, role: str(v, 'role')!, expiresDays: whole(str(v, 'expires-days'), 'expires-days', 3650), actor: actor(), now: Date.now() }),
    print: (r) => {
      const { token, summary } = r as { token: string; summary: ApiTokenSummary };
      return `Token ${summary.id} "${summary.name}" (${summary.role})${summary.expiresAt === null ? '' : `, valid until ${formatTime(summary.expiresAt)} UTC`}:\n${token}\nIt is shown only this once. Send it as: Authorization: Bearer <token>`;
    },
  },
  {
    words: ['api-token', 'list'],
    summary: 'List API tokens: role, last four characters, when made and last used, expiry and state.',
    usage: 'lango api-token list [--json]',
    options: { ...json },
    run: ({ db }) => listApiTokens(db).map((t) => ({ ...t, state: tokenState(t, Date.now()) })),
    print: (r) =>
      table(
        (r as Array<ApiTokenSummary & { state: string }>).map((t) => ({ ...t, hint: `…${t.hint}`, created: formatTime(t.createdAt), used: formatTime(t.lastUsedAt), expires: formatTime(t.expiresAt) })),
        [['id', 'ID'], ['name', 'NAME'], ['role', 'ROLE'], ['hint', 'ENDS'], ['created', 'CREATED (UTC)'], ['used', 'LAST USED'], ['expires', 'EXPIRES'], ['state', 'STATE']],
      ),
  },
  {
    words: ['api-token', 'revoke'],
    summary: 'Revoke an API token now: the next call with it is refused.',
    usage: 'lango api-token revoke --id 3 [--json]',
    options: { id: { type: 'string' }, ...json },
    required: ['id'],
    run: ({ db }, v) => revokeApiToken(db, { id: whole(str(v, 'id'), 'id', Number.MAX_SAFE_INTEGER)!, actor: actor(), now: Date.now() }),
    print: (r) => `Revoked token ${(r as ApiTokenSummary).id} "${(r as ApiTokenSummary).name}".`,
  },
];
