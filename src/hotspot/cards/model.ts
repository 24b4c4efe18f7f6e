// What a sheet of printed voucher cards shows, already worded and formatted by the caller
// (vouchers own codes, plans and prices; this module only lays them out). Pure data: no
// database, no settings, so a batch renders the same from the CLI, the admin pages or a test.

export type CardLanguage = 'en' | 'ar';

export interface VoucherCard {
  /** What the customer types as the username on the login page. */
  code: string;
  /** Null when the code is also the password, as most hotspot vouchers are. */
  password: string | null;
  plan: string;
  /** Formatted, e.g. 'KES 50'. */
  price: string;
  /** Formatted, e.g. '1 hour' or '7 days'. */
  validity: string;
  /** The date an unused code expires, formatted; null = it does not. */
  expiresAt: string | null;
  /** QR target, e.g. http://hotspot.example/login?dst=&username=CODE; null = no QR code. */
  loginUrl: string | null;
  /** Printed small on the card, so a lost or disputed card can be found in the batch. */
  serial: string;
}

export interface CardOperator {
  name: string;
  phone: string | null;
  /** PNG or JPEG bytes; anything else, or a damaged image, is left off the cards. */
  logo: Buffer | null;
}

export interface CardSheet {
  language: CardLanguage;
  operator: CardOperator;
  /** The Wi-Fi network the cards are for; null = not printed. */
  ssid: string | null;
  /** The batch's name or number, printed under each page. */
  batch: string;
  cards: VoucherCard[];
}
