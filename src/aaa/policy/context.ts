import type { Subscriber } from '../../billing/index.js';
import type { OpenSessionRef, UsageNow } from '../usage.js';

/** Everything a policy rule may look at; built once per Access-Request. */
export interface PolicyContext {
  subscriber: Subscriber;
  now: number;
  zone: string;
  /** The current period; for a first-login plan not yet started, the period this login starts. */
  expiresAt: number | null;
  usage: UsageNow;
  /** Calling-Station-Id as a normalised MAC, when the NAS sent one and the customer is bound to a device. */
  deviceMac: string | undefined;
  /** The router asking. */
  nasId: number;
  /** One open session holding a simultaneous-use place, read only to name it in a refusal. */
  openSession?: () => OpenSessionRef | undefined;
}
