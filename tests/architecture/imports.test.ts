import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/daemon-process.js';

// The arrows of style.md §1, checked on every run: edges (radius server, web, cli, main) point
// inward to the domains, the domains to db/, never back.

const src = path.join(repoRoot(), 'src');

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => {
    const spec = m[1]!;
    return spec.startsWith('.') ? path.relative(src, path.resolve(path.dirname(file), spec)) : spec;
  });
}

const rules: Array<{ area: string; mayNotImport: RegExp; why: string }> = [
  { area: 'radius', mayNotImport: /^(aaa|billing|staff|web|cli|db)\/|^fastify|^drizzle-orm|^better-sqlite3|^main/, why: 'the protocol layer knows no domain; main.ts hands it handlers' },
  { area: 'aaa', mayNotImport: /^(web|cli)\/|^main|^fastify|^node:dgram/, why: 'policy is reached from the edges, never reaches them' },
  { area: 'billing', mayNotImport: /^(aaa|payments|messaging|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'billing imports neither aaa, payments, messaging nor the protocol; it reaches them through outbox rows' },
  { area: 'payments', mayNotImport: /^(aaa|messaging|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'payments settle through billing; providers speak HTTP, never to the web edge' },
  { area: 'hotspot', mayNotImport: /^(aaa|payments|messaging|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'vouchers are accounts in billing; payments and the portal call hotspot, never the reverse' },
  { area: 'messaging', mayNotImport: /^(aaa|payments|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'messaging delivers what the domains queued and knows none of them but billing (read-only)' },
  { area: 'portal', mayNotImport: /^(staff|payments|hotspot|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'the customer portal reads billing, aaa and messaging; the web edge calls it, never the reverse' },
  { area: 'support', mayNotImport: /^(portal|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'tickets read billing and queue messages, "Why?" reads every domain through its own functions; the portal and staff pages call them, never the reverse' },
  { area: 'operations', mayNotImport: /^(aaa|billing|payments|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'idempotency keys wrap any domain\'s change; they know none of them' },
  { area: 'staff', mayNotImport: /^(aaa|billing|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'staff accounts stand alone' },
  { area: 'settings', mayNotImport: /^(aaa|billing|staff|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'settings are read by every domain and know none' },
  { area: 'jobs', mayNotImport: /^(aaa|billing|staff|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'the scheduler runs what main.ts hands it' },
  { area: 'events', mayNotImport: /^(aaa|billing|payments|messaging|staff|hotspot|portal|support|integrations|field|reports|privacy|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'the event outbox is written by every domain inside its own transaction and knows none of them' },
  { area: 'integrations', mayNotImport: /^(aaa|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'API tokens and webhook delivery serve the web edge, never reach it' },
  { area: 'field', mayNotImport: /^(aaa|payments|messaging|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'equipment and jobs change accounts through billing; the staff pages call them' },
  { area: 'reports', mayNotImport: /^(payments|messaging|web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'reports read roll-ups and ledgers; they change nothing and know no edge' },
  { area: 'privacy', mayNotImport: /^(web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'export and erasure call each domain\'s own functions; the edges call privacy' },
  { area: 'routeros', mayNotImport: /^(aaa|billing|staff|network|settings|web|cli|db|radius)\/|^fastify|^drizzle-orm|^better-sqlite3|^main/, why: 'the RouterOS API client is protocol only; the network domain hands it endpoints' },
  { area: 'network', mayNotImport: /^(web|cli|radius)\/|^main|^fastify|^node:dgram/, why: 'provisioning and monitoring are reached from the staff pages, the CLI and main.ts, never reach them' },
  { area: 'db', mayNotImport: /^(aaa|billing|staff|settings|web|cli|radius)\/|^main/, why: 'the database layer serves every domain and knows none' },
];

describe('module boundaries', () => {
  for (const rule of rules) {
    it(`keeps src/${rule.area} from importing what it must not (${rule.why})`, () => {
      const offences = files(path.join(src, rule.area)).flatMap((file) =>
        importsOf(file)
          .filter((spec) => rule.mayNotImport.test(spec))
          .map((spec) => `${path.relative(src, file)} imports ${spec}`),
      );
      expect(offences).toEqual([]);
    });
  }

  it('keeps SQL out of the edges: web, cli and the radius server use domain functions', () => {
    const offences = ['web', 'cli', 'radius']
      .flatMap((area) => files(path.join(src, area)))
      .filter((file) => /\b(SELECT|INSERT|UPDATE|DELETE)\s+(\*|INTO|FROM|\w+\s+SET)/i.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(src, file));
    expect(offences).toEqual([]);
  });
});
