// Sheets for tests and for looking at the layout: realistic codes, prices and URLs.
import { PNG } from 'pngjs';
import type { CardSheet, VoucherCard } from './model.js';

/** A 90 × 30 logo: a blue block and an orange one, enough to see where and how big it lands. */
export function sampleLogo(): Buffer {
  const png = new PNG({ width: 90, height: 30 });
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      const [r, gr, b] = x < 30 ? [0x1f, 0x4e, 0x8c] : [0xf2, 0x8c, 0x28];
      png.data[i] = r;
      png.data[i + 1] = gr;
      png.data[i + 2] = b;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/**
 * Codes from a 31-letter alphabet without 0/O, 1/I/L, as a voucher generator would make them:
 * the index times a number prime to 31⁸, in base 31, so every index up to 31⁸ gets its own code.
 */
export function sampleCode(index: number): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  let n = (index * 2_654_435_761 + 104_729) % 31 ** 8;
  let code = '';
  for (let i = 0; i < 8; i++) {
    code += alphabet[n % 31];
    n = Math.floor(n / 31);
  }
  return code;
}

export function sampleCards(count: number, overrides: Partial<VoucherCard> = {}): VoucherCard[] {
  return Array.from({ length: count }, (_, i) => {
    const code = sampleCode(i);
    return {
      code,
      password: null,
      plan: '1 Day Unlimited',
      price: 'KES 50',
      validity: '24 hours',
      expiresAt: '31 Dec 2026',
      loginUrl: `http://hotspot.example/login?dst=&username=${code}`,
      serial: `B7-${String(i + 1).padStart(5, '0')}`,
      ...overrides,
    };
  });
}

export function sampleSheet(overrides: Partial<CardSheet> = {}, count = 24): CardSheet {
  return {
    language: 'en',
    operator: { name: 'Juba Fast Net', phone: '+211 912 345 678', logo: sampleLogo() },
    ssid: 'JubaFastNet-WiFi',
    batch: 'B-2026-007',
    cards: sampleCards(count),
    ...overrides,
  };
}

/** The same sheet as Arabic cards with Arabic plan, validity and date, as the caller formats them. */
export function sampleArabicSheet(count = 24): CardSheet {
  return sampleSheet(
    {
      language: 'ar',
      operator: { name: 'شبكة جوبا السريعة', phone: '+211 912 345 678', logo: sampleLogo() },
      cards: sampleCards(count, { plan: 'يوم كامل بلا حدود', price: '500 SSP', validity: '24 ساعة', expiresAt: '31 ديسمبر 2026' }),
    },
    count,
  );
}
