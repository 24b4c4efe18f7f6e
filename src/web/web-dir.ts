import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A folder of this install's web/ (web/hotspot, web/staff), found by walking up from this
 * module: src/web under vitest, dist/src/web when built. `marker` is a file the folder must hold.
 */
export function webDir(name: string, marker: string): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; ) {
    const candidate = join(dir, 'web', name);
    if (existsSync(join(candidate, marker))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no web/${name}/${marker} found in ${start} or any folder above it`);
    dir = parent;
  }
}
