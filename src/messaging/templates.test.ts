import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { auditTrail } from '../staff/index.js';
import { countSmsParts } from './segments.js';
import { previewTemplate } from './template-preview.js';
import { checkTemplateBody, listTemplates, renderTemplate, resetTemplate, setTemplate, templateKeys, templatePlaceholders } from './templates.js';
import { openTestDatabase, refusal } from './test-fixtures.js';

let conn: Connection;
beforeEach(() => {
  conn = openTestDatabase();
});
afterEach(() => conn.close());

// Realistic values, long-ish on purpose: what the one-part budget has to hold.
const sample = {
  operator: 'Skyline Net', support: '+254700000000', name: 'Wanjiru Kamau', username: 'wanjiru', plan: 'Home 5M',
  expiry: '8 Feb 2026, 15:00', price: 'KES 1,500.00', invoice: 'INV-2026-000123', amount: 'KES 2,900.00',
  balance: 'KES 2,900.00', due: '8 Feb 2026', wallet: 'KES 200.00', receipt: 'RCT-2026-000045',
  method: 'M-Pesa', reference: 'SGH7KQ2L9X', password: 'k7#Pq2',
};


describe('message templates', () => {
  it('has an English and an Arabic default for every template, using only its own placeholders', () => {
    for (const view of listTemplates(conn.db)) {
      expect(view.overridden).toBe(false);
      expect(() => checkTemplateBody(view.key, view.body), `${view.key}/${view.language}`).not.toThrow();
    }
    const arabic = listTemplates(conn.db).filter((v) => v.language === 'ar');
    expect(arabic).toHaveLength(templateKeys.length);
    for (const view of arabic) expect(view.body, view.key).toMatch(/[\u0600-\u06FF]/);
  });

  it('keeps every English default in one GSM-7 part with realistic values', () => {
    for (const key of templateKeys) {
      const text = renderTemplate(conn.db, key, 'en', sample);
      expect(countSmsParts(text), `${key}: ${text}`).toMatchObject({ encoding: 'gsm7', parts: 1 });
      expect(text, key).not.toMatch(/\{\{|\}\}/);
    }
  });

  it('refuses an override with a placeholder the template does not know, and names the allowed ones', () => {
    const error = refusal(() => setTemplate(conn.db, 'payment_received', 'en', 'Got {{amount}}, thanks {{nmae}}', 'staff:1'));
    expect(error.code).toBe('INPUT_BAD_PLACEHOLDER');
    expect(error.message).toContain('{{nmae}}');
    expect(error.message).toContain('{{receipt}}');
    // A placeholder of another template is just as unknown here.
    expect(refusal(() => setTemplate(conn.db, 'reactivated', 'en', 'Back on, {{name}}; you paid {{amount}}', 'staff:1')).code).toBe('INPUT_BAD_PLACEHOLDER');
    expect(listTemplates(conn.db).every((v) => !v.overridden)).toBe(true);
  });

  it('refuses placeholders i18next would read differently or not at all', () => {
    for (const body of ['Hi {{ plan price }}', 'Hi {{name}', 'Hi {{- name}}', 'Hi {{name, uppercase}}', 'Hi name}}']) {
      expect(refusal(() => setTemplate(conn.db, 'renewed', 'en', body, 'staff:1')).code, body).toBe('INPUT_BAD_PLACEHOLDER');
    }
  });

  it('refuses an unknown template, an unknown language and an empty text', () => {
    expect(refusal(() => setTemplate(conn.db, 'birthday', 'en', 'Happy birthday {{name}}', 'staff:1')).code).toBe('INPUT_UNKNOWN_TEMPLATE');
    expect(refusal(() => setTemplate(conn.db, 'renewed', 'fr', 'Renouvelé', 'staff:1')).code).toBe('INPUT_BAD_CHOICE');
    expect(refusal(() => setTemplate(conn.db, 'renewed', 'en', '   ', 'staff:1')).code).toBe('INPUT_BAD_MESSAGE');
  });

  it('renders the operator’s override per language, audit-logged, and falls back to the default after a reset', () => {
    setTemplate(conn.db, 'renewed', 'ar', '  {{operator}}: تم التجديد حتى {{expiry}}  ', 'staff:7', 1000);
    expect(renderTemplate(conn.db, 'renewed', 'ar', sample)).toBe('Skyline Net: تم التجديد حتى 8 Feb 2026, 15:00');
    expect(renderTemplate(conn.db, 'renewed', 'en', sample)).toContain('is renewed until 8 Feb 2026, 15:00');
    expect(listTemplates(conn.db).find((v) => v.key === 'renewed' && v.language === 'ar')).toMatchObject({ overridden: true, actor: 'staff:7', updatedAt: 1000 });
    expect(auditTrail(conn.db, 'template:renewed:ar')[0]).toMatchObject({ actor: 'staff:7', action: 'sms.template.set' });
    expect(resetTemplate(conn.db, 'renewed', 'ar', 'staff:7')).toBe(true);
    expect(renderTemplate(conn.db, 'renewed', 'ar', sample)).toContain('جدّدنا باقة Home 5M');
    // Newest first: the reset, then the change, each with the text before and after.
    const [reset, set] = auditTrail(conn.db, 'template:renewed:ar');
    expect(set!.detail).toMatchObject({ before: expect.stringContaining('جدّدنا'), after: '{{operator}}: تم التجديد حتى {{expiry}}' });
    expect(reset).toMatchObject({ action: 'sms.template.reset', detail: { before: '{{operator}}: تم التجديد حتى {{expiry}}', after: expect.stringContaining('جدّدنا') } });
  });

  it('signs with the operator name from the settings, leaves a missing value empty and never expands placeholders inside a value', () => {
    expect(renderTemplate(conn.db, 'custom', 'en', { name: '{{operator}}' })).toBe('Hello {{operator}}, a message from Skyline Net.');
    expect(renderTemplate(conn.db, 'credentials', 'en', { username: 'V4821XYZ', plan: '1 Hour' })).toBe('Skyline Net: join WiFi , open any page and log in with code V4821XYZ (1 Hour). Keep this message private.');
  });

  it('lets every template greet by name and sign with the operator', () => {
    for (const key of templateKeys) expect(templatePlaceholders[key]).toEqual(expect.arrayContaining(['operator', 'name', 'username']));
  });
});

describe('previewing a template before it is saved', () => {
  it('fills the typed text with sample values and the operator’s name, and counts its parts', () => {
    const preview = previewTemplate(conn.db, 'renewed', 'en', '{{operator}}: {{name}}, {{plan}} until {{expiry}}.');
    expect(preview.text).toBe('Skyline Net: Amina Odhiambo, Home 10M until 8 Feb 2026, 15:00.');
    expect(preview.parts).toMatchObject({ parts: 1, encoding: 'gsm7' });
    expect(refusal(() => previewTemplate(conn.db, 'renewed', 'en', 'Hi {{nmae}}')).code).toBe('INPUT_BAD_PLACEHOLDER');
  });
});
