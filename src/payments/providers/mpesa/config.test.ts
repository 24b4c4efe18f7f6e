import { describe, expect, it } from 'vitest';
import { baseUrlOf, isAllowedSource, mpesaConfigSchema, SAFARICOM_CALLBACK_IPS } from './config.js';

const minimal = { shortcode: '174379', consumerKey: 'key', consumerSecret: 'secret', passkey: 'pass' };

describe('M-Pesa configuration', () => {
  it('fills the documented defaults: sandbox, paybill, log-only allow-list of Safaricom addresses', () => {
    const config = mpesaConfigSchema.parse(minimal);
    expect(config).toMatchObject({
      environment: 'sandbox',
      transactionType: 'CustomerPayBillOnline',
      timeoutMs: 10_000,
      queryAfterMs: 30_000,
      giveUpAfterMs: 900_000,
      c2bResponseType: 'Completed',
      allowListMode: 'log',
    });
    expect(config.callbackAllowList).toEqual(SAFARICOM_CALLBACK_IPS);
    expect(baseUrlOf(config)).toBe('https://sandbox.safaricom.co.ke');
    expect(baseUrlOf(mpesaConfigSchema.parse({ ...minimal, environment: 'production' }))).toBe('https://api.safaricom.co.ke');
  });

  it('takes a shortcode stored as a number and refuses one that is not 5 to 7 digits', () => {
    expect(mpesaConfigSchema.parse({ ...minimal, shortcode: 174379 }).shortcode).toBe('174379');
    expect(() => mpesaConfigSchema.parse({ ...minimal, shortcode: '12' })).toThrow();
    expect(() => mpesaConfigSchema.parse({ ...minimal, partyB: 'till' })).toThrow();
  });

  it('refuses a ResponseType that is not exactly Completed or Cancelled', () => {
    expect(() => mpesaConfigSchema.parse({ ...minimal, c2bResponseType: 'completed' })).toThrow();
  });

  it('refuses an allow-list entry that is not an address or block', () => {
    expect(() => mpesaConfigSchema.parse({ ...minimal, callbackAllowList: ['safaricom.co.ke'] })).toThrow();
    expect(() => mpesaConfigSchema.parse({ ...minimal, callbackAllowList: ['196.201.212.0/33'] })).toThrow();
  });

  it('lets listed Safaricom addresses through, also when seen through an IPv6 socket', () => {
    const config = mpesaConfigSchema.parse(minimal);
    expect(isAllowedSource(config, '196.201.214.200')).toBe(true);
    expect(isAllowedSource(config, '::ffff:196.201.213.44')).toBe(true);
    expect(isAllowedSource(config, '203.0.113.9')).toBe(false);
    expect(isAllowedSource(config, 'not an ip')).toBe(false);
  });

  it('allows everyone when the allow-list is off, and understands CIDR blocks', () => {
    expect(isAllowedSource(mpesaConfigSchema.parse({ ...minimal, allowListMode: 'off' }), '203.0.113.9')).toBe(true);
    const blocks = mpesaConfigSchema.parse({ ...minimal, allowListMode: 'enforce', callbackAllowList: ['196.201.212.0/22'] });
    expect(isAllowedSource(blocks, '196.201.215.1')).toBe(true);
    expect(isAllowedSource(blocks, '196.201.216.1')).toBe(false);
  });
});
