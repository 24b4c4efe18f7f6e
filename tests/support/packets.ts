import { encodeRequest } from '../../src/radius/authenticators.js';
import { encodeAttribute, type AttributeValue } from '../../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../../src/radius/dictionary.js';

const dictionary = loadDictionary(defaultDictionaryPath());

/** A request signed as a NAS would sign it, with attributes given by dictionary name. */
export function signedRequest(
  code: number,
  identifier: number,
  secret: string,
  attributes: Array<[string, AttributeValue]>,
  options: { messageAuthenticator?: boolean } = {},
): Buffer {
  return encodeRequest({
    code,
    identifier,
    secret: Buffer.from(secret),
    messageAuthenticator: options.messageAuthenticator ?? false,
    attributes: Buffer.concat(attributes.map(([name, value]) => encodeAttribute(dictionary.require(name), value))),
  });
}
