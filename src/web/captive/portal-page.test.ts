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
      packages: Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, name: `Package ${i} with a long name`, price: 'SSP 10,000', description: 'Unlimited data for a whole day' })),
    });
    const script = loadHotspotFiles(defaultHotspotDir()).script.body.length;
    const total = Buffer.byteLength(heaviest) + script + LOGO_MAX_BYTES;
    expect(total).toBeLessThanOrEqual(60 * 1024);
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
    const html = page({ language: 'ar', packages: [{ id: 'day', name: 'يوم كامل', price: 'SSP 500' }] });
    expect(html).toMatch(/^<!doctype html><html lang="ar" dir="rtl">/);
    expect(html).toContain('<section id="buy"><h2>اشترِ باقة</h2>');
    expect(html).toContain('<li data-package="day">');
  });
});
