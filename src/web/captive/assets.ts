import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { webDir } from '../web-dir.js';

// Files of web/hotspot/: the RouterOS template set operators upload, and the portal's script.

/** The RouterOS templates Lango ships; operators upload these to the router's html-directory. */
export const ROUTER_TEMPLATES = ['login.html', 'alogin.html', 'status.html', 'logout.html', 'error.html'] as const;
export type RouterTemplate = (typeof ROUTER_TEMPLATES)[number];

/** The portal URL written in web/hotspot/login.html, replaced by this server's own. */
export const PORTAL_PLACEHOLDER = 'https://portal.example.net/hotspot';

/** A file served with a content hash in its name, so browsers may keep it for good. */
export interface HashedAsset {
  name: string;
  type: string;
  body: Buffer;
  /** Gzipped body for text files; null for images, which do not shrink. */
  gzip: Buffer | null;
}

export interface HotspotFiles {
  script: HashedAsset;
  templates: Record<RouterTemplate, string>;
}

/** web/hotspot of this install. */
export function defaultHotspotDir(): string {
  return webDir('hotspot', 'login.html');
}

export function hashedAsset(stem: string, extension: string, type: string, body: Buffer, compress = true): HashedAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { name: `${stem}.${hash}.${extension}`, type, body, gzip: compress ? gzipSync(body, { level: 9 }) : null };
}

/**
 * portal.js as served: without its comments and indentation (a third of its bytes). Safe for
 * that file's plain ES5 style only: no template literals, and no comment markers inside
 * strings or regular expressions (the served script is parsed in a test).
 */
export function compactScript(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//'))
    .join('\n');
}

export function loadHotspotFiles(dir: string): HotspotFiles {
  // One script, one request: on a slow link each round trip costs more than the bytes.
  const portal = compactScript(readFileSync(join(dir, 'assets', 'portal.js'), 'utf8'));
  const script = Buffer.concat([readFileSync(join(dir, 'assets', 'md5-lite.min.js')), Buffer.from('\n'), Buffer.from(portal, 'utf8')]);
  const templates = Object.fromEntries(ROUTER_TEMPLATES.map((name) => [name, readFileSync(join(dir, name), 'utf8')])) as Record<RouterTemplate, string>;
  return { script: hashedAsset('portal', 'js', 'application/javascript; charset=utf-8', script), templates };
}

/**
 * Largest logo the page carries; larger ones are left out so the page stays within its 60 KB
 * budget (the page and its script take up to ~23 KB in their heaviest form, with a dozen packages).
 */
export const LOGO_MAX_BYTES = 36 * 1024;

/**
 * The operator's logo (a PNG or JPEG data URL from the 'operator.logo' setting) as a cacheable
 * file, or null when there is none or it is too heavy for a phone on a slow link.
 */
export function logoAsset(dataUrl: string | null): HashedAsset | 'too-large' | null {
  if (!dataUrl) return null;
  const match = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/=]+)$/.exec(dataUrl);
  if (!match) return null;
  const body = Buffer.from(match[2]!, 'base64');
  if (body.length > LOGO_MAX_BYTES) return 'too-large';
  const png = match[1] === 'png';
  return hashedAsset('logo', png ? 'png' : 'jpg', png ? 'image/png' : 'image/jpeg', body, false);
}
