import { describe, expect, it } from 'vitest';
import { cardsCsv } from './csv.js';
import { sampleCards } from './samples.js';

describe('voucher CSV', () => {
  it('writes a header row and one CRLF-ended row per card, empty where a card has no value', () => {
    const [card] = sampleCards(1);
    const csv = cardsCsv([card!, { ...card!, code: 'QQQQ', password: 'p4ss', expiresAt: null, loginUrl: null, serial: 'B7-00002' }]);
    expect(csv).toBe(
      'code,password,plan,price,validity,expires_at,login_url,serial\r\n' +
        `${card!.code},,1 Day Unlimited,KES 50,24 hours,31 Dec 2026,http://hotspot.example/login?dst=&username=${card!.code},B7-00001\r\n` +
        'QQQQ,p4ss,1 Day Unlimited,KES 50,24 hours,,,B7-00002\r\n',
    );
  });

  it('quotes fields holding a comma, a quote or a line break, doubling the quotes inside', () => {
    const [card] = sampleCards(1, { plan: 'Day, night', price: 'KES 1,000', validity: '7 "full" days', expiresAt: 'line one\nline two', serial: 'a\r\nb' });
    const csv = cardsCsv([card!]);
    expect(csv).toContain(',"Day, night","KES 1,000","7 ""full"" days","line one\nline two",');
    expect(csv.endsWith(',"a\r\nb"\r\n')).toBe(true);
  });

  it('turns cells a spreadsheet would run as a formula into text with a leading apostrophe', () => {
    const cards = sampleCards(1, { plan: '=HYPERLINK("http://evil.example","Click")', price: '+254700000000', validity: '-1+1', expiresAt: '@SUM(A1)', serial: '\t=1' });
    const row = cardsCsv(cards).split('\r\n')[1];
    expect(row).toContain(`,"'=HYPERLINK(""http://evil.example"",""Click"")",'+254700000000,'-1+1,'@SUM(A1),`);
    expect(row?.endsWith(",'\t=1")).toBe(true);
    // Only the first character counts: a code with a dash inside is left alone.
    expect(cardsCsv(sampleCards(1, { code: 'AB-12=3' })).split('\r\n')[1]?.startsWith('AB-12=3,')).toBe(true);
  });

  it('writes only the header for an empty batch', () => {
    expect(cardsCsv([])).toBe('code,password,plan,price,validity,expires_at,login_url,serial\r\n');
  });
});
