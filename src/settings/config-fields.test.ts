import { describe, expect, it } from 'vitest';
import { httpGateway } from '../messaging/gateways/index.js';
import { momo } from '../payments/providers/momo/index.js';
import { mpesa } from '../payments/providers/mpesa/index.js';
import { configFields, readConfigForm } from './config-fields.js';

describe('module settings as form fields', () => {
  it('reads M-Pesa’s schema: choices, required fields, sealed secrets and lists', () => {
    const fields = new Map(configFields(mpesa).map((f) => [f.name, f]));
    expect(fields.get('environment')).toMatchObject({ kind: 'choice', options: ['sandbox', 'production'], required: false, secret: false });
    expect(fields.get('shortcode')).toMatchObject({ kind: 'text', required: true, secret: false });
    expect(fields.get('passkey')).toMatchObject({ kind: 'text', required: true, secret: true });
    expect(fields.get('callbackAllowList')).toMatchObject({ kind: 'list', required: false });
    expect(fields.get('timeoutMs')).toMatchObject({ kind: 'number', required: false });
    expect(fields.get('consumerKey')!.description).toBe('Daraja app consumer key.');
    expect(fields.get('timeoutMs')!.defaultValue).toBe(10_000);
    expect(fields.get('callbackAllowList')!.defaultValue).toContain('196.201.214.200');
  });

  it('sees through MoMo’s transform to its fields, and takes a refined currency as a choice', () => {
    const fields = new Map(configFields(momo).map((f) => [f.name, f]));
    expect(fields.get('currency')).toMatchObject({ kind: 'choice', options: ['KES', 'SSP', 'UGX', 'USD'], required: true });
    expect(fields.get('apiKey')).toMatchObject({ secret: true, required: true });
  });

  it('leaves nested settings a flat form cannot hold to the CLI', () => {
    const fields = new Map(configFields(httpGateway).map((f) => [f.name, f]));
    expect(fields.get('headers')!.kind).toBe('other');
    expect(fields.get('authSecret')).toMatchObject({ secret: true, required: false });
  });

  it('keeps a stored secret when its field is left blank, and refuses a blank required field', () => {
    const fields = configFields(mpesa);
    const form = { environment: 'sandbox', shortcode: '174379', consumerKey: 'key', consumerSecret: '', passkey: 'pass', callbackAllowList: '196.201.214.200, 10.0.0.0/8', timeoutMs: '' };
    const kept = readConfigForm(fields, form, { consumerSecret: '(set)', passkey: '(not set)' });
    expect(kept.ok).toBe(true);
    if (!kept.ok) return;
    expect('consumerSecret' in kept.fields).toBe(false);
    expect(kept.fields).toMatchObject({ shortcode: '174379', passkey: 'pass', callbackAllowList: ['196.201.214.200', '10.0.0.0/8'], timeoutMs: undefined });
    expect(readConfigForm(fields, { ...form, passkey: '' }, { consumerSecret: '(set)', passkey: '(not set)' })).toEqual({ ok: false, field: 'passkey', problem: 'required' });
    expect(readConfigForm(fields, { ...form, shortcode: ' ' }, { consumerSecret: '(set)', passkey: '(set)' })).toEqual({ ok: false, field: 'shortcode', problem: 'required' });
    expect(readConfigForm(fields, { ...form, timeoutMs: 'ten' }, { consumerSecret: '(set)', passkey: '(set)' })).toEqual({ ok: false, field: 'timeoutMs', problem: 'number' });
    expect(readConfigForm(fields, { ...form, environment: 'live' }, { consumerSecret: '(set)', passkey: '(set)' })).toEqual({ ok: false, field: 'environment', problem: 'choice' });
  });
});
