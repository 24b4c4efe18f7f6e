import type { ProviderModule } from '../provider.js';
import { momo } from './momo/index.js';
import { mpesa } from './mpesa/index.js';

/** Every provider module Lango ships. A new provider is one module and one line here. */
export const providerModules: Readonly<Record<string, ProviderModule>> = { mpesa, momo };
