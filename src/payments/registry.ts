import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { describeModuleConfig, loadModuleConfig, moduleConfigVersion, saveModuleConfig } from '../settings/module-config.js';
import type { PaymentProvider, ProviderModule } from './provider.js';
import { providerModules } from './providers/index.js';

const settingKey = (name: string) => `payments.provider.${name}`;

export function providerModule(name: string): ProviderModule {
  const module = Object.hasOwn(providerModules, name) ? providerModules[name] : undefined;
  if (!module) throw new LangoError('PAY_UNKNOWN_PROVIDER', { name, known: Object.keys(providerModules).join(', ') });
  return module;
}

/** Sets (part of) a provider's configuration; secret fields are sealed, the whole is validated first. */
export function configureProvider(db: Db, box: SecretBox, name: string, fields: Record<string, unknown>, actor: string): void {
  saveModuleConfig(db, box, settingKey(name), providerModule(name), fields, actor);
}

export function describeProvider(db: Db, name: string): Record<string, unknown> {
  return describeModuleConfig(db, settingKey(name), providerModule(name));
}

/**
 * The configured providers, built on first use and rebuilt when their configuration changes
 * (a provider holds its OAuth token, so it lives as long as its configuration does).
 */
export class ProviderRegistry {
  private readonly built = new Map<string, { version: number; provider: PaymentProvider }>();

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly options: { now?: () => number } = {},
  ) {}

  /** Names of providers that are set up. */
  configured(): string[] {
    return Object.keys(providerModules).filter((name) => moduleConfigVersion(this.db, settingKey(name)) > 0);
  }

  get(name: string): PaymentProvider | undefined {
    const module = providerModule(name);
    const version = moduleConfigVersion(this.db, settingKey(name));
    if (version === 0) return undefined;
    const cached = this.built.get(name);
    if (cached && cached.version === version) return cached.provider;
    const config = loadModuleConfig(this.db, this.box, settingKey(name), module);
    if (config === undefined) return undefined;
    const provider = module.create(config, this.options);
    this.built.set(name, { version, provider });
    return provider;
  }

  /** Every provider that is set up and loads; one whose stored configuration fails is reported and left out. */
  usable(onError?: (name: string, err: unknown) => void): PaymentProvider[] {
    return this.configured().flatMap((name) => {
      try {
        const provider = this.get(name);
        return provider ? [provider] : [];
      } catch (err) {
        onError?.(name, err);
        return [];
      }
    });
  }

  require(name: string): PaymentProvider {
    const provider = this.get(name);
    if (!provider) throw new LangoError('PAY_NOT_CONFIGURED', { name });
    return provider;
  }
}
