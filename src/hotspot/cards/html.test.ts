import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { t } from '../../i18n/index.js';
import { cardsHtmlChunks, renderCardsHtml } from './html.js';
import { sampleArabicSheet, sampleCards, sampleLogo, sampleSheet } from './samples.js';

/** The cards of each sheet, as markup. */
function sheetsOf(html: string): string[][] {
  return html
    .split('<section class="sheet">')
    .slice(1)
    .map((sheet) => sheet.split('<article class="card">').slice(1));
}

/**
 * Rebuilds the module matrix from a card's SVG the way a renderer would paint it: each
 * subpath is a horizontal stroke one module thick along a row's middle ("M x y.5 h n", then
 * "m dx 0 h n"), darkening the n modules it crosses.
 */
function matrixOfSvg(svg: string): boolean[][] {
  const box = /viewBox="(-?\d+) (-?\d+) (\d+) (\d+)"/.exec(svg);
  const d = /<path stroke="#000" d="([^"]*)"\/>/.exec(svg)?.[1];
  if (!box || d === undefined) throw new Error(`not a QR code SVG: ${svg.slice(0, 80)}`);
  const quiet = -Number(box[1]);
  const size = Number(box[3]) - 2 * quiet;
  const matrix = Array.from({ length: size }, () => Array.from({ length: size }, () => false));
  let x = 0;
  let y = 0;
  for (const [, command, a, b] of d.matchAll(/([MmHh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    const first = Number(a);
    const second = Number(b ?? 0);
    if (command === 'M') [x, y] = [first, second];
    else if (command === 'm') [x, y] = [x + first, y + second];
    else {
      const end = command === 'h' ? x + first : first;
      const row = matrix[Math.floor(y)];
      if (!row) throw new Error(`stroke outside the symbol at y=${y}`);
      for (let column = Math.min(x, end); column < Math.max(x, end); column++) row[column] = true;
      x = end;
    }
  }
  return matrix;
}

function matrixOfQrcode(text: string): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return Array.from({ length: modules.size }, (_, row) => Array.from({ length: modules.size }, (_, column) => modules.get(row, column) === 1));
}

describe('HTML voucher cards', () => {
  it('puts 24 cards on each A4 sheet, with a page break after every sheet but the last', () => {
    const html = renderCardsHtml(sampleSheet({}, 50));
    expect(sheetsOf(html).map((cards) => cards.length)).toEqual([24, 24, 2]);
    expect(html).toContain('@page{size:A4;margin:0}');
    expect(html).toMatch(/\.sheet\{[^}]*width:210mm;height:297mm;[^}]*break-after:page/);
    expect(html).toContain('.sheet:last-child{break-after:auto}');
    expect(html).toContain('grid-template-columns:repeat(3,');
    expect(html).toContain('Page 3 of 3');
  });

  it('shows on each card its code, plan, price, validity, expiry and serial, and the operator and network', () => {
    const sheet = sampleSheet({}, 30);
    sheet.cards[7] = { ...sheet.cards[7]!, plan: '1 Week', price: 'KES 300', validity: '7 days', expiresAt: '30 Jun 2027' };
    sheetsOf(renderCardsHtml(sheet))
      .flat()
      .forEach((card, i) => {
        const voucher = sheet.cards[i]!;
        expect(card).toContain(`<p class="code line">${voucher.code}</p>`);
        expect(card).toContain(`<p class="plan line">${voucher.plan}</p>`);
        expect(card).toContain(`<p class="price line">${voucher.price}</p>`);
        expect(card).toContain(`<dt>Valid for</dt><dd class="line">${voucher.validity}</dd>`);
        expect(card).toContain(`<dt>Use before</dt><dd class="line">${voucher.expiresAt}</dd>`);
        expect(card).toContain(`Serial ${voucher.serial}`);
        expect(card).toContain('<p class="operator line">Juba Fast Net</p>');
        expect(card).toContain('Help line +211 912 345 678');
        expect(card).toContain('Connect to JubaFastNet-WiFi');
        expect(card).toContain('<use href="#logo"/>');
      });
  });

  it('shows the password only on cards that have one', () => {
    const sheet = sampleSheet({ cards: [...sampleCards(1, { password: 'K4PX92' }), ...sampleCards(1)] });
    const [withPassword, without] = sheetsOf(renderCardsHtml(sheet))[0]!;
    expect(withPassword).toContain('<dt>Password</dt><dd class="line typed">K4PX92</dd>');
    expect(without).not.toContain('Password');
  });

  it('draws QR codes whose modules are exactly the login URL’s, code filled in', () => {
    const sheet = sampleSheet({}, 30);
    const cards = sheetsOf(renderCardsHtml(sheet)).flat();
    expect(cards).toHaveLength(30);
    cards.forEach((card, i) => {
      const svg = /<svg viewBox[^]*?<\/svg>/.exec(card)?.[0] ?? '';
      const url = sheet.cards[i]!.loginUrl!;
      expect(url).toContain(`username=${sheet.cards[i]!.code}`);
      expect(matrixOfSvg(svg)).toEqual(matrixOfQrcode(url));
    });
  });

  it('leaves the QR code and its caption off a card without a login URL, and gives its text the width', () => {
    const html = renderCardsHtml(sampleSheet({ cards: sampleCards(2, { loginUrl: null }) }));
    expect(html).not.toContain('<svg viewBox');
    expect(html).not.toContain('Scan to log in');
    expect(html).toContain('<div class="text" style="width:60.333mm">');
  });

  it('makes a long code smaller so it stays on one line', () => {
    const html = renderCardsHtml(sampleSheet({ cards: sampleCards(1, { code: 'ABCDEFGHJKMNPQRSTUVW' }) }));
    expect(html).toMatch(/<p class="code line" style="font-size:(\d+(\.5)?)pt">ABCDEFGHJKMNPQRSTUVW<\/p>/);
    const size = Number(/font-size:([\d.]+)pt">ABCDEFGH/.exec(html)?.[1]);
    expect(size).toBeLessThan(14);
    // 20 characters of a monospaced face (0.602 em each) within the 40.3 mm beside the QR code.
    expect(20 * 0.602 * size * (25.4 / 72)).toBeLessThanOrEqual(40.34);
  });

  it('lays Arabic sheets out right to left, in Arabic, with codes and numbers kept left to right', () => {
    const html = renderCardsHtml(sampleArabicSheet(3));
    expect(html).toContain('<html lang="ar" dir="rtl">');
    for (const key of ['cards.code', 'cards.validFor', 'cards.useBefore', 'cards.scanToLogIn', 'cards.serial', 'cards.connectTo', 'cards.helpLine'] as const) {
      expect(html).toContain(t(key, {}, 'ar'));
    }
    expect(html).toContain('<p class="plan line"><bdi>يوم كامل بلا حدود</bdi></p>');
    const code = sampleArabicSheet(3).cards[0]!.code;
    expect(html).toContain(`<p class="code line"><bdi dir="ltr">${code}</bdi></p>`);
    expect(html).toContain('<bdi dir="ltr">+211 912 345 678</bdi>');
    expect(html).toContain('صفحة 1 من 1');
  });

  it('escapes markup typed into names, plans and networks', () => {
    const sheet = sampleSheet({
      operator: { name: 'Net <script>alert(1)</script>', phone: null, logo: null },
      ssid: '"><img src=x onerror=alert(1)>',
      cards: sampleCards(1, { plan: '<b>Day</b> & night' }),
    });
    const html = renderCardsHtml(sheet);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('Net &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;Day&lt;/b&gt; &amp; night');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('embeds the logo once for the whole batch, each card pointing at it', () => {
    const logo = sampleLogo();
    const html = renderCardsHtml(sampleSheet({}, 48));
    expect(html.split(logo.toString('base64')).length - 1).toBe(1);
    expect(html.split('<use href="#logo"/>').length - 1).toBe(48);
    // 90 × 30 pixels into a 14 × 5 mm box: 5 mm high, 15 would be too wide, so 14 × 4.667.
    expect(html).toContain('<svg class="logo" width="14mm" height="4.667mm"');
  });

  it('leaves off a logo that is not a PNG or JPEG instead of failing the batch', () => {
    const html = renderCardsHtml(sampleSheet({ operator: { name: 'Juba Fast Net', phone: null, logo: Buffer.from('GIF89a not really') } }));
    expect(html).not.toContain('#logo');
    expect(html).not.toContain('data:image');
    expect(html).toContain('Juba Fast Net');
  });

  it('needs nothing from the network: no scripts, no external stylesheets, images or fonts', () => {
    const html = renderCardsHtml(sampleSheet({}, 24));
    expect(html).not.toMatch(/<script|<link|@import|url\(|(src|href)="(https?:)?\/\//);
  });

  it('streams the same page in pieces, one per A4 sheet', () => {
    const sheet = sampleSheet({}, 49);
    const chunks = [...cardsHtmlChunks(sheet)];
    expect(chunks).toHaveLength(1 + 3 + 1);
    expect(chunks.join('')).toBe(renderCardsHtml(sheet));
  });
});
