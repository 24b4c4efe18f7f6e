import { describe, expect, it } from 'vitest';
import { createScrub, ERASED } from './scrub.js';

const scrub = createScrub({ fullName: 'Ann Njeri', phone: '+254712345678', email: 'ann@example.org', mac: 'aa:bb:cc:11:22:33', staticIp: null, billingAddress: null, serviceLocation: 'Ann' });

describe('scrubbing one customer\'s values out of free text and JSON', () => {
  it('replaces every spelling of the phone and MAC, and whole names only', () => {
    expect(scrub.text('Call Ann Njeri on 0712345678 or 254712345678; router AABB.CC11.2233')).toBe(`Call ${ERASED} on ${ERASED} or ${ERASED}; router ${ERASED}`);
    expect(scrub.text('Annual plan for Annette')).toBe('Annual plan for Annette');
  });

  it('clears payer names and numbers in a provider callback, whatever their type', () => {
    const callback = { Body: { stkCallback: { CallbackMetadata: { Item: [{ Name: 'Amount', Value: 1500 }, { Name: 'PhoneNumber', Value: 254712345678 }] } } }, FirstName: 'ANN', MSISDN: '2547*****678', BillRefNumber: 'acc-7' };
    expect(scrub.json(callback)).toEqual({ Body: { stkCallback: { CallbackMetadata: { Item: [{ Name: 'Amount', Value: 1500 }, { Name: 'PhoneNumber', Value: ERASED }] } } }, FirstName: ERASED, MSISDN: ERASED, BillRefNumber: 'acc-7' });
  });

  it('searches other rows by the values only this customer has, not by a name others may share', () => {
    expect(scrub.identifiers).toContain('+254712345678');
    expect(scrub.identifiers).toContain('ann@example.org');
    expect(scrub.identifiers).not.toContain('Ann');
  });
});
