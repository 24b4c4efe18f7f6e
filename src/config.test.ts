import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, configSchema, describeConfig, loadConfig } from './config.js';

describe('loadConfig', () => {
  let dir: string;
  let counter = 0;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lango-config-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh config file per test, so tests never see each other's files. */
  function configFile(content: string): string {
    const file = path.join(dir, `lango.config.${++counter}.json`);
    writeFileSync(file, content);
    return file;
  }
  const noFile = () => path.join(dir, 'does-not-exist.json');

  function configError(fn: () => unknown): ConfigError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }

  it('uses the documented defaults when the environment is empty and there is no file', () => {
    expect(loadConfig({}, noFile())).toEqual({
      LANGO_DB: './data/lango.db',
      LANGO_KEY_FILE: path.join('data', 'secret.key'),
      LANGO_BIND: '0.0.0.0',
      LANGO_AUTH_PORT: 1812,
      LANGO_ACCT_PORT: 1813,
      LANGO_COA_PORT: 3799,
      LANGO_HTTP_PORT: 8080,
      LANGO_LOG_LEVEL: 'info',
      LANGO_INTERIM_INTERVAL: 300,
      LANGO_TIMEZONE: 'Africa/Nairobi',
      LANGO_STALE_GRACE: 120,
      LANGO_PAYMENT_CHECK_INTERVAL: 10,
      LANGO_TRUST_PROXY: false,
    });
  });

  it('puts the key file beside the database by default', () => {
    expect(loadConfig({ LANGO_DB: '/var/lib/lango/lango.db' }, noFile()).LANGO_KEY_FILE).toBe('/var/lib/lango/secret.key');
    expect(loadConfig({ LANGO_DB: '/var/lib/lango/lango.db', LANGO_KEY_FILE: '/etc/lango/key' }, noFile()).LANGO_KEY_FILE).toBe(
      '/etc/lango/key',
    );
  });

  it('reads LANGO_TRUST_PROXY as yes/no or as a list of proxy addresses', () => {
    expect(loadConfig({ LANGO_TRUST_PROXY: 'yes' }, noFile()).LANGO_TRUST_PROXY).toBe(true);
    expect(loadConfig({ LANGO_TRUST_PROXY: 'false' }, noFile()).LANGO_TRUST_PROXY).toBe(false);
    expect(loadConfig({ LANGO_TRUST_PROXY: '10.0.0.5, 192.168.88.0/24' }, noFile()).LANGO_TRUST_PROXY).toEqual(['10.0.0.5', '192.168.88.0/24']);
    expect(loadConfig({ LANGO_TRUST_PROXY: 'on' }, noFile()).LANGO_TRUST_PROXY).toBe(true);
  });

  it('refuses a LANGO_TRUST_PROXY entry that is not an address, with the setting named', () => {
    expect(configError(() => loadConfig({ LANGO_TRUST_PROXY: 'ture' }, noFile())).message).toMatch(/LANGO_TRUST_PROXY.*IP address, a CIDR/);
    expect(configError(() => loadConfig({ LANGO_TRUST_PROXY: '10.0.0.0/33' }, noFile())).message).toMatch(/LANGO_TRUST_PROXY/);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig({}, noFile()))).toBe(true);
  });

  it('reads settings from the JSON file', () => {
    const file = configFile(JSON.stringify({ LANGO_AUTH_PORT: 11812, LANGO_BIND: '127.0.0.1', LANGO_LOG_LEVEL: 'debug' }));
    expect(loadConfig({}, file)).toMatchObject({ LANGO_AUTH_PORT: 11812, LANGO_BIND: '127.0.0.1', LANGO_LOG_LEVEL: 'debug' });
  });

  it('lets the environment override the JSON file', () => {
    const file = configFile(JSON.stringify({ LANGO_AUTH_PORT: 11812, LANGO_ACCT_PORT: 11813 }));
    const config = loadConfig({ LANGO_AUTH_PORT: '21812' }, file);
    expect(config.LANGO_AUTH_PORT).toBe(21812);
    expect(config.LANGO_ACCT_PORT).toBe(11813);
  });

  it('treats an empty environment variable as unset', () => {
    const file = configFile(JSON.stringify({ LANGO_HTTP_PORT: 9090 }));
    expect(loadConfig({ LANGO_HTTP_PORT: '' }, file).LANGO_HTTP_PORT).toBe(9090);
  });

  it('ignores environment variables it does not know', () => {
    expect(() => loadConfig({ LANGO_NO_SUCH_THING: '1', PATH: '/usr/bin' }, noFile())).not.toThrow();
  });

  it('accepts port 0 for tests', () => {
    expect(loadConfig({ LANGO_AUTH_PORT: '0' }, noFile()).LANGO_AUTH_PORT).toBe(0);
  });

  it('names the key and its value when a port is not a number', () => {
    const err = configError(() => loadConfig({ LANGO_AUTH_PORT: 'abc' }, noFile()));
    expect(err.message).toMatch(/^LANGO_AUTH_PORT="abc": \S/);
  });

  it('says a port must be 0..65535 when it is out of range', () => {
    const err = configError(() => loadConfig({ LANGO_ACCT_PORT: '70000' }, noFile()));
    expect(err.message).toBe('LANGO_ACCT_PORT="70000": must be 0..65535 (0 picks a free port, for tests)');
    expect(configError(() => loadConfig({ LANGO_ACCT_PORT: '-1' }, noFile())).message).toMatch(/^LANGO_ACCT_PORT="-1": must be 0\.\.65535/);
  });

  it('refuses a blank or non-numeric port instead of reading it as 0, a random free port', () => {
    expect(configError(() => loadConfig({ LANGO_AUTH_PORT: ' ' }, noFile())).message).toMatch(/^LANGO_AUTH_PORT=" ": \S/);
    for (const value of ['', null, false, true]) {
      const file = configFile(JSON.stringify({ LANGO_AUTH_PORT: value }));
      expect(configError(() => loadConfig({}, file)).message).toMatch(new RegExp(`^LANGO_AUTH_PORT=${JSON.stringify(value)}: \\S`));
    }
    expect(configError(() => loadConfig({ LANGO_INTERIM_INTERVAL: ' ' }, noFile())).message).toMatch(/^LANGO_INTERIM_INTERVAL=" ": \S/);
  });

  it('accepts a port with surrounding whitespace from the environment', () => {
    expect(loadConfig({ LANGO_AUTH_PORT: ' 1812\n' }, noFile()).LANGO_AUTH_PORT).toBe(1812);
  });

  it('says a port must be a whole number', () => {
    const err = configError(() => loadConfig({ LANGO_COA_PORT: '37.99' }, noFile()));
    expect(err.message).toBe('LANGO_COA_PORT="37.99": must be a whole number');
  });

  it('reports a bad value from the JSON file with its JSON spelling', () => {
    const err = configError(() => loadConfig({}, configFile(JSON.stringify({ LANGO_HTTP_PORT: 123456 }))));
    expect(err.message).toMatch(/^LANGO_HTTP_PORT=123456: must be 0\.\.65535/);
  });

  it('refuses an interim interval below 60 seconds', () => {
    const err = configError(() => loadConfig({ LANGO_INTERIM_INTERVAL: '30' }, noFile()));
    expect(err.message).toMatch(/^LANGO_INTERIM_INTERVAL="30": must be at least 60 seconds/);
  });

  it('refuses an unknown log level', () => {
    expect(configError(() => loadConfig({ LANGO_LOG_LEVEL: 'verbose' }, noFile())).message).toMatch(/^LANGO_LOG_LEVEL="verbose": /);
  });

  it('refuses an unknown key in the JSON file, naming the file and the key', () => {
    const file = configFile(JSON.stringify({ LANGO_AUTH_PORT: 1812, LANGO_AUTH_PROT: 1812 }));
    const err = configError(() => loadConfig({}, file));
    expect(err.message).toContain(file);
    expect(err.message).toContain('unknown setting LANGO_AUTH_PROT');
  });

  it('refuses a JSON file that is not valid JSON, naming the file', () => {
    const file = configFile('{ "LANGO_AUTH_PORT": 1812, }');
    const err = configError(() => loadConfig({}, file));
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}: not valid JSON`));
  });

  it('refuses a JSON file that holds an array, a string or null', () => {
    for (const content of ['[]', '"LANGO_AUTH_PORT"', 'null']) {
      const file = configFile(content);
      expect(configError(() => loadConfig({}, file)).message).toBe(`${file}: must hold one JSON object, e.g. {"LANGO_AUTH_PORT": 1812}`);
    }
  });

  it('requires LANGO_BIND to be an IP address', () => {
    expect(loadConfig({ LANGO_BIND: '::' }, noFile()).LANGO_BIND).toBe('::');
    expect(loadConfig({ LANGO_BIND: '127.0.0.1' }, noFile()).LANGO_BIND).toBe('127.0.0.1');
    const err = configError(() => loadConfig({ LANGO_BIND: 'localhost' }, noFile()));
    expect(err.message).toBe('LANGO_BIND="localhost": must be an IP address such as 0.0.0.0 or 127.0.0.1');
  });
});

describe('describeConfig', () => {
  it('lists every setting with its default and a description', () => {
    const rows = describeConfig();
    expect(rows.map((r) => r.key)).toEqual(Object.keys(configSchema.shape));
    expect(rows.find((r) => r.key === 'LANGO_AUTH_PORT')?.default).toBe('1812');
    expect(rows.find((r) => r.key === 'LANGO_KEY_FILE')?.default).toBe('-');
    for (const row of rows) expect(row.description).not.toBe('');
  });
});
