import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/daemon-process.js';
import { renderConfigTable } from '../../src/config.js';

const readme = readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');

describe('README', () => {
  it('opens with exactly the two commands', () => {
    const firstBlock = readme.split('```')[1]!;
    expect(firstBlock).toContain('npm install && npm start');
    expect(firstBlock).toContain('npm test');
  });

  it('shows the configuration table generated from the schema (npm run docs:config)', () => {
    const section = readme.split('<!-- config-table:start -->')[1]!.split('<!-- config-table:end -->')[0]!.trim();
    expect(section).toBe(renderConfigTable());
  });
});
