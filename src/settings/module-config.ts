import type { z } from 'zod';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { getModuleSetting, setModuleSetting, settingChangedAt } from './index.js';
import { getSecret, listSecrets, setSecret } from './secrets.js';

/** What a pluggable module (payment provider, SMS gateway) declares about its configuration. */
export interface ConfigurableModule<C> {
  readonly name: string;
  readonly configSchema: z.ZodType<C>;
  readonly secretFields: readonly string[];
}

// One way to configure every pluggable module: plain fields as one JSON setting under `key`,
// secret fields sealed in the secrets table as `<key>.<field>`. The whole is validated by the
// module's schema before anything is saved, so a half-valid configuration never lands.

export function saveModuleConfig<C>(db: Db, box: SecretBox, key: string, module: ConfigurableModule<C>, fields: Record<string, unknown>, actor: string, now = Date.now()): void {
  const current = readRaw(db, box, key, module);
  const merged = { ...current, ...fields };
  const parsed = module.configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LangoError('PAY_BAD_CONFIG', { name: module.name, reason: `${issue.path.join('.') || 'settings'}: ${issue.message}` });
  }
  db.transaction((tx) => {
    const plain: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(merged)) {
      if (module.secretFields.includes(field)) {
        if (field in fields && typeof value === 'string') setSecret(tx as Db, box, `${key}.${field}`, value, actor, now);
      } else plain[field] = value;
    }
    setModuleSetting(tx as Db, key, plain, actor, now);
  }, { behavior: 'immediate' });
}

/** The module's parsed configuration, or undefined when it was never set up. */
export function loadModuleConfig<C>(db: Db, box: SecretBox, key: string, module: ConfigurableModule<C>): C | undefined {
  if (getModuleSetting(db, key) === undefined) return undefined;
  const parsed = module.configSchema.safeParse(readRaw(db, box, key, module));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LangoError('PAY_BAD_CONFIG', { name: module.name, reason: `${issue.path.join('.') || 'settings'}: ${issue.message}` });
  }
  return parsed.data;
}

/** For display: plain fields as stored, secret fields only as "set"/"not set". */
export function describeModuleConfig(db: Db, key: string, module: ConfigurableModule<unknown>): Record<string, unknown> {
  const plain = (getModuleSetting(db, key) ?? {}) as Record<string, unknown>;
  const present = new Set(listSecrets(db, `${key}.`).map((s) => s.name.slice(key.length + 1)));
  const shown: Record<string, unknown> = { ...plain };
  for (const field of module.secretFields) shown[field] = present.has(field) ? '(set)' : '(not set)';
  return shown;
}

/** Changes whenever the configuration does (secrets included): long-lived clients rebuild on change. */
export function moduleConfigVersion(db: Db, key: string): number {
  const secretTimes = listSecrets(db, `${key}.`).map((s) => s.updatedAt);
  return Math.max(settingChangedAt(db, key), ...secretTimes, 0);
}

function readRaw(db: Db, box: SecretBox, key: string, module: ConfigurableModule<unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...((getModuleSetting(db, key) ?? {}) as Record<string, unknown>) };
  for (const field of module.secretFields) {
    const value = getSecret(db, box, `${key}.${field}`);
    if (value !== undefined) raw[field] = value;
  }
  return raw;
}
