import type { SecretBox } from '../../crypto/secret-box.js';
import type { ProviderRegistry } from '../../payments/index.js';

/**
 * What the portal's pages use beyond the database, handed in by main.ts; each may be absent
 * (tests, a bare plugin), and the page that needs it says so plainly instead of failing.
 * Page modules add their own field here (pay: the payment providers).
 */
export interface PortalServices {
  /** Pay page: the providers that prompt a phone, and the key that seals their callback tokens. */
  payments?: {
    providers: Pick<ProviderRegistry, 'usable'>;
    box: SecretBox;
    /** A provider whose stored configuration no longer loads is left out, and said here. */
    onProviderError?: (name: string, err: unknown) => void;
  };
}
