/**
 * The Sec-WebSocket-Accept computation of RFC 6455 section 4.2.2:
 * base64(SHA-1(key + GUID)), where key is the Sec-WebSocket-Key string exactly
 * as sent (it is not base64-decoded first).
 */
import { createHash, randomBytes } from 'node:crypto';
import { WEBSOCKET_GUID } from './guid.js';

export { WEBSOCKET_GUID };

export function computeAccept(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID, 'latin1').digest('base64');
}

/** RFC 6455 4.1: the key is a base64-encoded 16-byte value (so 24 characters ending in "=="). */
export function isValidKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{21}[AQgw]==$/.test(key);
}

/** A fresh key: 16 random bytes, base64 (RFC 6455 4.1 wants them random per connection). */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

export interface AcceptExplanation {
  key: string;
  guid: string;
  concatenated: string;
  sha1Hex: string;
  accept: string;
  keyValid: boolean;
  /** The 16 bytes the key decodes to, hex, when it is valid. */
  keyBytesHex: string | null;
}

/** Every step of the computation, for teaching (`wsinspect accept --explain`). */
export function explainAccept(key: string): AcceptExplanation {
  const concatenated = key + WEBSOCKET_GUID;
  const digest = createHash('sha1').update(concatenated, 'latin1').digest();
  const keyValid = isValidKey(key);
  return {
    key,
    guid: WEBSOCKET_GUID,
    concatenated,
    sha1Hex: digest.toString('hex'),
    accept: digest.toString('base64'),
    keyValid,
    keyBytesHex: keyValid ? Buffer.from(key, 'base64').toString('hex') : null,
  };
}
