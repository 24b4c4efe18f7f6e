import { describe, expect, it } from 'vitest';
import { decodeChapValue, isRouterHost, readRouterVisit } from './router-visit.js';

const CHALLENGE = '0123456789abcdef0123456789abcdef';

describe('decodeChapValue', () => {
  it('reads the hex that login.html sends', () => {
    expect(decodeChapValue('f9', 1)).toEqual(Buffer.of(0xf9));
    expect(decodeChapValue(CHALLENGE)!.toString('hex')).toBe(CHALLENGE);
  });

  it('reads the octal-escaped text RouterOS writes, which arrives as it is without JavaScript', () => {
    expect(decodeChapValue('\\371', 1)).toEqual(Buffer.of(0o371));
    expect(decodeChapValue('\\357\\015\\000\\377')).toEqual(Buffer.from([0o357, 0o015, 0, 0xff]));
    expect(decodeChapValue('\\x41b\\\\')).toEqual(Buffer.from('Ab\\'));
  });

  it('refuses values of the wrong length or that are not bytes', () => {
    expect(decodeChapValue('\\371\\372', 1)).toBeNull();
    expect(decodeChapValue('f9f9', 1)).toBeNull();
    expect(decodeChapValue('\\777')).toBeNull();
    expect(decodeChapValue('ア')).toBeNull();
    expect(decodeChapValue('\\')).toBeNull();
  });
});

describe('isRouterHost', () => {
  it('accepts the addresses and LAN-only names hotspot routers answer on', () => {
    for (const host of ['10.5.50.1', '192.168.88.1', '172.16.0.1', '172.31.255.1', '100.64.0.1', '127.0.0.1', '169.254.1.1', '[::1]', 'fd00::1', 'hotspot', 'login.lan', 'wifi.home.arpa']) {
      expect(isRouterHost(host), host).toBe(true);
    }
  });

  it('refuses public addresses and names unless the operator listed them', () => {
    for (const host of ['8.8.8.8', '172.32.0.1', 'evil.example.com', '2001:db8::1', 'login.net']) expect(isRouterHost(host), host).toBe(false);
    expect(isRouterHost('Login.Net', ['login.net'])).toBe(true);
  });
});

describe('readRouterVisit', () => {
  const base = { 'link-login-only': 'http://10.5.50.1/login', 'link-orig': 'http://example.com/', mac: 'AA:BB:CC:11:22:33', ip: '10.5.50.2' };

  it('completes HTTP-CHAP when the router sent chap-id and chap-challenge', () => {
    const visit = readRouterVisit({ ...base, 'chap-id': '07', 'chap-challenge': CHALLENGE });
    expect(visit.target).toEqual({ kind: 'chap', url: 'http://10.5.50.1/login', id: Buffer.of(7), challenge: Buffer.from(CHALLENGE, 'hex') });
    expect(visit).toMatchObject({ dst: 'http://example.com/', mac: 'AA:BB:CC:11:22:33', ip: '10.5.50.2' });
  });

  it('posts a plain password only to an https login link', () => {
    expect(readRouterVisit({ ...base, 'link-login-only': 'https://10.5.50.1/login' }).target).toEqual({ kind: 'pap', url: 'https://10.5.50.1/login' });
    expect(readRouterVisit(base).target).toEqual({ kind: 'none', reason: 'unsafeLogin' });
    expect(readRouterVisit({ ...base, 'chap-id': 'zz', 'chap-challenge': CHALLENGE }).target).toEqual({ kind: 'none', reason: 'unsafeLogin' });
  });

  it('will not post to a login link on an unknown host, or without one', () => {
    expect(readRouterVisit({ ...base, 'link-login-only': 'http://evil.example.com/login', 'chap-id': '07', 'chap-challenge': CHALLENGE }).target).toEqual({ kind: 'none', reason: 'unknownRouter' });
    expect(readRouterVisit({ ...base, 'link-login-only': 'javascript:alert(1)' }).target).toEqual({ kind: 'none', reason: 'notFromRouter' });
    expect(readRouterVisit({}).target).toEqual({ kind: 'none', reason: 'notFromRouter' });
    expect(readRouterVisit(undefined).target).toEqual({ kind: 'none', reason: 'notFromRouter' });
  });

  it('drops a dst that is not a web address and takes the first of repeated values', () => {
    const visit = readRouterVisit({ ...base, 'link-orig': 'javascript:alert(1)', username: ['first', 'second'], error: '  invalid username or password ' });
    expect(visit).toMatchObject({ dst: '', username: 'first', error: 'invalid username or password' });
  });
});
