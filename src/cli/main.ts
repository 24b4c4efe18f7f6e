#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { createSecretBox, loadOrCreateKey } from '../crypto/secret-box.js';
import { openDatabase } from '../db/connection.js';
import { operatorZone } from '../settings/index.js';
import { LangoError } from '../errors.js';
import { t } from '../i18n/index.js';
import type { Command } from './command.js';
import { commands } from './commands.js';

// The `lango` command. It opens the same database as the running daemon (SQLite WAL lets both
// work at once) and calls the same domain functions the web UI calls. Exit codes: 0 done,
// 1 refused (bad input, nothing written), 2 usage or configuration error.

function usage(): string {
  const lines = commands.map((c) => `  ${c.usage}\n      ${c.summary}`);
  return [
    'lango — manage a Lango RADIUS/billing server from the command line',
    '',
    'Commands:',
    ...lines,
    '',
    'Every command takes --help and --json. The database is LANGO_DB (default ./data/lango.db),',
    'the same one the daemon uses; it is created and migrated if it does not exist yet.',
  ].join('\n');
}

function help(command: Command): string {
  const options = Object.keys(command.options).map((o) => `--${o}`).join(' ');
  return `${command.summary}\n\nUsage: ${command.usage}\nOptions: ${options} --help`;
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const matches = commands.filter((c) => c.words.every((w, i) => argv[i] === w));
  const best = matches.sort((a, b) => b.words.length - a.words.length)[0];
  return best ? { command: best, rest: argv.slice(best.words.length) } : undefined;
}

function fail(message: string, code: number): never {
  process.stderr.write(`lango: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const found = findCommand(argv);
  if (!found) fail(t('cli.unknownCommand', { command: argv.filter((a) => !a.startsWith('-')).join(' ') }), 2);
  const { command, rest } = found;
  const name = command.words.join(' ');
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${help(command)}\n`);
    return;
  }

  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: command.positional !== undefined });
    values = parsed.values as typeof values;
    if (command.positional !== undefined && parsed.positionals.length > 0) {
      const slots = [command.positional].flat();
      if (parsed.positionals.length > slots.length || parsed.positionals.some((_, i) => values[slots[i]!] !== undefined)) throw new Error(`'${parsed.positionals.join(' ')}'`);
      parsed.positionals.forEach((value, i) => (values[slots[i]!] = value));
    }
  } catch (err) {
    const option = /'([^']+)'/.exec((err as Error).message)?.[1] ?? rest.join(' ');
    fail(t('cli.unknownOption', { option, command: name }), 2);
  }
  for (const option of command.required ?? []) {
    if (typeof values[option] !== 'string') fail(t('cli.missingOption', { option, command: name }), 2);
  }

  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`, 2);
    throw err;
  }
  if (command.standalone) {
    try {
      const result = await command.standalone(config, values);
      process.stdout.write(`${values.json ? JSON.stringify(result, null, 2) : command.print(result)}\n`);
    } catch (err) {
      if (err instanceof LangoError) fail(err.message, 1);
      throw err;
    }
    return;
  }
  const connection = openDatabase(config.LANGO_DB);
  try {
    const box = createSecretBox(loadOrCreateKey(config.LANGO_KEY_FILE));
    // The time zone chosen on the settings page wins over the environment's, as in the daemon.
    const result = await command.run({ db: connection.db, connection, box, config: { ...config, LANGO_TIMEZONE: operatorZone(connection.db, config.LANGO_TIMEZONE) } }, values);
    process.stdout.write(`${values.json ? JSON.stringify(result, null, 2) : command.print(result)}\n`);
  } catch (err) {
    if (err instanceof LangoError) fail(err.message, 1);
    throw err;
  } finally {
    connection.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) fail(`configuration error: ${err.message}`, 2);
  process.stderr.write(`lango: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
