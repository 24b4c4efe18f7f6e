import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pdfImages, pdfText, poppler } from '../../../tests/support/pdf-tools.js';
import { renderPdf } from './pdf.js';
import { sampleCreditNote, sampleInvoice, sampleInvoiceWithLines, sampleReceipt, tinyJpeg, tinyPng } from './samples.js';

// The PDFs are read back with poppler (tests/support/pdf-tools.ts): what it extracts is what a
// person copying or searching the document gets.

/** The text of every page, with the no-break spaces Intl puts in amounts read as spaces. */
function textOf(pdf: Buffer): string {
  return pdfText(pdf).replaceAll('\u00a0', ' ');
}

/** Each word pdftotext finds, with its left edge on the page. */
function wordsOf(pdf: Buffer): Array<{ x: number; text: string }> {
  const xml = poppler('pdftotext', pdf, '-bbox', '-enc', 'UTF-8');
  return [...xml.matchAll(/<word xMin="([\d.]+)"[^>]*>([^<]*)<\/word>/g)].map((m) => ({ x: Number(m[1]), text: (m[2] ?? '').replace(/\p{Bidi_Control}/gu, '') }));
}

/** Where a word starts; -bbox lists an Arabic word's letters as they stand, right to left. */
function xOf(pdf: Buffer, word: string): number {
  const found = wordsOf(pdf).find((w) => w.text === word || [...w.text].reverse().join('') === word);
  if (!found) throw new Error(`"${word}" is not a word in the PDF`);
  return found.x;
}

/** What the PDF's ToUnicode maps say each drawn glyph stands for, one entry per glyph. */
function glyphTexts(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const texts: string[] = [];
  for (const match of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(match[1] ?? '', 'latin1')).toString('latin1');
    } catch {
      continue;
    }
    const ranges = /beginbfrange\n([\s\S]*?)\nendbfrange/.exec(content);
    for (const entry of ranges?.[1]?.matchAll(/\[([^\]]*)\]/g) ?? []) {
      for (const hex of entry[1]?.matchAll(/<([0-9a-f ]+)>/g) ?? []) {
        texts.push(String.fromCharCode(...(hex[1] ?? '').split(' ').map((unit) => Number.parseInt(unit, 16))));
      }
    }
  }
  return texts;
}

const arabicInvoice = () => sampleInvoice({ language: 'ar' });

describe('PDF documents', () => {
  it('renders an invoice as a PDF holding its number, customer and total', async () => {
    const pdf = await renderPdf(sampleInvoice());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = textOf(pdf);
    expect(text).toContain('Invoice');
    expect(text).toContain('INV-2026-000123');
    expect(text).toContain('Wanjiku Kamau');
    expect(text).toContain('Home Fibre 10 Mbps, March 2026');
    expect(text).toContain('VAT (16%)');
    expect(text).toContain('KES 1,334.00');
    expect(text).toContain('1 Apr 2026');
    expect(text).toContain('INV-2026-000123 · Page 1 of 1');
  });

  it('keeps a five-line invoice with a logo under 100 KB, fonts included', async () => {
    const pdf = await renderPdf(sampleInvoiceWithLines(5, { operator: { ...sampleInvoice().operator, logo: tinyPng } }));
    expect(pdf.length).toBeLessThan(100 * 1024);
    expect(textOf(pdf)).toContain('KES 5,800.00');
  });

  it('draws the logo as an image at the top of the page, PNG or JPEG', async () => {
    for (const logo of [tinyPng, tinyJpeg]) {
      const pdf = await renderPdf(sampleInvoice({ operator: { ...sampleInvoice().operator, logo } }));
      expect(pdf.toString('latin1')).toMatch(/\/Type \/XObject\s+\/Subtype \/Image/);
      // A PNG with alpha adds an 'smask' row.
      const images = pdfImages(pdf).filter((image) => image.type === 'image');
      expect(images).toHaveLength(1);
      expect(images[0]?.encoding).toBe(logo === tinyJpeg ? 'jpeg' : 'image');
    }
    const none = await renderPdf(sampleInvoice({ operator: { ...sampleInvoice().operator, logo: Buffer.from('GIF89a not a logo') } }));
    expect(none.toString('latin1')).not.toContain('/Subtype /Image');
  });

  it('leaves out a damaged logo rather than failing the document or stopping the process', async () => {
    // tinyPng has transparency, which pdfkit decodes in a callback; scramble its pixel data.
    const damaged = Buffer.from(tinyPng);
    for (let i = 43; i < 52; i++) damaged[i] = 0xff;
    const pdf = await renderPdf(sampleInvoice({ operator: { ...sampleInvoice().operator, logo: damaged } }));
    expect(pdf.toString('latin1')).not.toContain('/Subtype /Image');
    expect(textOf(pdf)).toContain('Kilimani Net Ltd');
  });

  it('gives the same bytes for the same document, so a re-sent invoice is the same file', async () => {
    const [first, second] = await Promise.all([renderPdf(arabicInvoice()), renderPdf(arabicInvoice())]);
    expect(first.equals(second)).toBe(true);
  });

  it('prints Ugandan shillings without decimals', async () => {
    const pdf = await renderPdf(
      sampleInvoice({
        currency: 'UGX',
        lines: [{ description: 'Hotspot 30 days', quantity: 1, unitPriceMinor: 100_000, discountMinor: 0, netMinor: 100_000, taxMinor: 18_000, grossMinor: 118_000 }],
        taxes: [{ name: 'VAT', rateBasisPoints: 1800, amountMinor: 18_000 }],
        totals: { netMinor: 100_000, taxMinor: 18_000, grossMinor: 118_000, paidMinor: 0, dueMinor: 118_000 },
      }),
    );
    expect(textOf(pdf)).toContain('UGX 118,000');
    expect(textOf(pdf)).not.toMatch(/UGX [\d,]+\.\d/);
  });

  it('shows the corrected invoice on a credit note and the M-Pesa code on a receipt', async () => {
    const credit = textOf(await renderPdf(sampleCreditNote()));
    expect(credit).toContain('Credit note');
    expect(credit).toContain('Corrects invoice');
    expect(credit).toContain('INV-2026-000123');
    const receipt = textOf(await renderPdf(sampleReceipt()));
    expect(receipt).toContain('Receipt');
    expect(receipt).toContain('M-Pesa');
    expect(receipt).toContain('SCK4XYZ12A');
  });

  it('embeds a font for an Arabic invoice, and its Arabic labels come back in reading order with the invoice number intact', async () => {
    const pdf = await renderPdf(arabicInvoice());
    const fonts = poppler('pdffonts', pdf);
    expect(fonts).toMatch(/\+DejaVuSans\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fonts).toMatch(/\+DejaVuSans-Bold\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fonts).not.toMatch(/Helvetica/);
    const text = textOf(pdf);
    for (const label of ['فاتورة', 'الرقم', 'تاريخ الإصدار', 'تاريخ الاستحقاق', 'فاتورة إلى', 'رقم الحساب', 'البيان', 'سعر الوحدة', 'المبلغ الإجمالي', 'المبلغ المدفوع', 'الرصيد المستحق']) {
      expect(text).toContain(label);
    }
    expect(text).toContain('INV-2026-000123');
    expect(text).toContain('+254 712 345 678');
    expect(text).toContain('1,334.00');
    // The footer reads صفحة 1 من 1; pdftotext's guess at digits between Arabic words moves spaces.
    expect(text).toMatch(/صفحة\s+1\s*من\s+1/);
  });

  it('joins Arabic letters: one letter takes several shapes, and lam with alef becomes one glyph', async () => {
    const glyphs = glyphTexts(await renderPdf(arabicInvoice()));
    // Meem starts مارس, sits inside المبلغ and ends تم: three glyphs, not the one of a lone letter.
    expect(glyphs.filter((g) => g === 'م').length).toBeGreaterThanOrEqual(3);
    // The lam-alef of الإصدار, its letters listed in the order extractors need (see pdf-text.ts).
    expect(glyphs).toContain('إل');
  });

  it('mirrors the page for Arabic: description and operator at the right, amounts and title at the left', async () => {
    const en = await renderPdf(sampleInvoice());
    const ar = await renderPdf(arabicInvoice());
    expect(xOf(en, 'Description')).toBeLessThan(xOf(en, 'Amount'));
    expect(xOf(en, 'Kilimani')).toBeLessThan(xOf(en, 'Invoice'));
    expect(xOf(ar, 'البيان')).toBeGreaterThan(xOf(ar, 'المبلغ'));
    expect(xOf(ar, 'Kilimani')).toBeGreaterThan(xOf(ar, 'فاتورة'));
    expect(ar.toString('latin1')).toContain('/Lang (ar)');
  });

  it('writes South Sudanese names such as Ŋaŋ Dɛŋ Kɔl with their own letters, in English and Arabic documents', async () => {
    for (const language of ['en', 'ar'] as const) {
      const customer = { ...sampleInvoice().customer, name: 'Ŋaŋ Dɛŋ Kɔl' };
      expect(textOf(await renderPdf(sampleInvoice({ language, customer })))).toContain('Ŋaŋ Dɛŋ Kɔl');
    }
    const customer = { ...sampleInvoice().customer, name: 'Garaŋ Ɣɔl,\tŁukasz Müller, Jose\u0301' };
    expect(textOf(await renderPdf(sampleInvoice({ customer })))).toContain('Garaŋ Ɣɔl, Łukasz Müller, José');
  });

  it('wraps a long description inside its column instead of running over the amounts', async () => {
    const description = 'Dedicated fibre 100 Mbps with static IP, managed router, 24/7 support and on-site visits';
    const pdf = await renderPdf(sampleInvoice({ lines: [{ ...sampleInvoice().lines[0]!, description }] }));
    const unitPriceX = xOf(pdf, 'Unit');
    const lines = textOf(pdf).split('\n');
    expect(lines.filter((line) => line.startsWith('Dedicated fibre')).length + lines.filter((line) => line.includes('on-site visits')).length).toBe(2);
    expect(wordsOf(pdf).filter((w) => description.split(' ').includes(w.text)).every((w) => w.x < unitPriceX)).toBe(true);
  });

  it('continues a long invoice on further pages, repeating the column headings and numbering the pages', async () => {
    const pdf = await renderPdf(sampleInvoiceWithLines(60));
    const text = textOf(pdf);
    const pages = text.match(/INV-2026-000123 · Page \d+ of \d+/g) ?? [];
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]).toBe(`INV-2026-000123 · Page 1 of ${pages.length}`);
    expect(text.match(/\bDescription\b/g)).toHaveLength(pages.length);
    expect(text).toContain('Home Fibre 10 Mbps, month 60');
    expect(text).toContain('KES 69,600.00');
  });
});
