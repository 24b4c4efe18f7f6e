import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { lango, langoJson, langoOk } from '../support/peers.js';

// The `lango` command as an operator types it, on a fresh database each time.

let env: { env: Record<string, string> };

beforeEach(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-cli-'));
  env = { env: { ...(process.env as Record<string, string>), LANGO_DB: path.join(dir, 'lango.db'), LANGO_KEY_FILE: path.join(dir, 'secret.key') } };
});

describe('lango CLI', () => {
  it('lists every command in --help and explains each one with its own --help', () => {
    const top = lango(env, '--help');
    expect(top.status).toBe(0);
    for (const words of [['nas', 'add'], ['nas', 'list'], ['plan', 'add'], ['plan', 'list'], ['customer', 'add'], ['customer', 'list'], ['sessions']]) {
      expect(top.stdout).toContain(`lango ${words.join(' ')}`);
      const one = lango(env, ...words, '--help');
      expect(one.status, words.join(' ')).toBe(0);
      expect(one.stdout).toContain('Usage: lango');
    }
  });

  it('adds a router, a plan and a customer, and shows them as JSON', () => {
    langoOk(env, 'nas', 'add', '--name', 'R1', '--ip', '192.168.88.1', '--secret', 'testing123');
    langoOk(env, 'plan', 'add', '--name', '1 Hour', '--price', '20', '--currency', 'KES', '--duration', '1h', '--rate', '2M/2M', '--data', '1GB');
    langoOk(env, 'customer', 'add', '--username', 'alice', '--password', 's3cret', '--plan', '1 Hour');
    expect(langoJson<unknown[]>(env, 'nas', 'list')).toEqual([expect.objectContaining({ name: 'R1', ip: '192.168.88.1', requireMessageAuthenticator: 'auto' })]);
    expect(langoJson<unknown[]>(env, 'plan', 'list')).toEqual([
      expect.objectContaining({ name: '1 Hour', priceMinor: 2000, currency: 'KES', durationSeconds: 3600, rateLimit: '2M/2M', dataBytes: 1_000_000_000 }),
    ]);
    expect(langoJson<unknown[]>(env, 'customer', 'list')).toEqual([expect.objectContaining({ username: 'alice', plan: '1 Hour', status: 'active' })]);
    expect(langoJson<unknown[]>(env, 'sessions')).toEqual([]);
  });

  it('takes every plan policy option and shows it back', () => {
    const run = lango(env, 'plan', 'add', '--name', 'Night', '--price', '50', '--currency', 'KES', '--months', '1', '--starts', 'first-login', '--rate', '2M/4M',
      '--data', '10GB', '--data-counts', 'download', '--fup', '5GB:1M/2M,8GB:512k/1M', '--time', '3h', '--shared', '2', '--idle', '5m', '--interim', '10m',
      '--window', '22:00-06:00', '--pool', 'night-pool', '--address-list', 'night', '--billing', 'postpaid');
    expect(run.status, run.stderr).toBe(0);
    expect(langoJson<unknown[]>(env, 'plan', 'list')[0]).toMatchObject({
      validityMonths: 1, validityStarts: 'first_login', dataBytes: 10e9, dataCounts: 'download',
      fupTiers: [{ afterBytes: 5e9, rateLimit: '1M/2M' }, { afterBytes: 8e9, rateLimit: '512k/1M' }],
      timeAllowanceSeconds: 10800, sharedUsers: 2, idleTimeoutSeconds: 300, interimIntervalSeconds: 600,
      windowStartMinute: 1320, windowEndMinute: 360, ipPool: 'night-pool', addressList: 'night', billingKind: 'postpaid',
    });
  });

  it('edits a plan, checking the result like a new plan and keeping what was not given', () => {
    lango(env, 'plan', 'add', '--name', 'Day', '--price', '1000', '--currency', 'UGX', '--duration', '1d', '--data', '1GB');
    langoOk(env, 'plan', 'edit', '--name', 'Day', '--price', '1500', '--rename', 'Day Pass');
    expect(langoJson<unknown[]>(env, 'plan', 'list')).toEqual([expect.objectContaining({ name: 'Day Pass', priceMinor: 1500, currency: 'UGX', durationSeconds: 86400, dataBytes: 1e9 })]);
    const bad = lango(env, 'plan', 'edit', '--name', 'Day Pass', '--fup', '2GB:1M/1M');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/before the data allowance/);
    expect(lango(env, 'plan', 'edit', '--name', 'Day Pass', '--months', '1').stderr).toMatch(/Give the validity once/);
  });

  it('stores prices in minor units of the currency: Ugandan shillings have none', () => {
    langoOk(env, 'plan', 'add', '--name', 'Day', '--price', '1000', '--currency', 'UGX');
    expect(langoJson<Array<{ priceMinor: number }>>(env, 'plan', 'list')[0]!.priceMinor).toBe(1000);
  });

  it('never prints or stores a password or secret in clear', () => {
    lango(env, 'nas', 'add', '--name', 'R1', '--ip', '10.0.0.1', '--secret', 'super-secret-9');
    const added = lango(env, 'customer', 'add', '--username', 'bob', '--password', 'hunter2-pw', '--json');
    expect(added.stdout + lango(env, 'nas', 'list', '--json').stdout).not.toMatch(/super-secret-9|hunter2-pw|Sealed/);
  });

  const refusals: Array<[string, string[], number, RegExp]> = [
    ['an unknown plan', ['customer', 'add', '--username', 'bob', '--password', 'x', '--plan', 'Nope'], 1, /no plan called "Nope"/],
    ['a bad IP', ['nas', 'add', '--name', 'R9', '--ip', '10.0.0', '--secret', 'testing123'], 1, /not an IP address/],
    ['a short secret', ['nas', 'add', '--name', 'R9', '--ip', '10.0.0.9', '--secret', 'abc'], 1, /shared secret must be/],
    ['a bad policy word', ['nas', 'add', '--name', 'R9', '--ip', '10.0.0.9', '--secret', 'testing123', '--require-message-authenticator', 'maybe'], 1, /Use one of: yes, no, auto/],
    ['a bad price', ['plan', 'add', '--name', 'P', '--price', '20.999', '--currency', 'KES'], 1, /not an amount in KES/],
    ['an unsupported currency', ['plan', 'add', '--name', 'P', '--price', '20', '--currency', 'EUR'], 1, /not a supported currency/],
    ['a bad rate', ['plan', 'add', '--name', 'P', '--price', '20', '--currency', 'KES', '--rate', 'fast'], 1, /not a MikroTik rate limit/],
    ['a bad duration', ['plan', 'add', '--name', 'P', '--price', '20', '--currency', 'KES', '--duration', 'forever'], 1, /not a duration/],
    ['a username with spaces', ['customer', 'add', '--username', 'a b', '--password', 'x'], 1, /without spaces/],
    ['a missing option', ['customer', 'add', '--username', 'bob'], 2, /Missing --password/],
    ['an unknown option', ['nas', 'list', '--colour'], 2, /Unknown option --colour/],
    ['an unknown command', ['frobnicate'], 2, /Unknown command "frobnicate"/],
    ['a bad time window', ['plan', 'add', '--name', 'P', '--price', '20', '--currency', 'KES', '--window', '22-6'], 1, /not a time window/],
    ['FUP tiers out of order', ['plan', 'add', '--name', 'P', '--price', '20', '--currency', 'KES', '--fup', '5GB:1M/1M,2GB:512k/512k'], 1, /not a list of speed tiers/],
    ['a bad MAC', ['customer', 'add', '--username', 'bob', '--password', 'x', '--mac', '12:34'], 1, /not a MAC address/],
  ];
  for (const [what, args, code, message] of refusals) {
    it(`refuses ${what} with a clear message, exit ${code}, and writes nothing`, () => {
      const run = lango(env, ...args);
      expect(run.status).toBe(code);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(langoJson<unknown[]>(env, 'customer', 'list')).toEqual([]);
      expect(langoJson<unknown[]>(env, 'plan', 'list')).toEqual([]);
    });
  }

  it('refuses duplicates: same username, same router name, same router IP', () => {
    lango(env, 'nas', 'add', '--name', 'R1', '--ip', '10.0.0.1', '--secret', 'testing123');
    lango(env, 'customer', 'add', '--username', 'alice', '--password', 'x');
    expect(lango(env, 'customer', 'add', '--username', 'alice', '--password', 'y').stderr).toMatch(/already exists/);
    expect(lango(env, 'nas', 'add', '--name', 'R1', '--ip', '10.0.0.2', '--secret', 'testing123').stderr).toMatch(/router called "R1" already exists/);
    expect(lango(env, 'nas', 'add', '--name', 'R2', '--ip', '10.0.0.1', '--secret', 'testing123').stderr).toMatch(/IP 10.0.0.1 already exists \(R1\)/);
    expect(langoJson<unknown[]>(env, 'nas', 'list')).toHaveLength(1);
    expect(langoJson<unknown[]>(env, 'customer', 'list')).toHaveLength(1);
  });
});
