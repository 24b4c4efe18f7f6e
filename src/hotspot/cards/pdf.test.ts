import { describe, expect, it } from 'vitest';
import { pdfImages, pdfText, poppler } from '../../../tests/support/pdf-tools.js';
import { t } from '../../i18n/index.js';
import { cardsPdfStream, renderCardsPdf } from './pdf.js';
import { sampleArabicSheet, sampleCards, sampleSheet } from './samples.js';

// Read back with poppler (tests/support/pdf-tools.ts), as billing's PDF tests do: what it
// extracts is what a person searching or copying the sheet gets.

function pageCount(pdf: Buffer): number {
  return Number(/^Pages:\s+(\d+)$/m.exec(poppler('pdfinfo', pdf))?.[1]);
}

describe('PDF voucher cards', () => {
  it('prints 24 cards a page, ceil(cards / 24) pages, each code on its own page', async () => {
    const sheet = sampleSheet({}, 50);
    const pdf = await renderCardsPdf(sheet);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pageCount(pdf)).toBe(3);
    for (let page = 1; page <= 3; page++) {
      const text = pdfText(pdf, page);
      sheet.cards.forEach((card, i) => {
        const onThisPage = Math.floor(i / 24) + 1 === page;
        expect(text.includes(card.code), `${card.code} on page ${page}`).toBe(onThisPage);
        expect(text.includes(card.serial), `${card.serial} on page ${page}`).toBe(onThisPage);
      });
      expect(text).toContain(`Page ${page} of 3`);
    }
  });

  it('shows the plan, price, validity, expiry, password and operator on the cards', async () => {
    const sheet = sampleSheet({ cards: sampleCards(2, { password: 'K4PX92', plan: '1 Week', price: 'KES 300', validity: '7 days', expiresAt: '30 Jun 2027' }) });
    const text = pdfText(await renderCardsPdf(sheet));
    for (const expected of ['Juba Fast Net', 'Help line +211 912 345 678', 'KES 300', '1 Week', 'Voucher code', 'Password', 'K4PX92', 'Valid for', '7 days', 'Use before', '30 Jun 2027', 'Scan to log in', 'Connect to JubaFastNet-WiFi', 'Serial B7-00002', 'Voucher batch B-2026-007']) {
      expect(text).toContain(expected);
    }
  });

  it('extracts the Arabic labels, plan and dates intact, with codes and phone numbers in their own order', async () => {
    const sheet = sampleArabicSheet(3);
    const text = pdfText(await renderCardsPdf(sheet));
    for (const key of ['cards.code', 'cards.validFor', 'cards.useBefore', 'cards.scanToLogIn', 'cards.serial', 'cards.connectTo', 'cards.helpLine', 'cards.title', 'cards.batch'] as const) {
      expect(text).toContain(t(key, {}, 'ar'));
    }
    expect(text).toContain('شبكة جوبا السريعة');
    expect(text).toContain('يوم كامل بلا حدود');
    expect(text).toContain('+211 912 345 678');
    // pdftotext guesses the spaces between digits and Arabic words (see billing's PDF tests).
    expect(text).toMatch(/24\s*ساعة/);
    expect(text).toMatch(/صفحة\s+1\s*من\s+1/);
    for (const card of sheet.cards) expect(text).toContain(card.code);
  });

  it('embeds the logo once as an image XObject that every card draws', async () => {
    const images = pdfImages(await renderCardsPdf(sampleSheet({}, 30)));
    const logos = images.filter((image) => image.type === 'image');
    expect(logos).toHaveLength(30);
    expect(logos.every((image) => image.width === 90 && image.height === 30)).toBe(true);
    expect(new Set(logos.map((image) => image.object)).size).toBe(1);
    expect(logos.filter((image) => image.page === 2)).toHaveLength(6);
  });

  it('draws QR codes as vector squares, not images', async () => {
    const pdf = await renderCardsPdf(sampleSheet({ operator: { name: 'Juba Fast Net', phone: null, logo: null } }, 24));
    expect(pdfImages(pdf)).toEqual([]);
    expect(pdfText(pdf)).toContain('Scan to log in');
  });

  it('leaves off a logo that is not a PNG or JPEG instead of failing the batch', async () => {
    const pdf = await renderCardsPdf(sampleSheet({ operator: { name: 'Juba Fast Net', phone: null, logo: Buffer.from('\x89PNG\r\n\x1a\n broken') } }, 2));
    expect(pdfImages(pdf)).toEqual([]);
    expect(pdfText(pdf)).toContain('Juba Fast Net');
  });

  it('gives the same bytes for the same sheet, so a reprint matches the first print', async () => {
    const sheet = sampleSheet({}, 5);
    expect((await renderCardsPdf(sheet)).equals(await renderCardsPdf(sheet))).toBe(true);
  });

  it('streams the pages as it draws them', async () => {
    const chunks: Buffer[] = [];
    const stream = cardsPdfStream(sampleSheet({}, 30));
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(chunks.length).toBeGreaterThan(2);
    expect(pageCount(Buffer.concat(chunks))).toBe(2);
  });
});
