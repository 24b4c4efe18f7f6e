import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { hex, ACCESS_REQUEST, ACCESS_ACCEPT, ACCOUNTING_REQUEST, ACCOUNTING_RESPONSE } from '../../tests/support/golden-packets.js';
import type * as RadiusLib from 'radius';
import {
  encodeReply,
  encodeRequest,
  messageAuthenticatorBasis,
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
  verifyResponse,
} from './authenticators.js';
import { decodePacket, encodeAttribute } from './codec.js';
import { defaultDictionaryPath, loadDictionary, type Dictionary } from './dictionary.js';
import { Attr, Code } from './packet.js';

// npm `radius` is CommonJS; it serves only as an independent second opinion on our bytes.
const radius = createRequire(import.meta.url)('radius') as typeof RadiusLib;

const SECRET = Buffer.from('testing123');
const OTHER_SECRET = Buffer.from('testing124');

/** A copy with one byte XOR-ed, so tests never mutate the shared golden buffers. */
function flip(buf: Buffer, at: number): Buffer {
  const copy = Buffer.from(buf);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('authenticators', () => {
  let dict: Dictionary;
  beforeAll(() => {
    dict = loadDictionary(defaultDictionaryPath());
  });
  const decode = (b: Buffer) => decodePacket(b, dict);
  const replyMessage = (text: string) => encodeAttribute(dict.require('Reply-Message'), text);

  describe('encodeReply', () => {
    it('reproduces the golden Access-Accept byte for byte, Message-Authenticator first', () => {
      const request = decode(ACCESS_REQUEST);
      const out = encodeReply({
        code: Code.AccessAccept,
        identifier: 0x7c,
        requestAuthenticator: request.authenticator,
        attributes: replyMessage('hello'),
        secret: SECRET,
        messageAuthenticator: true,
      });
      expect(out.toString('hex')).toBe(ACCESS_ACCEPT.toString('hex'));
      expect(decode(out).attributes[0]?.type).toBe(Attr.MessageAuthenticator);
    });

    it('reproduces the golden empty Accounting-Response', () => {
      const request = decode(ACCOUNTING_REQUEST);
      const out = encodeReply({
        code: Code.AccountingResponse,
        identifier: request.identifier,
        requestAuthenticator: request.authenticator,
        attributes: Buffer.alloc(0),
        secret: SECRET,
        messageAuthenticator: false,
      });
      expect(out.toString('hex')).toBe(ACCOUNTING_RESPONSE.toString('hex'));
    });

    it('refuses to build a reply longer than 4096 bytes', () => {
      const attrs = Buffer.concat(Array.from({ length: 17 }, () => replyMessage('x'.repeat(253))));
      expect(() =>
        encodeReply({
          code: Code.AccessAccept,
          identifier: 1,
          requestAuthenticator: Buffer.alloc(16),
          attributes: attrs,
          secret: SECRET,
          messageAuthenticator: false,
        }),
      ).toThrow(RangeError);
    });
  });

  describe('verifyMessageAuthenticator', () => {
    it('accepts the golden Access-Request', () => {
      expect(verifyMessageAuthenticator(decode(ACCESS_REQUEST), SECRET)).toBe(true);
    });

    it('rejects the golden Access-Request with any one byte changed', () => {
      // Header, an attribute value, and the MA value itself; Length and attribute lengths are
      // left alone because changing them makes the packet malformed before the MA is checked.
      for (const at of [0, 1, 5, 19, 24, 40, ACCESS_REQUEST.length - 1]) {
        expect(verifyMessageAuthenticator(decode(flip(ACCESS_REQUEST, at)), SECRET), `byte ${at}`).toBe(false);
      }
    });

    it('rejects the golden Access-Request under the wrong secret', () => {
      expect(verifyMessageAuthenticator(decode(ACCESS_REQUEST), OTHER_SECRET)).toBe(false);
    });

    it('reports false for a packet without a Message-Authenticator', () => {
      expect(verifyMessageAuthenticator(decode(ACCOUNTING_REQUEST), SECRET)).toBe(false);
    });

    it('verifies the golden Access-Accept against the request authenticator', () => {
      const request = decode(ACCESS_REQUEST);
      const reply = decode(ACCESS_ACCEPT);
      expect(verifyMessageAuthenticator(reply, SECRET, request.authenticator)).toBe(true);
      expect(verifyMessageAuthenticator(reply, SECRET)).toBe(false);
    });
  });

  describe('verifyRequestAuthenticator', () => {
    it('accepts the golden Accounting-Request', () => {
      expect(verifyRequestAuthenticator(decode(ACCOUNTING_REQUEST), SECRET)).toBe(true);
    });

    it('rejects a tampered copy and the wrong secret', () => {
      // Flip the last byte of Framed-IP-Address: a changed accounting record.
      expect(verifyRequestAuthenticator(decode(flip(ACCOUNTING_REQUEST, ACCOUNTING_REQUEST.length - 1)), SECRET)).toBe(false);
      expect(verifyRequestAuthenticator(decode(flip(ACCOUNTING_REQUEST, 4)), SECRET)).toBe(false);
      expect(verifyRequestAuthenticator(decode(ACCOUNTING_REQUEST), OTHER_SECRET)).toBe(false);
    });
  });

  describe('encodeRequest', () => {
    const accountingAttrs = () =>
      Buffer.concat([
        encodeAttribute(dict.require('Acct-Status-Type'), 'Start'),
        encodeAttribute(dict.require('Acct-Session-Id'), '81a00002'),
        encodeAttribute(dict.require('User-Name'), 'bob'),
      ]);

    it('reproduces the golden Accounting-Request from its attributes', () => {
      const attrs = ACCOUNTING_REQUEST.subarray(20);
      const out = encodeRequest({ code: Code.AccountingRequest, identifier: 132, attributes: attrs, secret: SECRET, messageAuthenticator: false });
      expect(out.toString('hex')).toBe(ACCOUNTING_REQUEST.toString('hex'));
    });

    it('signs an Accounting-Request with MA so both the MA and the Request Authenticator verify', () => {
      const out = encodeRequest({
        code: Code.AccountingRequest,
        identifier: 9,
        attributes: accountingAttrs(),
        secret: SECRET,
        messageAuthenticator: true,
      });
      const p = decode(out);
      expect(p.attributes[0]?.type).toBe(Attr.MessageAuthenticator);
      expect(messageAuthenticatorBasis(p).equals(Buffer.alloc(16))).toBe(true);
      expect(verifyRequestAuthenticator(p, SECRET)).toBe(true);
      expect(verifyMessageAuthenticator(p, SECRET)).toBe(true);
      expect(verifyMessageAuthenticator(p, OTHER_SECRET)).toBe(false);
    });

    it('computes a CoA-Request the same way as an Accounting-Request', () => {
      const out = encodeRequest({ code: Code.CoaRequest, identifier: 3, attributes: accountingAttrs(), secret: SECRET, messageAuthenticator: true });
      const p = decode(out);
      expect(verifyRequestAuthenticator(p, SECRET)).toBe(true);
      expect(verifyMessageAuthenticator(p, SECRET)).toBe(true);
    });

    it('gives an Access-Request the authenticator asked for, and MA over it', () => {
      const authenticator = hex('35f28d609d96043ae932ddc9a5b7e99d');
      const out = encodeRequest({
        code: Code.AccessRequest,
        identifier: 0x7c,
        attributes: replyMessage('x'),
        secret: SECRET,
        messageAuthenticator: true,
        authenticator,
      });
      const p = decode(out);
      expect(p.authenticator.equals(authenticator)).toBe(true);
      expect(verifyMessageAuthenticator(p, SECRET)).toBe(true);
    });

    it('gives each Access-Request a fresh random authenticator when none is given', () => {
      const make = () => encodeRequest({ code: Code.AccessRequest, identifier: 1, attributes: Buffer.alloc(0), secret: SECRET, messageAuthenticator: false });
      expect(make().subarray(4, 20).equals(make().subarray(4, 20))).toBe(false);
    });
  });

  describe('verifyResponse', () => {
    const request = () => decode(ACCESS_REQUEST);
    const accept = (secret: Buffer, messageAuthenticator: boolean) =>
      encodeReply({
        code: Code.AccessAccept,
        identifier: 0x7c,
        requestAuthenticator: request().authenticator,
        attributes: replyMessage('hello'),
        secret,
        messageAuthenticator,
      });

    it('accepts our own replies, with and without MA, and the golden Accept', () => {
      expect(verifyResponse(decode(accept(SECRET, true)), request().authenticator, SECRET)).toBe(true);
      expect(verifyResponse(decode(accept(SECRET, false)), request().authenticator, SECRET)).toBe(true);
      expect(verifyResponse(decode(ACCESS_ACCEPT), request().authenticator, SECRET)).toBe(true);
      expect(verifyResponse(decode(ACCOUNTING_RESPONSE), decode(ACCOUNTING_REQUEST).authenticator, SECRET)).toBe(true);
    });

    it('rejects a reply signed with another secret', () => {
      expect(verifyResponse(decode(accept(OTHER_SECRET, true)), request().authenticator, SECRET)).toBe(false);
      expect(verifyResponse(decode(accept(OTHER_SECRET, false)), request().authenticator, SECRET)).toBe(false);
    });

    it('rejects a reply to another request or with a changed attribute', () => {
      expect(verifyResponse(decode(accept(SECRET, false)), Buffer.alloc(16), SECRET)).toBe(false);
      const tampered = flip(accept(SECRET, false), 20 + 2);
      expect(verifyResponse(decode(tampered), request().authenticator, SECRET)).toBe(false);
    });

    it('rejects a reply whose Response Authenticator is right but whose MA is wrong', () => {
      // Corrupt the MA, then re-sign the header so only the MA check can catch it.
      const out = accept(SECRET, true);
      out[22] = out[22]! ^ 0x01;
      const reSigned = encodeReply({
        code: Code.AccessAccept,
        identifier: 0x7c,
        requestAuthenticator: request().authenticator,
        attributes: out.subarray(20),
        secret: SECRET,
        messageAuthenticator: false,
      });
      expect(verifyResponse(decode(reSigned), request().authenticator, SECRET)).toBe(false);
    });
  });

  describe('cross-check with npm radius', () => {
    it('radius.verify_response accepts our Access-Accept to a request without MA', () => {
      const requestBytes = radius.encode({
        code: 'Access-Request',
        secret: 'testing123',
        identifier: 42,
        attributes: [['User-Name', 'bob'], ['User-Password', 'secretpw'], ['NAS-IP-Address', '127.0.0.1']],
      });
      const request = decode(requestBytes);
      expect(request.messageAuthenticatorOffset).toBe(-1);
      const reply = encodeReply({
        code: Code.AccessAccept,
        identifier: request.identifier,
        requestAuthenticator: request.authenticator,
        attributes: replyMessage('hello'),
        secret: SECRET,
        messageAuthenticator: false,
      });
      expect(radius.verify_response({ request: requestBytes, response: reply, secret: 'testing123' })).toBe(true);
      expect(radius.verify_response({ request: requestBytes, response: reply, secret: 'testing124' })).toBe(false);
    });

    it('radius.decode verifies our Accounting-Request authenticator', () => {
      const out = encodeRequest({
        code: Code.AccountingRequest,
        identifier: 7,
        attributes: Buffer.concat([
          encodeAttribute(dict.require('Acct-Status-Type'), 'Stop'),
          encodeAttribute(dict.require('Acct-Session-Id'), 'abc'),
        ]),
        secret: SECRET,
        messageAuthenticator: false,
      });
      const decoded = radius.decode({ packet: out, secret: 'testing123' });
      expect(decoded.attributes).toMatchObject({ 'Acct-Status-Type': 'Stop', 'Acct-Session-Id': 'abc' });
      expect(() => radius.decode({ packet: out, secret: 'testing124' })).toThrow();
    });
  });
});
