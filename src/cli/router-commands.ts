import { findNasByName } from '../aaa/nas.js';
import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';
import {
  applySetup,
  failureText,
  listRouterApis,
  planSetup,
  setRouterApi,
  setupCommands,
  setupTargetFor,
  SetupStepFailed,
  withRouterSession,
  type RouterApiSummary,
  type SetupChange,
} from '../network/index.js';
import { connectRouterOs } from '../routeros/client.js';
import type { RouterOsError, RouterOsSession } from '../routeros/types.js';
import { getSetting } from '../settings/index.js';
import { recordAudit } from '../staff/index.js';
import { formatTime, json, str, table, type CliContext, type Command } from './command.js';
import { actor } from './inputs.js';

// Routers over the RouterOS API (issue 10): how Lango logs in to each, and "Set up this router"
// from the terminal. The RADIUS side of a router is `lango nas …`.

/** A router by its `lango nas` name. */
export function routerOf(db: Db, name: string): { id: number; name: string } {
  const router = findNasByName(db, name);
  if (!router) throw new LangoError('ROUTER_UNKNOWN', { name });
  return { id: router.id, name: router.name };
}

const nasIdOf = (db: Db, name: string): number => routerOf(db, name).id;

function portOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text)) throw new LangoError('ROUTER_BAD_API_PORT');
  return Number(text);
}

interface SetupResult {
  router: string;
  routerosVersion: string | undefined;
  applied: boolean;
  changes: SetupChange[];
  secretUnreadable: boolean;
}

const SECRET_UNREADABLE =
  "The router did not show the RADIUS secret to this API user, so it was not compared: give the user the 'sensitive' policy, or paste the /radius line from `lango router commands --show-secret`.";

/**
 * The CLI's way onto a router: withRouterSession (which keeps the router's row truthful), with
 * no API access and an API failure turned into a refusal in plain words (exit 1), never a stack
 * trace. `explain` may add what the failure left behind to the reason.
 */
export async function onRouter<T>(
  { db, box }: CliContext,
  router: { id: number; name: string },
  work: (session: RouterOsSession) => Promise<T>,
  explain?: (error: RouterOsError) => string | undefined,
): Promise<T> {
  const access = { db, box, connect: connectRouterOs, timeoutMs: getSetting(db, 'routers.apiTimeoutSeconds') * 1000 };
  const outcome = await withRouterSession(access, router.id, work);
  if (outcome.ok) return outcome.value;
  if (outcome.noApi) throw new LangoError('ROUTER_NO_API', { name: router.name });
  const more = explain?.(outcome.error);
  throw new LangoError('ROUTER_API_FAILED', { name: router.name, reason: `${failureText(outcome.failure, outcome.where)}${more ? `\n${more}` : ''}` });
}

function describeChanges(changes: SetupChange[]): string {
  return changes
    .map((c) => {
      const lines = Object.keys(c.after).map((k) => `      ${k}: ${c.before[k] === '' || c.before[k] === undefined ? '(none)' : c.before[k]} -> ${c.after[k]}`);
      return [`  ${c.action === 'add' ? 'add' : 'change'} ${c.item} (${c.menu})`, ...lines].join('\n');
    })
    .join('\n');
}

function lastError(r: RouterApiSummary): string {
  if (!r.lastErrorKind) return '-';
  return `${formatTime(r.lastErrorAt)} ${failureText({ kind: r.lastErrorKind, detail: r.lastErrorDetail }, r)}`;
}

export const routerCommands: Command[] = [
  {
    words: ['router', 'api'],
    summary: 'Set how Lango logs in to a router over the RouterOS API (for setup and live monitoring). The password is stored encrypted and never shown.',
    usage: 'lango router api --name R1 --host 10.8.0.2 [--port 8728] [--tls] --user lango [--password X] [--site S] [--model M] [--no-monitor] [--json]',
    options: {
      name: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, tls: { type: 'boolean' }, user: { type: 'string' }, password: { type: 'string' },
      site: { type: 'string' }, model: { type: 'string' }, 'no-monitor': { type: 'boolean' }, ...json,
    },
    required: ['name', 'host', 'user'],
    run: ({ db, box }, v) => {
      const nasId = nasIdOf(db, str(v, 'name')!);
      return db.transaction((tx) => {
        const { after } = setRouterApi(tx as Db, box, nasId, {
          host: str(v, 'host')!,
          port: portOf(str(v, 'port')),
          tls: v.tls === true,
          username: str(v, 'user')!,
          password: str(v, 'password'),
          site: str(v, 'site') ?? null,
          model: str(v, 'model') ?? null,
          monitor: v['no-monitor'] !== true,
        });
        recordAudit(tx as Db, actor(), 'router.api-set', `nas:${nasId}`, { host: after.host, port: after.port, tls: after.tls, username: after.username, monitor: after.monitor, passwordChanged: Boolean(str(v, 'password')) });
        return after;
      }, { behavior: 'immediate' });
    },
    print: (r) => {
      const a = r as RouterApiSummary;
      return `Router ${a.nasName}: API at ${a.host}:${a.port}${a.tls ? ' (api-ssl)' : ''} as ${a.username}, live monitoring ${a.monitor ? 'on' : 'off'}.\nCheck it with: lango router setup --name ${a.nasName}`;
    },
  },
  {
    words: ['router', 'list'],
    summary: 'Routers Lango reaches over the RouterOS API, what they run and the last thing that went wrong.',
    usage: 'lango router list [--json]',
    options: { ...json },
    run: ({ db }) => listRouterApis(db),
    print: (r) =>
      table(
        (r as RouterApiSummary[]).map((a) => ({ ...a, api: `${a.host}:${a.port}${a.tls ? ' tls' : ''}`, contact: formatTime(a.lastContactAt), error: lastError(a) })),
        [['nasName', 'NAME'], ['api', 'API'], ['routerosVersion', 'VERSION'], ['contact', 'LAST CONTACT'], ['error', 'LAST ERROR']],
      ),
  },
  {
    words: ['router', 'setup'],
    summary: 'Compare the router with what Lango needs (RADIUS client, CoA, hotspot and PPP accounting, walled garden); --apply makes the changes.',
    usage: 'lango router setup --name R1 [--apply] [--json]',
    options: { name: { type: 'string' }, apply: { type: 'boolean' }, ...json },
    required: ['name'],
    run: async (ctx, v): Promise<SetupResult> => {
      const { db, box, config } = ctx;
      const name = str(v, 'name')!;
      const target = setupTargetFor(db, box, nasIdOf(db, name), {
        authPort: config.LANGO_AUTH_PORT,
        acctPort: config.LANGO_ACCT_PORT,
        coaPort: config.LANGO_COA_PORT,
        interimSeconds: config.LANGO_INTERIM_INTERVAL,
      });
      // Audited as the web page does, the RADIUS secret masked.
      const audit = (applied: readonly SetupChange[], failed?: SetupChange) =>
        recordAudit(db, actor(), 'router.setup', `nas:${target.nasId}`, {
          name,
          changes: applied.map((c) => ({ menu: c.menu, action: c.action, item: c.item, after: Object.fromEntries(Object.entries(c.after).map(([k, x]) => [k, x === target.secret ? '••••' : x])) })),
          ...(failed && { failed: failed.item }),
        });
      const result = await onRouter(
        ctx,
        { id: target.nasId, name },
        async (session) => {
          if (v.apply !== true) {
            const { changes, secretUnreadable } = await planSetup(session, target);
            return { router: name, routerosVersion: session.routerosVersion, applied: false, changes, secretUnreadable };
          }
          const { applied, secretUnreadable } = await applySetup(session, target);
          return { router: name, routerosVersion: session.routerosVersion, applied: true, changes: applied, secretUnreadable };
        },
        // Refused part-way: what went before is on the router now, so it is audited and said. Setup reads again first, so running it once more is safe.
        (error) => {
          if (!(error instanceof SetupStepFailed) || error.applied.length === 0) return undefined;
          audit(error.applied, error.change);
          return `Already changed on the router before that:\n${describeChanges(error.applied)}`;
        },
      );
      if (result.applied && result.changes.length > 0) audit(result.changes);
      return result;
    },
    print: (r) => {
      const s = r as SetupResult;
      const version = s.routerosVersion ? ` on RouterOS ${s.routerosVersion}` : '';
      const said =
        s.changes.length === 0
          ? `Router ${s.router}${version} is set up for Lango: nothing to change.`
          : s.applied
            ? `Changed on router ${s.router}${version}:\n${describeChanges(s.changes)}`
            : `Router ${s.router}${version} needs ${s.changes.length} change(s):\n${describeChanges(s.changes)}\nRun again with --apply to make them.`;
      return s.secretUnreadable ? `${said}\n${SECRET_UNREADABLE}` : said;
    },
  },
  {
    words: ['router', 'commands'],
    summary: 'Print the RouterOS commands that set a router up for Lango, to paste on the router yourself.',
    usage: 'lango router commands --name R1 [--show-secret] [--json]',
    options: { name: { type: 'string' }, 'show-secret': { type: 'boolean' }, ...json },
    required: ['name'],
    run: ({ db, box, config }, v) => {
      const target = setupTargetFor(db, box, nasIdOf(db, str(v, 'name')!), {
        authPort: config.LANGO_AUTH_PORT,
        acctPort: config.LANGO_ACCT_PORT,
        coaPort: config.LANGO_COA_PORT,
        interimSeconds: config.LANGO_INTERIM_INTERVAL,
      });
      return { script: setupCommands(target, { showSecret: v['show-secret'] === true }) };
    },
    print: (r) => (r as { script: string }).script,
  },
];
