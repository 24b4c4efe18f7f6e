import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { webDir } from '../web-dir.js';

// The staff pages' files: web/staff (stylesheet, scripts) and uPlot's build from its npm
// package, served from this process (no CDN), cached for a year and named by content hash in
// each link, so a new release is fetched once and a repeat visit costs no request.

/** Where the files come from: this install's web/staff, then uPlot's dist folder. */
export function staffAssetRoots(): string[] {
  const require = createRequire(import.meta.url);
  return [webDir('staff', 'staff.css'), dirname(require.resolve('uplot/dist/uPlot.iife.min.js'))];
}

export interface StaffAssets {
  /** The URL of a file under the assets path, with its content hash as version. */
  url(name: string): string;
}

export function staffAssets(prefix: string, roots: readonly string[] = staffAssetRoots()): StaffAssets {
  const versions = new Map<string, string>();
  const versionOf = (name: string) => {
    let version = versions.get(name);
    if (version === undefined) {
      const body = roots.map((root) => tryRead(join(root, name))).find((b) => b !== null);
      if (!body) throw new Error(`staff asset ${name} is in none of ${roots.join(', ')}`);
      version = createHash('sha256').update(body).digest('hex').slice(0, 12);
      versions.set(name, version);
    }
    return version;
  };
  return { url: (name) => `${prefix}/assets/${name}?v=${versionOf(name)}` };
}

function tryRead(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Registers GET {prefix}/assets/* on the staff plugin. */
export async function registerStaffAssets(app: FastifyInstance, roots: readonly string[] = staffAssetRoots()): Promise<void> {
  await app.register(fastifyStatic, {
    root: [...roots],
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    cacheControl: true,
    immutable: true,
    maxAge: '365d',
    etag: true,
    lastModified: false,
  });
}

let defaultAssets: { prefix: string; assets: StaffAssets } | undefined;

/** The stylesheet's URL for pages under `prefix`, versioned by content. */
export function staffStylesheet(prefix: string): string {
  return staffAsset(prefix, 'staff.css');
}

/** A file's URL under `prefix`'s assets, versioned by content (scripts of a screen, uPlot). */
export function staffAsset(prefix: string, name: string): string {
  if (defaultAssets?.prefix !== prefix) defaultAssets = { prefix, assets: staffAssets(prefix) };
  return defaultAssets.assets.url(name);
}
