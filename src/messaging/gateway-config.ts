import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { getSetting } from '../settings/index.js';
import { describeModuleConfig, loadModuleConfig, moduleConfigVersion, saveModuleConfig } from '../settings/module-config.js';
import type { GatewayModule, SmsGateway } from './gateway.js';
import { gatewayModules, isGatewayName, type GatewayName } from './gateways/index.js';

const settingKey = (name: string) => `messaging.gateway.${name}`;

function gatewayModule(name: string): GatewayModule {
  if (!isGatewayName(name)) throw new LangoError('PAY_UNKNOWN_PROVIDER', { name, known: Object.keys(gatewayModules).join(', ') });
  return gatewayModules[name] as GatewayModule;
}

/** Sets (part of) a gateway's configuration, validated whole; secret fields (API keys) sealed. */
export function configureGateway(db: Db, box: SecretBox, name: string, fields: Record<string, unknown>, actor: string): void {
  saveModuleConfig(db, box, settingKey(name), gatewayModule(name), fields, actor);
}

export function describeGateway(db: Db, name: string): Record<string, unknown> {
  return describeModuleConfig(db, settingKey(name), gatewayModule(name));
}

/**
 * The gateway the sender uses, resolved at each send from the `messaging.smsGateway` setting
 * and that gateway's configuration, so switching gateways or changing a key needs no restart.
 * An unconfigured gateway refuses the batch as a retry: messages wait, nothing is lost.
 */
export function currentGateway(db: Db, box: SecretBox, logger: Logger): SmsGateway & { currentName(): GatewayName } {
  let built: { name: GatewayName; version: number; gateway: SmsGateway } | undefined;
  const resolve = (): SmsGateway => {
    const name = getSetting(db, 'messaging.smsGateway');
    const version = moduleConfigVersion(db, settingKey(name));
    if (built && built.name === name && built.version === version) return built.gateway;
    const module = gatewayModule(name);
    const stored = loadModuleConfig(db, box, settingKey(name), module);
    if (stored === undefined && name !== 'log') throw new LangoError('PAY_NOT_CONFIGURED', { name });
    const config = name === 'log' ? { ...(stored ?? {}), logger } : stored;
    const gateway = module.create(module.configSchema.parse(config));
    built = { name, version, gateway };
    return gateway;
  };
  return {
    get name() {
      return getSetting(db, 'messaging.smsGateway');
    },
    currentName: () => getSetting(db, 'messaging.smsGateway'),
    // The sender batches by this; each gateway splits further by its own size.
    batchSize: 100,
    async send(messages, signal) {
      let gateway: SmsGateway;
      try {
        gateway = resolve();
      } catch (err) {
        return messages.map(() => ({ status: 'retry' as const, code: 'NOT_CONFIGURED', description: (err as Error).message }));
      }
      const results = [];
      for (let i = 0; i < messages.length; i += gateway.batchSize) results.push(...(await gateway.send(messages.slice(i, i + gateway.batchSize), signal)));
      return results;
    },
    parseDeliveryReport(body) {
      const gateway = resolve();
      if (!gateway.parseDeliveryReport) throw new Error(`the ${gateway.name} gateway sends no delivery reports`);
      return gateway.parseDeliveryReport(body);
    },
  };
}
