import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyContextConfig, FastifyInstance, FastifyReply } from 'fastify';
import { t, type Language } from '../i18n/index.js';
import { webDir } from './web-dir.js';

// Field conditions, for the staff pages and the portal alike: each area serves the service
// worker (web/offline/sw.js) at {prefix}/sw.js, so that its scope is the area, and the page
// script (web/offline/offline.js) among its assets, named by content and kept for a year. Each
// page carries the offline texts in its language (#offline), as the scripts cannot call t().
// Pages that must not stay on the device say so with a response header the worker honours:
// the area's never-kept paths get it here, and a page that decides per request (a customer
// page showing SMS texts) sets it with neverKeep().

/** The response header that tells the service worker not to keep a copy of the page. */
export const NO_KEEP_HEADER = 'x-lango-no-keep';

/** Marks this answer as never to be kept on the device (it shows a secret, a code, an SMS text). */
export function neverKeep(reply: FastifyReply): void {
  reply.header(NO_KEEP_HEADER, '1');
}

const dir = webDir('offline', 'sw.js');
const WORKER = readFileSync(join(dir, 'sw.js'), 'utf8');
const SCRIPT = readFileSync(join(dir, 'offline.js'));
const SCRIPT_VERSION = createHash('sha256').update(SCRIPT).digest('hex').slice(0, 12);

export interface OfflineOptions {
  /** What makes a route reachable without signing in, in this plugin. */
  config: FastifyContextConfig;
  /**
   * Paths under the prefix whose pages are never kept on the device: sign-in pages and pages
   * that show a secret or a one-time code (with everything below them).
   */
  never: readonly string[];
}

/** GET {prefix}/sw.js and {prefix}/assets/offline.js on a page plugin. */
export function registerOffline(app: FastifyInstance, options: OfflineOptions): void {
  const prefix = app.prefix;
  const worker = `'use strict';\nconst NO_KEEP = ${JSON.stringify(NO_KEEP_HEADER)};\n${WORKER}`;
  const never = options.never.map((path) => `${prefix}${path}`);
  app.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?')[0]!;
    if (never.some((under) => path === under || path.startsWith(`${under}/`))) neverKeep(reply);
    return payload;
  });
  // The plugin's own headers follow (its CSP, no-store): the browser checks the worker at every visit.
  app.get('/sw.js', { config: options.config }, async (_request, reply) =>
    reply.header('service-worker-allowed', `${prefix}/`).type('text/javascript; charset=utf-8').send(worker),
  );
  app.get('/assets/offline.js', { config: options.config }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=31536000, immutable').type('text/javascript; charset=utf-8').send(SCRIPT),
  );
}

/** The page script's tag, for the head of every page of the area. */
export function offlineScript(prefix: string): string {
  return `<script src="${prefix}/assets/offline.js?v=${SCRIPT_VERSION}" defer></script>`;
}

/**
 * The status box the page script writes into (hidden until it has something to say), with the
 * offline texts in the page's language; {time}, {form}, {reason}, {user}, {fields} and {count}
 * are filled in by the script. `escape` is the page's HTML escaper; `user` names who is signed in.
 */
export function offlineBox(prefix: string, language: Language, escape: (text: string) => string, user?: string): string {
  const texts = {
    sw: `${prefix}/sw.js`,
    scope: `${prefix}/`,
    // Who is signed in (none on sign-in pages): a queued form is sent only in its owner's session.
    ...(user !== undefined && { user }),
    banner: t('offline.banner', { time: '{time}' }, language),
    queued: t('offline.queued', {}, language),
    waiting: t('offline.waiting', { count: '{count}' }, language),
    sent: t('offline.sent', { form: '{form}', time: '{time}' }, language),
    refused: t('offline.refused', { form: '{form}', time: '{time}', reason: '{reason}' }, language),
    'kept-for': t('offline.keptFor', { form: '{form}', time: '{time}', user: '{user}' }, language),
    held: t('offline.held', { fields: '{fields}' }, language),
    'unknown-reason': t('offline.unknownReason', {}, language),
  };
  const data = Object.entries(texts).map(([name, value]) => ` data-${name}="${escape(value)}"`).join('');
  // A live region, but not role="status": pages (and their tests) find their own status line by that role.
  return `<div id="offline" aria-live="polite" hidden${data}></div>`;
}
