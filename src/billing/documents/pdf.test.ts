import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { renderPdf } from './pdf.js';
import { sampleCreditNote, sampleInvoice, sampleInvoiceWithLines, sampleReceipt, tinyPng } from './samples.js';

interface Placed {
  x: number;
  text: string;
}

/**
 * The text pdfkit drew, with each piece's x position. pdfkit deflates content streams and writes
 * Helvetica text as hex byte strings in TJ arrays, one array per piece, after a Tm that places it.
 */
function placedText(pdf: Buffer): Placed[] {
  const raw = pdf.toString('latin1');
  const placed: Placed[] = [];
  for (const match of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(match[1] ?? '', 'latin1')).toString('latin1');
    } catch {
      continue; // images and other binary streams
    }
    let x = Number.NaN;
    for (const line of content.split('\n')) {
      const tm = /^1 0 0 1 (-?[\d.]+) (-?[\d.]+) Tm$/.exec(line);
      if (tm) x = Number(tm[1]);
      if (line.endsWith('TJ')) {
        const text = [...line.matchAll(/<([0-9a-f]*)>/g)].map((hex) => Buffer.from(hex[1] ?? '', 'hex').toString('latin1')).join('');
        placed.push({ x, text: text.replaceAll('\u00a0', ' ') });
      }
    }
  }
  return placed;
}

function textOf(pdf: Buffer): string[] {
  return placedText(pdf).map((piece) => piece.text);
}

function xOf(pdf: Buffer, text: string): number {
  const piece = placedText(pdf).find((p) => p.text === text);
  if (!piece) throw new Error(`"${text}" is not in the PDF`);
  return piece.x;
}

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

  it('keeps a five-line invoice with a logo under 100 KB', async () => {
    const pdf = await renderPdf(sampleInvoiceWithLines(5, { operator: { ...sampleInvoice().operator, logoPng: tinyPng } }));
    expect(pdf.length).toBeLessThan(100 * 1024);
    expect(pdf.toString('latin1')).toContain('/Subtype /Image');
    expect(textOf(pdf)).toContain('KES 5,800.00');
  });

  it('gives the same bytes for the same document, so a re-sent invoice is the same file', async () => {
    const [first, second] = await Promise.all([renderPdf(sampleInvoice()), renderPdf(sampleInvoice())]);
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
    expect(textOf(pdf).join('\n')).not.toMatch(/UGX [\d,]+\.\d/);
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

  it('mirrors the columns for Arabic: description at the right, amounts at the left', async () => {
    const en = await renderPdf(sampleInvoice());
    const ar = await renderPdf(sampleInvoice({ language: 'ar' }));
    expect(xOf(en, 'Description')).toBeLessThan(xOf(en, 'Amount'));
    expect(xOf(ar, 'Description')).toBeGreaterThan(xOf(ar, 'Amount'));
    expect(xOf(ar, 'Kilimani Net Ltd')).toBeGreaterThan(xOf(ar, 'Invoice'));
    expect(ar.toString('latin1')).toContain('/Lang (ar)');
  });

  it('keeps names outside Helvetica readable instead of garbling the line', async () => {
    const customer = { ...sampleInvoice().customer, name: 'Deng Garaŋ Ɣɔl, Łukasz Müller, Jose\u0301 محمد\tX' };
    const text = textOf(await renderPdf(sampleInvoice({ customer })));
    expect(text).toContain('Deng Garang Gol, Lukasz Müller, José ???? X');
  });

  it('continues a long invoice on further pages, repeating the column headings and numbering the pages', async () => {
    const pdf = await renderPdf(sampleInvoiceWithLines(60));
    const text = textOf(pdf);
    const pages = text.filter((piece) => piece.startsWith('INV-2026-000123 · Page '));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]).toBe(`INV-2026-000123 · Page 1 of ${pages.length}`);
    expect(text.filter((piece) => piece === 'Description')).toHaveLength(pages.length);
    expect(text).toContain('Home Fibre 10 Mbps, month 60');
    expect(text).toContain('KES 69,600.00');
  });
});
