import { describe, expect, it } from 'vitest';
import { t } from '../../i18n/index.js';
import { renderHtml } from './html.js';
import { sampleCreditNote, sampleInvoice, sampleReceipt, tinyJpeg, tinyPng } from './samples.js';

/**
 * Intl puts a no-break space between code and amount, and in Arabic a right-to-left mark
 * before it; compare the text a person reads.
 */
function readable(html: string): string {
  return html.replaceAll('\u00a0', ' ').replaceAll('\u200f', '');
}

describe('HTML documents', () => {
  it('shows an invoice with its number, customer, every line, the taxes and the totals', () => {
    const html = readable(renderHtml(sampleInvoice()));
    expect(html).toContain(`<h1>${t('documents.kind.invoice')}</h1>`);
    expect(html).toContain('<title>Invoice INV-2026-000123</title>');
    expect(html).toContain('<dd>INV-2026-000123</dd>');
    expect(html).toContain('Wanjiku Kamau');
    expect(html).toContain('<dt>Account</dt><dd>wanjiku</dd>');
    expect(html).toContain('<dt>Tax number</dt><dd>P051234567X</dd>');
    expect(html).toContain('>Home Fibre 10 Mbps, March 2026</td>');
    expect(html).toContain('>Static IP address</td>');
    expect(html).toContain('<th scope="row">VAT (16%)</th><td class="num">KES 184.00</td>');
    expect(html).toContain('<th scope="row">Subtotal</th><td class="num">KES 1,150.00</td>');
    expect(html).toContain('<tr class="em"><th scope="row">Total amount</th><td class="num">KES 1,334.00</td></tr>');
    expect(html).toContain('<th scope="row">Balance due</th><td class="num">KES 1,334.00</td>');
    expect(html).toContain('<dt>Status</dt><dd>Issued</dd>');
  });

  it('shows dates in the operator time zone, where the invoice falls due a day later than in UTC', () => {
    const html = renderHtml(sampleInvoice());
    expect(html).toContain('<dt>Due date</dt><dd>1 Apr 2026</dd>');
    expect(html).not.toContain('31 Mar 2026');
    expect(html).toContain('<dt>Issue date</dt><dd>17 Mar 2026</dd>');
  });

  it('prints Ugandan shillings without decimals', () => {
    const html = readable(
      renderHtml(
        sampleInvoice({
          currency: 'UGX',
          lines: [{ description: 'Hotspot 30 days', quantity: 1, unitPriceMinor: 100_000, discountMinor: 0, netMinor: 100_000, taxMinor: 18_000, grossMinor: 118_000 }],
          taxes: [{ name: 'VAT', rateBasisPoints: 1800, amountMinor: 18_000 }],
          totals: { netMinor: 100_000, taxMinor: 18_000, grossMinor: 118_000, paidMinor: 0, dueMinor: 118_000 },
        }),
      ),
    );
    expect(html).toContain('<th scope="row">Total amount</th><td class="num">UGX 118,000</td>');
    expect(html).toContain('VAT (18%)');
    expect(html).not.toMatch(/UGX [\d,]+\.\d/);
  });

  it('leaves out the discount and tax columns when no line has any', () => {
    const html = renderHtml(
      sampleInvoice({
        lines: [{ description: 'Hotspot 1 hour', quantity: 2, unitPriceMinor: 2_000, discountMinor: 0, netMinor: 4_000, taxMinor: 0, grossMinor: 4_000 }],
        taxes: [],
        totals: { netMinor: 4_000, taxMinor: 0, grossMinor: 4_000, paidMinor: 0, dueMinor: 4_000 },
      }),
    );
    expect(html).not.toContain('>Discount</th>');
    expect(html).not.toContain('>Tax amount</th>');
    expect(html).not.toContain('Subtotal');
    expect(html).toContain('data-label="Quantity" class="num">2</td>');
  });

  it('escapes names and text typed by staff, so a customer called <script> cannot run code', () => {
    const html = renderHtml(
      sampleInvoice({
        operator: { ...sampleInvoice().operator, name: 'Mama "Wi-Fi" & Sons', logo: tinyPng },
        customer: { ...sampleInvoice().customer, name: '<script>alert(1)</script>' },
        notes: '<img src=x onerror=alert(1)>',
      }),
    );
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('alt="Mama &quot;Wi-Fi&quot; &amp; Sons"');
    expect(html).not.toMatch(/<script|<img src=x/i);
  });

  it('shows on a credit note the invoice it corrects, and no payment rows', () => {
    const html = renderHtml(sampleCreditNote());
    expect(html).toContain(`<h1>${t('documents.kind.creditNote')}</h1>`);
    expect(html).toContain('<dd>CN-2026-000004</dd>');
    expect(html).toContain('<dt>Corrects invoice</dt><dd>INV-2026-000123</dd>');
    expect(html).toContain('<h2>Credit to</h2>');
    expect(html).not.toContain('Amount paid');
    expect(html).not.toContain('Due date');
  });

  it('shows on a receipt the payment method, the payment reference and the time paid', () => {
    const html = readable(renderHtml(sampleReceipt()));
    expect(html).toContain(`<h1>${t('documents.kind.receipt')}</h1>`);
    expect(html).toContain('<dt>Payment method</dt><dd>M-Pesa</dd>');
    expect(html).toContain('<dt>Payment reference</dt><dd>SCK4XYZ12A</dd>');
    expect(html).toContain('<dt>Issue date</dt><dd>17 Mar 2026, 10:00</dd>');
    expect(html).toContain('<th scope="row">Amount paid</th><td class="num">KES 1,334.00</td>');
    expect(html).not.toContain('Balance due');
    expect(html).toContain(t('documents.thanksForPayment'));
  });

  it('marks a voided document so nobody pays it by mistake', () => {
    expect(renderHtml(sampleInvoice({ status: 'void' }))).toContain('<dt>Status</dt><dd class="alert">Voided</dd>');
    expect(renderHtml(sampleInvoice({ status: 'awaiting_mpesa' }))).toContain('<dd>awaiting mpesa</dd>');
    expect(renderHtml(sampleInvoice({ status: 'constructor' }))).toContain('<dd>constructor</dd>');
  });

  it('lays Arabic documents out right to left and English ones left to right', () => {
    expect(renderHtml(sampleInvoice({ language: 'ar' }))).toContain('<html lang="ar" dir="rtl">');
    expect(renderHtml(sampleInvoice())).toContain('<html lang="en" dir="ltr">');
  });

  it('words an Arabic invoice in Arabic, with Arabic month names and Latin digits in amounts and dates', () => {
    const html = readable(renderHtml(sampleInvoice({ language: 'ar' })));
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('<title>فاتورة INV-2026-000123</title>');
    expect(html).toContain('<h1>فاتورة</h1>');
    expect(html).toContain('<dt>تاريخ الإصدار</dt><dd>17 مارس 2026</dd>');
    expect(html).toContain('<dt>تاريخ الاستحقاق</dt><dd>1 أبريل 2026</dd>');
    expect(html).toContain('<dt>الحالة</dt><dd>تم الإصدار</dd>');
    expect(html).toContain('<h2>فاتورة إلى</h2>');
    expect(html).toContain('>البيان</th>');
    expect(html).toContain('<tr class="em"><th scope="row">المبلغ الإجمالي</th><td class="num">1,334.00 KES</td></tr>');
    expect(html).toContain('<th scope="row">الرصيد المستحق</th>');
    expect(html).not.toMatch(/[\u0660-\u0669]/);
    // Staff-typed text stays as typed, in the direction of its first letter.
    expect(html).toContain('><bdi>Home Fibre 10 Mbps, March 2026</bdi></td>');
  });

  it('keeps phone numbers and codes left to right inside an Arabic page, without invisible characters to copy', () => {
    const ar = renderHtml(sampleInvoice({ language: 'ar' }));
    expect(ar).toContain('<dt>الرقم</dt><dd><bdi dir="ltr">INV-2026-000123</bdi></dd>');
    expect(ar).toContain('<p class="pre"><bdi dir="ltr">+254 712 345 678</bdi></p>');
    expect(ar).toContain('<dt>رقم الحساب</dt><dd><bdi dir="ltr">wanjiku</bdi></dd>');
    expect(ar).not.toMatch(/[\u2066-\u2069]/);
    expect(renderHtml(sampleInvoice())).not.toContain('<bdi');
  });

  it('lets an English note in an Arabic page read left to right, with its full stop at its end', () => {
    const html = renderHtml(sampleInvoice({ language: 'ar', notes: 'Static IP was not assigned in March.' }));
    expect(html).toContain('<p class="pre"><bdi>Static IP was not assigned in March.</bdi></p>');
  });

  it('shows the logo above the operator name as a PNG or JPEG data URL, and leaves out anything else', () => {
    const png = renderHtml(sampleInvoice({ operator: { ...sampleInvoice().operator, logo: tinyPng } }));
    expect(png).toContain(`<div class="from"><img class="logo" alt="Kilimani Net Ltd" src="data:image/png;base64,${tinyPng.toString('base64')}">\n<p class="name">Kilimani Net Ltd</p>`);
    const jpeg = renderHtml(sampleInvoice({ language: 'ar', operator: { ...sampleInvoice().operator, logo: tinyJpeg } }));
    expect(jpeg).toContain(`src="data:image/jpeg;base64,${tinyJpeg.toString('base64')}"`);
    const gif = renderHtml(sampleInvoice({ operator: { ...sampleInvoice().operator, logo: Buffer.from('GIF89a not a png') } }));
    expect(gif).not.toContain('<img');
  });

  it('is one small standalone page without scripts or anything fetched from elsewhere', () => {
    const html = renderHtml(sampleInvoice());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:/i);
    expect(html).toContain('@page{size:A4');
    expect(html).toContain('name="viewport"');
    expect(Buffer.byteLength(html)).toBeLessThan(8 * 1024);
  });
});
