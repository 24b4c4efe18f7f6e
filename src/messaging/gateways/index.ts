import type { GatewayModule } from '../gateway.js';
import { africasTalking } from './africas-talking.js';
import { httpGateway } from './http.js';
import { logGateway } from './log.js';

// Every SMS gateway driver, by the name stored in settings. Adding one is a file in this folder
// implementing GatewayModule, plus its line here.

export const gatewayModules = {
  log: logGateway,
  africastalking: africasTalking,
  http: httpGateway,
} as const satisfies Record<string, GatewayModule>;

export type GatewayName = keyof typeof gatewayModules;

export function isGatewayName(name: string): name is GatewayName {
  return Object.hasOwn(gatewayModules, name);
}

export { africasTalking, httpGateway, logGateway };
export { kannelPreset } from './http.js';
export type { AfricasTalkingConfig } from './africas-talking.js';
export type { HttpGatewayConfig } from './http.js';
export type { LogGatewayConfig, LoggedSms, LogSmsGateway, SmsLogSink } from './log.js';
