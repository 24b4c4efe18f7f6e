import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { t } from '../../i18n/index.js';
import { defaultHotspotDir, loadHotspotFiles, logoAsset, PORTAL_PLACEHOLDER, ROUTER_TEMPLATES, type HashedAsset, type RouterTemplate } from './assets.js';
import { pickLanguage } from './language.js';
import { renderPortalPage, type CaptivePackage } from './portal-page.js';
import { readRouterVisit } from './router-visit.js';

export type { CaptivePackage } from './portal-page.js';

export interface CaptiveOperator {
  name: string;
  /** PNG or JPEG data URL (the 'operator.logo' setting), or null. */
  logo: string | null;
  /** '#rrggbb' for buttons and links; null = Lango green. */
  colour: string | null;
}

export interface CaptiveOptions {
  /** Read at most every few seconds, so a changed name, logo or colour shows without a restart. */
  operator(): CaptiveOperator;
  /** The password a voucher logs in with: the code itself, or nothing (username = code either way). */
  voucherPassword: 'code' | 'blank';
  /** When present, the page lists these under "Buy a package" (the mobile-money flow completes it). */
  packages?(): Promise<readonly CaptivePackage[]>;
  /**
   * Hotspot login host names the page may post to besides private addresses and LAN-only names
   * (a router's public `dns-name`, e.g. login.example.net).
   */
  routerHosts?(): readonly string[];
  /** Folder with the RouterOS templates and assets/; default web/hotspot of this install. */
  hotspotDir?: string;
}

const OPERATOR_REFRESH_MS = 5_000;
const IMMUTABLE = 'public, max-age=31536000, immutable';

function acceptsGzip(request: FastifyRequest): boolean {
  return /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
}

function sendBody(request: FastifyRequest, reply: FastifyReply, type: string, body: Buffer, gzip: Buffer | null): FastifyReply {
  reply.type(type);
  if (gzip) {
    reply.header('vary', 'accept-encoding');
    if (acceptsGzip(request)) return reply.header('content-encoding', 'gzip').send(gzip);
  }
  return reply.send(body);
}

/**
 * The captive portal (register with prefix '/hotspot'): the page the router's login.html sends
 * customers to, its cached assets, and the RouterOS templates with this server's URL filled in
 * (for `/tool fetch`). The page completes the login in the customer's browser, against the
 * router; this plugin never receives a password.
 */
export const captivePortal: FastifyPluginAsync<CaptiveOptions> = async (app, options) => {
  const files = loadHotspotFiles(options.hotspotDir ?? defaultHotspotDir());
  const prefix = app.prefix;
  const assetUrl = (asset: HashedAsset) => `${prefix}/assets/${asset.name}`;

  let operator: { name: string; colour: string | null; logo: HashedAsset | null } | undefined;
  let readAt = 0;
  let logoText: string | null = null;
  let warnedLogo = false;
  const currentOperator = (request: FastifyRequest) => {
    const now = Date.now();
    if (!operator || now - readAt > OPERATOR_REFRESH_MS) {
      const current = options.operator();
      let logo = operator?.logo ?? null;
      if (current.logo !== logoText || !operator) {
        const asset = logoAsset(current.logo);
        if (asset === 'too-large' && !warnedLogo) {
          request.log.warn('the operator logo is too large for the captive portal; the page shows the name only. Save a smaller logo (under 40 KB).');
          warnedLogo = true;
        }
        logo = asset === 'too-large' ? null : asset;
        logoText = current.logo;
      }
      operator = { name: current.name, colour: current.colour, logo };
      readAt = now;
    }
    return operator;
  };

  app.get('/', async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const language = pickLanguage(query.lang, request.headers['accept-language']);
    const visit = readRouterVisit(query, options.routerHosts?.() ?? []);
    const current = currentOperator(request);
    let packages: readonly CaptivePackage[] | undefined;
    if (options.packages) {
      try {
        packages = await options.packages();
      } catch (err) {
        request.log.warn({ err }, 'the captive portal could not list packages; the page is shown without them');
      }
    }
    const search = new URLSearchParams(request.url.split('?')[1] ?? '');
    search.set('lang', language === 'ar' ? 'en' : 'ar');
    const page = renderPortalPage({
      language,
      operatorName: current.name,
      colour: current.colour,
      logoUrl: current.logo ? assetUrl(current.logo) : null,
      scriptUrl: assetUrl(files.script),
      otherLanguageUrl: `${prefix}?${search.toString()}`,
      visit,
      voucherPassword: options.voucherPassword,
      ...(packages && { packages }),
    });
    reply.headers({
      'cache-control': 'no-store',
      'content-language': language,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      // The forms post to the router, wherever it is: http for HTTP-CHAP, https for PAP.
      'content-security-policy': `default-src 'none'; script-src 'self'; style-src ${page.styleSource}; img-src 'self'; form-action http: https:; base-uri 'none'; frame-ancestors 'none'`,
    });
    reply.header('vary', 'accept-language');
    const body = Buffer.from(page.html, 'utf8');
    return sendBody(request, reply, 'text/html; charset=utf-8', body, gzipSync(body));
  });

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const logo = currentOperator(request).logo;
    const asset = request.params.name === files.script.name ? files.script : logo && request.params.name === logo.name ? logo : undefined;
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    reply.headers({ 'cache-control': IMMUTABLE, 'x-content-type-options': 'nosniff' });
    return sendBody(request, reply, asset.type, asset.body, asset.gzip);
  });

  // e.g. on the router: /tool fetch url=https://portal.example.net/hotspot/router/login.html dst-path=hotspot/login.html
  app.get<{ Params: { file: string } }>('/router/:file', async (request, reply) => {
    const file = request.params.file as RouterTemplate;
    if (!ROUTER_TEMPLATES.includes(file)) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    const text = file === 'login.html' ? files.templates[file].replaceAll(PORTAL_PLACEHOLDER, `${request.protocol}://${request.host}${prefix}`) : files.templates[file];
    reply.header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(text);
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'captive portal request failed');
    const language = pickLanguage((request.query as Record<string, unknown> | undefined)?.lang, request.headers['accept-language']);
    return reply.code(status).type('text/plain; charset=utf-8').send(t('portal.unavailable', {}, language));
  });
};
