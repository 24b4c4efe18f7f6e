/**
 * Phone numbers to E.164. Customers and staff type them the local way (0712 345 678 in Kenya,
 * 0912 345 678 in South Sudan, 0772 123 456 in Uganda), with the country code, or with +.
 * A bare local number is read in the operator's country (Kenya by default).
 */
const COUNTRY_CODES: Record<string, string> = { KE: '254', SS: '211', UG: '256' };

export function normalisePhone(text: string, country: keyof typeof COUNTRY_CODES = 'KE'): string | undefined {
  const digits = text.trim().replace(/[\s\-().]/g, '');
  let international: string;
  if (/^\+\d+$/.test(digits)) international = digits.slice(1);
  else if (/^00\d+$/.test(digits)) international = digits.slice(2);
  else if (/^0\d{9}$/.test(digits)) international = COUNTRY_CODES[country] + digits.slice(1);
  else if (/^(254|211|256)\d{9}$/.test(digits)) international = digits;
  else return undefined;
  // E.164 allows up to 15 digits; East African mobile numbers are 12 with the country code.
  if (!/^[1-9]\d{7,14}$/.test(international)) return undefined;
  if (/^(254|211|256)/.test(international) && international.length !== 12) return undefined;
  return `+${international}`;
}
