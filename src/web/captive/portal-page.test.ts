import { describe, expect, it } from 'vitest';
import { defaultHotspotDir, LOGO_MAX_BYTES, loadHotspotFiles } from './assets.js';
import { renderPortalPage, type PortalPageInput } from './portal-page.js';
import { readRouterVisit } from './router-visit.js';

const CHALLENGE = '0123456789abcdef0123456789abcdef';
const chapVisit = readRouterVisit({ 'link-login-only': 'http://10.5.50.1/login', 'link-orig': 'http://example.com/', 'chap-id': '2a', 'chap-challenge': CHALLENGE });
const page = (overrides: Partial<PortalPageInput> = {}) =>
  renderPortalPage({
    language: 'en',
    operatorName: 'Juba Net',
    colour: null,
    logoUrl: '/hotspot/assets/logo.0123456789ab.png',
    scriptUrl: '/hotspot/assets/portal.0123456789ab.js',
    otherLanguageUrl: '/hotspot?lang=ar',
    visit: chapVisit,
    voucherPassword: 'code',
    ...overrides,
  }).html;

describe('the portal page', () => {
  it('fits the 60 KB budget with its script and the largest logo allowed, in its heaviest form', () => {
    const heaviest = page({
      language: 'ar',
      operatorName: 'ش'.repeat(120),
      visit: { ...chapVisit, error: 'x'.repeat(300), username: 'u'.repeat(128), dst: `http://example.com/${'p'.repeat(1000)}` },
      packages: Array.from({ length: 12 }, (_, i) => ({ planId: 1000 + i, name: `Package ${i} with a long name`, price: 'SSP 10,000', description: 'Unlimited data for a whole day', provider: 'momo' })),
      buyUrl: '/hotspot/buy',
    });
    const script = loadHotspotFiles(defaultHotspotDir()).script.body.length;
    const total = Buffer.byteLength(heaviest) + script + LOGO_MAX_BYTES;
    expect(total).toBeLessThanOrEqual(60 * 1024);
  });

  it('serves a script that still parses once its comments and indentation are gone', () => {
    const script = loadHotspotFiles(defaultHotspotDir()).script.body.toString('utf8');
    expect(() => new Function(script)).not.toThrow();
    expect(script).not.toContain('Lango never sees the password');
    expect(script).toContain('@license MIT');
  });

  it('hands the script the router context and never names the inputs for HTTP-CHAP', () => {
    const html = page();
    expect(html).toContain('data-login="http://10.5.50.1/login"');
    expect(html).toContain('data-chap-id="2a"');
    expect(html).toContain(`data-chap-challenge="${CHALLENGE}"`);
    expect(html).toContain('data-voucher-password="code"');
    // Without JavaScript nothing typed can be submitted anywhere.
    expect(html).not.toMatch(/<form[^>]*action=/);
    expect(html).not.toMatch(/<input[^>]*name=/);
  });

  it('lets the forms post straight to an https login link for PAP', () => {
    const html = page({ visit: readRouterVisit({ 'link-login-only': 'https://10.5.50.1/login', 'link-orig': 'http://example.com/' }), voucherPassword: 'blank' });
    expect(html).toContain('<form id="account" method="post" action="https://10.5.50.1/login">');
    expect(html).toContain('<input id="password" name="password" type="password"');
    expect(html).toContain('<input type="hidden" name="password" value="">');
    expect(html).not.toContain('data-chap-id');
  });

  it('shows no forms when it cannot log in safely, and says why', () => {
    const html = page({ visit: readRouterVisit({ 'link-login-only': 'http://10.5.50.1/login' }) });
    expect(html).not.toContain('<form');
    expect(html).not.toContain('<script');
    expect(html).toContain('This hotspot would send your password unprotected');
  });

  it('escapes everything that came from the URL', () => {
    const html = page({ operatorName: '<b>Net</b>', visit: { ...chapVisit, error: '<script>alert(1)</script>', username: '"><img src=x>' } });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('"><img');
    expect(html).toContain('&#60;b&#62;Net&#60;/b&#62;');
  });

  it("uses the operator's colour, with text that stays readable", () => {
    expect(page({ colour: '#FFD700' })).toContain('background:#ffd700;color:#1b1b1b');
    expect(page({ colour: '#1a237e' })).toContain('background:#1a237e;color:#ffffff');
    expect(page({ colour: 'red;}body{display:none' })).toContain('background:#0b6e4f');
  });

  it('is right to left in Arabic and lists packages when the hook gives them', () => {
    const html = page({ language: 'ar', packages: [{ planId: 7, name: 'يوم كامل', price: 'SSP 500', provider: 'momo' }], buyUrl: '/hotspot/buy' });
    expect(html).toMatch(/^<!doctype html><html lang="ar" dir="rtl">/);
    expect(html).toMatch(/<section id="buy" hidden data-buy="\/hotspot\/buy"[^>]*><h2>اشترِ باقة<\/h2>/);
    expect(html).toContain('<details data-plan="7" data-pay="ادفع SSP 500" open>');
    expect(html).toContain('<label for="phone">رقم هاتفك في محفظة الهاتف</label>');
  });

  it('offers each package with the phone field and a Pay button, in M-Pesa words where M-Pesa prompts', () => {
    const packages = [
      { planId: 3, name: '1 Hour', price: 'KES 20.00', description: '1 hour', provider: 'mpesa' },
      { planId: 4, name: '1 Day', price: 'KES 50.00', description: '1 day', provider: 'mpesa' },
    ];
    const html = page({ packages, buyUrl: '/hotspot/buy' });
    expect(html).toContain('<details data-plan="3" data-pay="Pay KES 20.00"><summary><span><bdi>1 Hour</bdi><br><small><bdi>1 hour</bdi></small></span><b><bdi>KES 20.00</bdi></b></summary>');
    expect(html).toContain('<details data-plan="4" data-pay="Pay KES 50.00">');
    expect(html).toContain('<form id="pay-form"><label for="phone">Your M-Pesa phone number</label><input id="phone" type="tel"');
    expect(html).toContain('data-t-gave-up="We have not heard back about your payment yet.');
    // Hidden without JavaScript, and the form itself never submits the number anywhere.
    expect(html).not.toMatch(/<input id="phone"[^>]*name=/);
    expect(html).not.toMatch(/<form id="pay-form"[^>]*action=/);
    // Neutral words as soon as one package is paid some other way.
    expect(page({ packages: [...packages, { planId: 5, name: 'Week', price: 'UGX 9,000', provider: 'momo' }], buyUrl: '/hotspot/buy' })).toContain('<label for="phone">Your mobile money phone number</label>');
  });

  it('sells nothing on a page that cannot log in afterwards', () => {
    const html = page({ visit: readRouterVisit({}), packages: [{ planId: 3, name: '1 Hour', price: 'KES 20.00', provider: 'mpesa' }], buyUrl: '/hotspot/buy' });
    expect(html).not.toContain('id="buy"');
  });
});
