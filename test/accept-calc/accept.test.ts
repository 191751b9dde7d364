import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { computeAccept, explainAccept, generateKey, isValidKey, WEBSOCKET_GUID } from '../../src/accept-calc/accept.js';

describe('computeAccept', () => {
  test.each([
    ['dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='], // RFC 6455 1.3 and 4.2.2
    ['f7cb4ezEAl6C3wRaU6JORA==', 'rE91AJhfC+6JdVcVXOGJEADEJdQ='], // the classic tutorial key
  ])('%s → %s', (key, accept) => {
    expect(computeAccept(key)).toBe(accept);
  });

  test('uses the key string as sent, not its decoded bytes', () => {
    expect(computeAccept('  not a key  ')).not.toBe(computeAccept('not a key'));
  });
});

describe('isValidKey', () => {
  test.each(['dGhlIHNhbXBsZSBub25jZQ==', 'f7cb4ezEAl6C3wRaU6JORA==', 'AAAAAAAAAAAAAAAAAAAAAA=='])('valid: %s', (key) => {
    expect(isValidKey(key)).toBe(true);
  });
  test.each([
    ['', 'empty'],
    ['dGhlIHNhbXBsZSBub25jZQ', 'no padding'],
    ['dGhlIHNhbXBsZSBub25jZQ=', 'one pad'],
    ['dGhlIHNhbXBsZSBub25jZR==', 'non-zero trailing bits (not canonical)'],
    ['dGhlIHNhbXBsZSBub25jZQ==x', 'trailing garbage'],
    ['aGVsbG8=', '5 bytes'],
    ['YWJjZGVmZ2hpamtsbW5vcHFy', '18 bytes'],
    ['dGhlIHNhbXBsZSBub25j!Q==', 'not base64'],
  ])('invalid: %s (%s)', (key) => {
    expect(isValidKey(key)).toBe(false);
  });

  test('every 16-byte value encodes to a valid key, and generateKey makes fresh ones', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => isValidKey(Buffer.from(bytes).toString('base64'))));
    const keys = new Set(Array.from({ length: 50 }, generateKey));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(isValidKey(key)).toBe(true);
  });
});

test('explainAccept shows every step of the computation', () => {
  const steps = explainAccept('dGhlIHNhbXBsZSBub25jZQ==');
  expect(steps).toEqual({
    key: 'dGhlIHNhbXBsZSBub25jZQ==',
    guid: WEBSOCKET_GUID,
    concatenated: 'dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
    sha1Hex: 'b37a4f2cc0624f1690f64606cf385945b2bec4ea',
    accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    keyValid: true,
    keyBytesHex: Buffer.from('the sample nonce').toString('hex'),
  });
});
