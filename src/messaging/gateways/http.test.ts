import { describe, expect, it } from 'vitest';
import { buildRequest, formatNumber, httpGateway, kannelPreset, valueAtPath } from './http.js';

const values = { to: '+211912345678', text: "Salaam & welcome — it's 100%", from: 'LANGO', ref: '42' };
const parse = (input: Record<string, unknown>) => httpGateway.configSchema.parse(input);

describe('generic HTTP gateway settings', () => {
  it('keeps the auth secret sealed and sends one message per request by default', () => {
    expect(httpGateway.name).toBe('http');
    expect(httpGateway.secretFields).toEqual(['authSecret']);
    expect(parse({ url: 'https://sms.example.ss/send' })).toMatchObject({ method: 'POST', bodyType: 'form', batchSize: 1, timeoutMs: 10_000, numberFormat: 'e164' });
  });

  it('refuses incomplete auth, a GET with a body, and national numbers without a country code', () => {
    expect(httpGateway.configSchema.safeParse({ url: 'https://x.example/s', auth: 'basic', authUser: 'u' }).success).toBe(false);
    expect(httpGateway.configSchema.safeParse({ url: 'https://x.example/s', auth: 'header', authSecret: 's' }).success).toBe(false);
    expect(httpGateway.configSchema.safeParse({ url: 'https://x.example/s', method: 'GET', bodyType: 'form' }).success).toBe(false);
    expect(httpGateway.configSchema.safeParse({ url: 'https://x.example/s', numberFormat: 'national' }).success).toBe(false);
    expect(httpGateway.configSchema.safeParse({ url: 'https://x.example/s', success: { bodyMatches: '(' } }).success).toBe(false);
  });
});

describe('generic HTTP gateway requests', () => {
  it('percent-encodes placeholders in the URL', () => {
    const { url } = buildRequest(parse({ url: 'https://sms.example.ss/send/{to}?msg={text}', bodyType: 'none' }), values);
    expect(url).toMatch(/^https:\/\/sms\.example\.ss\/send\/%2B211912345678\?msg=Salaam%20%26%20welcome%20/);
    expect(new URL(url).searchParams.get('msg')).toBe(values.text);
  });

  it('form-encodes fields and leaves out one that comes out empty', () => {
    const config = parse({ url: 'https://sms.example.ss/send', fields: { to: '{to}', msg: '{text}', sender: '{from}', id: 'lango-{ref}' } });
    const { init } = buildRequest(config, { ...values, from: '' });
    expect(init.headers).toMatchObject({ 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(Object.fromEntries(new URLSearchParams(init.body as string))).toEqual({ to: '+211912345678', msg: values.text, id: 'lango-42' });
  });

  it('JSON-escapes placeholders inside nested JSON templates', () => {
    const config = parse({ url: 'https://sms.example.ss/send', bodyType: 'json', fields: { messages: [{ to: '{to}', body: '{text}', priority: 1 }], sender: '{from}' } });
    const { init } = buildRequest(config, { ...values, text: 'line "one"\nline two' });
    expect(JSON.parse(init.body as string)).toEqual({ messages: [{ to: '+211912345678', body: 'line "one"\nline two', priority: 1 }], sender: 'LANGO' });
  });

  it('puts fields in the query string of a GET', () => {
    const { url, init } = buildRequest(parse({ url: 'http://kannel:13013/cgi-bin/sendsms', method: 'GET', bodyType: 'none', fields: { to: '{to}', text: '{text}' } }), values);
    expect(init.body).toBeUndefined();
    expect(Object.fromEntries(new URL(url).searchParams)).toEqual({ to: '+211912345678', text: values.text });
  });

  it('authenticates by basic, bearer, custom header or query parameter', () => {
    const base = { url: 'https://sms.example.ss/send' };
    expect(buildRequest(parse({ ...base, auth: 'basic', authUser: 'isp', authSecret: 'pw' }), values).init.headers).toMatchObject({ Authorization: `Basic ${Buffer.from('isp:pw').toString('base64')}` });
    expect(buildRequest(parse({ ...base, auth: 'bearer', authSecret: 'tok' }), values).init.headers).toMatchObject({ Authorization: 'Bearer tok' });
    expect(buildRequest(parse({ ...base, auth: 'header', authName: 'X-Api-Key', authSecret: 'k' }), values).init.headers).toMatchObject({ 'X-Api-Key': 'k' });
    expect(new URL(buildRequest(parse({ ...base, auth: 'query', authName: 'key', authSecret: 'k&1' }), values).url).searchParams.get('key')).toBe('k&1');
  });

  it('writes numbers as E.164, digits or the national form', () => {
    expect(formatNumber('+211912345678', { numberFormat: 'e164' })).toBe('+211912345678');
    expect(formatNumber('+211912345678', { numberFormat: 'digits' })).toBe('211912345678');
    expect(formatNumber('+211912345678', { numberFormat: 'national', countryCode: '211' })).toBe('0912345678');
    expect(formatNumber('+254712345678', { numberFormat: 'national', countryCode: '211' })).toBeNull();
    expect(formatNumber('0912345678', { numberFormat: 'digits' })).toBeNull();
  });

  it('reads JSON paths with dots, indexes and a leading $', () => {
    const answer = { data: { messages: [{ id: 'm-1' }] } };
    expect(valueAtPath(answer, 'data.messages.0.id')).toBe('m-1');
    expect(valueAtPath(answer, '$.data.messages[0].id')).toBe('m-1');
    expect(valueAtPath(answer, 'data.nothing.id')).toBeUndefined();
  });
});

describe('Kannel preset', () => {
  const config = parse(kannelPreset({ baseUrl: 'http://kannel:13013/', username: 'lango', password: 'pw', from: 'LANGO', dlrUrl: 'https://isp.example/cb/tok/dlr' }));

  it('builds the sendsms GET with the password as a query parameter and a DLR URL carrying the outbox id', () => {
    const { url, init } = buildRequest(config, values);
    expect(init.method).toBe('GET');
    const query = Object.fromEntries(new URL(url).searchParams);
    expect(new URL(url).pathname).toBe('/cgi-bin/sendsms');
    expect(query).toMatchObject({ username: 'lango', password: 'pw', from: 'LANGO', to: '+211912345678', text: values.text, 'dlr-mask': '31' });
    expect(query['dlr-url']).toBe('https://isp.example/cb/tok/dlr?id=42&status=%d');
  });

  it("reads Kannel's delivery report codes", () => {
    const gateway = httpGateway.create(config);
    expect(gateway.parseDeliveryReport!({ id: '42', status: '1' })).toEqual({ gatewayMessageId: '42', status: 'delivered', failureReason: null });
    expect(gateway.parseDeliveryReport!('id=42&status=16')).toMatchObject({ status: 'failed' });
    expect(gateway.parseDeliveryReport!({ id: '42', status: '8' })).toMatchObject({ status: 'sent' });
    expect(() => gateway.parseDeliveryReport!({ id: '42', status: '99' })).toThrow();
  });
});

describe('generic HTTP gateway without a DLR mapping', () => {
  it('offers no delivery report parser', () => {
    expect(httpGateway.create(parse({ url: 'https://sms.example.ss/send' })).parseDeliveryReport).toBeUndefined();
  });
});
