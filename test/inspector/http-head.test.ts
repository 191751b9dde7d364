import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fuzzParams } from '../helpers/fuzz.js';
import {
  HeadParser,
  type HeadKind,
  type HeadResult,
  type HttpRequestHead,
  hasToken,
  headerValue,
  headerValues,
  replaceHostHeader,
} from '../../src/inspector/http-head.js';

const FIXTURES = new URL('../../fixtures/handshakes/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A result with its byte arrays as hex, so results compare with toEqual. */
function comparable(result: HeadResult<object> | null): unknown {
  if (!result?.ok) return result;
  const head = { ...result.head, raw: Buffer.from((result.head as { raw: Uint8Array }).raw).toString('hex') };
  return { ok: true, head, rest: Buffer.from(result.rest).toString('hex') };
}

/**
 * Pushes `input` cut at `cuts` and returns the first non-null result, with the
 * chunks not pushed yet appended to `rest` (they would be the caller's).
 */
function parseChunked(kind: HeadKind, input: Uint8Array, cuts: number[], maxBytes?: number): unknown {
  const parser = new HeadParser(kind, maxBytes);
  const bounds = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < input.length).sort((a, b) => a - b), input.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const result = parser.push(input.subarray(bounds[i], bounds[i + 1]));
    if (result?.ok) return comparable({ ...result, rest: Buffer.concat([result.rest, input.subarray(bounds[i + 1])]) });
    if (result) return result;
  }
  return null;
}

const parseWhole = (kind: HeadKind, input: Uint8Array, maxBytes?: number) => parseChunked(kind, input, [], maxBytes);

function parseRequest(text: string): HttpRequestHead {
  const result = new HeadParser('request').push(bytes(text));
  if (!result?.ok) throw new Error(`test head did not parse: ${JSON.stringify(result)}`);
  return result.head;
}

describe('HeadParser', () => {
  test('parses a captured ws client request, keeping wire order and casing', () => {
    const raw = fixture('ws-client.request.txt');
    const frame = Buffer.from([0x81, 0x80, 1, 2, 3, 4]);
    const result = new HeadParser('request').push(Buffer.concat([raw, frame]));
    expect(result?.ok).toBe(true);
    if (!result?.ok) return;
    expect(result.head).toMatchObject({ method: 'GET', target: '/chat', httpVersion: '1.1' });
    expect(result.head.headers).toEqual([
      ['Sec-WebSocket-Version', '13'],
      ['Sec-WebSocket-Key', 'xVLuMcu45dwhCKVjfgUReg=='],
      ['Connection', 'Upgrade'],
      ['Upgrade', 'websocket'],
      ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'],
      ['Sec-WebSocket-Protocol', 'chat,superchat'],
      ['Host', '127.0.0.1:45053'],
    ]);
    expect(Buffer.from(result.head.raw)).toEqual(raw);
    expect(Buffer.from(result.rest)).toEqual(frame);
  });

  test('parses a captured uWS response', () => {
    const result = new HeadParser('response').push(fixture('uws-deflate.response.txt'));
    expect(result?.ok && result.head).toMatchObject({ httpVersion: '1.1', status: 101, reason: 'Switching Protocols' });
    expect(result?.ok && headerValue(result.head.headers, 'uwebsockets')).toBe('20');
  });

  test('returns null until the blank line arrives', () => {
    const parser = new HeadParser('request');
    expect(parser.push(bytes('GET / HTTP/1.1\r\nHost: a\r\n'))).toBeNull();
    expect(parser.push(bytes('\r'))).toBeNull();
    expect(parser.push(bytes('\n'))?.ok).toBe(true);
  });

  test('a push after the result is an error, not a throw', () => {
    const parser = new HeadParser('response');
    parser.push(bytes('HTTP/1.1 204 No Content\r\n\r\n'));
    expect(parser.push(bytes('x'))).toEqual({ ok: false, error: 'the response head parser already returned its result' });
  });

  const validRequests: Array<[string, string, Partial<HttpRequestHead>]> = [
    ['bare LF line endings', 'GET / HTTP/1.1\nHost: a\n\n', { headers: [['Host', 'a']] }],
    ['mixed line endings', 'GET / HTTP/1.1\r\nHost: a\n\r\n', { headers: [['Host', 'a']] }],
    ['OWS trimmed, inner spaces kept', 'GET / HTTP/1.1\r\nX:  \t a  b \t\r\n\r\n', { headers: [['X', 'a  b']] }],
    ['empty value', 'GET / HTTP/1.1\r\nX:\r\n\r\n', { headers: [['X', '']] }],
    ['duplicates kept apart', 'GET / HTTP/1.1\r\nA: 1\r\na: 2\r\n\r\n', { headers: [['A', '1'], ['a', '2']] }],
    ['obsolete folding joined with one space', 'GET / HTTP/1.1\r\nA: 1\r\n   2\r\n\t3\r\nB: x\r\n\r\n', { headers: [['A', '1 2 3'], ['B', 'x']] }],
    ['latin1 bytes preserved', 'GET / HTTP/1.1\r\nX: caf\xe9\r\n\r\n', { headers: [['X', 'caf\xe9']] }],
    ['empty lines before the request line skipped', '\r\n\nGET / HTTP/1.1\r\n\r\n', { method: 'GET', headers: [] }],
    ['HTTP/1.0 parsed (the checks judge it)', 'GET / HTTP/1.0\r\n\r\n', { httpVersion: '1.0' }],
    ['absolute-form target', 'GET http://a/b?c HTTP/1.1\r\n\r\n', { target: 'http://a/b?c' }],
  ];
  test.each(validRequests)('request: %s', (_name, text, expected) => {
    const result = new HeadParser('request').push(bytes(text));
    expect(result?.ok && result.head).toMatchObject(expected);
    expect(result?.ok && Buffer.from(result.head.raw).toString('latin1')).toBe(text);
  });

  test.each([
    ['HTTP/1.1 101 Switching Protocols\r\n\r\n', 101, 'Switching Protocols'],
    ['HTTP/1.1 200 \r\n\r\n', 200, ''],
    ['HTTP/1.1 200\r\n\r\n', 200, ''],
    ['HTTP/1.0 404 Not  Found\r\n\r\n', 404, 'Not  Found'],
  ])('status line %j', (text, status, reason) => {
    const result = new HeadParser('response').push(bytes(text));
    expect(result?.ok && result.head).toMatchObject({ status, reason });
  });

  const malformed: Array<[HeadKind, string, string]> = [
    ['request', 'GET /\r\n\r\n', 'malformed request line "GET /"'],
    ['request', 'GET  / HTTP/1.1\r\n\r\n', 'malformed request line "GET  / HTTP/1.1"'],
    ['request', 'G(T / HTTP/1.1\r\n\r\n', 'malformed request line "G(T / HTTP/1.1"'],
    ['request', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 'malformed header line "Host : a"'],
    ['request', 'GET / HTTP/1.1\r\nno colon\r\n\r\n', 'malformed header line "no colon"'],
    ['request', 'GET / HTTP/1.1\r\n: empty name\r\n\r\n', 'malformed header line ": empty name"'],
    ['request', 'GET / HTTP/1.1\r\n folded\r\n\r\n', 'continuation line " folded" before the first header'],
    ['request', 'GET / HTTP/1.1\r\nA: 1\r2\r\n\r\n', 'request head contains a bare CR'],
    ['request', 'GET / HTTP/1.1\r\nA: \0\r\n\r\n', 'request head contains a NUL byte'],
    ['response', 'HTTP/1.1 1010 Huh\r\n\r\n', 'malformed status line "HTTP/1.1 1010 Huh"'],
    ['response', 'HTTP/1 101 x\r\n\r\n', 'malformed status line "HTTP/1 101 x"'],
    ['response', 'SSH-2.0-OpenSSH_9.6\r\n\r\n', 'malformed status line "SSH-2.0-OpenSSH_9.6"'],
  ];
  test.each(malformed)('%s %j is rejected', (kind, text, error) => {
    expect(new HeadParser(kind).push(bytes(text))).toEqual({ ok: false, error });
  });

  describe('size limit', () => {
    const head = 'GET / HTTP/1.1\r\nX: 0123456789\r\n\r\n';
    test('a head of exactly maxBytes is accepted', () => {
      expect(new HeadParser('request', head.length).push(bytes(head))?.ok).toBe(true);
    });
    test('one byte more is rejected, complete or not', () => {
      const error = { ok: false, error: `request head exceeds ${head.length - 1} bytes` };
      expect(parseWhole('request', bytes(head), head.length - 1)).toEqual(error);
      expect(parseWhole('request', bytes(head.slice(0, -1)), head.length - 1)).toEqual(error);
    });
    test('an endless head is cut off at 16384 bytes by default', () => {
      const parser = new HeadParser('request');
      expect(parser.push(bytes('GET / HTTP/1.1\r\n'))).toBeNull();
      const filler = bytes(`X: ${'a'.repeat(1000)}\r\n`);
      let result: HeadResult<HttpRequestHead> | null = null;
      for (let i = 0; i < 20 && !result; i++) result = parser.push(filler);
      expect(result).toEqual({ ok: false, error: 'request head exceeds 16384 bytes' });
    });
  });

  describe('split at every offset gives the same result', () => {
    const cases: Array<[string, HeadKind, Buffer]> = [
      ...readdirSync(FIXTURES).map((name): [string, HeadKind, Buffer] => [
        name,
        name.includes('.request.') ? 'request' : 'response',
        Buffer.concat([fixture(name), bytes('\x81\x05hello')]),
      ]),
      ...malformed.map(([kind, text], i): [string, HeadKind, Buffer] => [`malformed #${i}`, kind, bytes(text)]),
      ['LF endings', 'request', bytes('\n\nGET / HTTP/1.1\nA: 1\n 2\n\nrest')],
      ['over the limit', 'request', bytes(`GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}\r\n\r\n`)],
    ];
    test.each(cases)('%s', (_name, kind, input) => {
      const whole = parseWhole(kind, input, 64);
      for (let cut = 0; cut <= input.length; cut++) expect(parseChunked(kind, input, [cut], 64)).toEqual(whole);
      const everyByte = Array.from({ length: input.length }, (_, i) => i);
      expect(parseChunked(kind, input, everyByte, 64)).toEqual(whole);
    });
  });

  describe('properties', () => {
    // Pieces that steer random input towards the parser's edge cases.
    const piece = fc.oneof(
      fc.constantFrom('GET', 'HTTP/1.1', 'HTTP/1.1 101 ok', ' ', '\t', '/', ':', 'Host', '\r\n', '\n', '\r', '\0', '\xff'),
      fc.string({ maxLength: 4 }),
    );
    const headLike = fc.array(piece, { maxLength: 40 }).map((parts) => bytes(parts.join('')));
    const input = fc.oneof(headLike, fc.uint8Array({ maxLength: 200 }));
    const cuts = fc.array(fc.nat({ max: 250 }), { maxLength: 8 });

    test('never throws, and any chunking gives the result of the whole', () => {
      fc.assert(
        fc.property(input, cuts, fc.constantFrom<HeadKind>('request', 'response'), (data, at, kind) => {
          expect(parseChunked(kind, data, at, 100)).toEqual(parseWhole(kind, data, 100));
        }),
        fuzzParams(2000),
      );
    });

    test('headers written out are parsed back', () => {
      const name = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
      const value = fc.stringMatching(/^[\x21-\x7e\x80-\xff]([\x20-\x7e\x80-\xff]{0,20}[\x21-\x7e\x80-\xff])?$/);
      fc.assert(
        fc.property(fc.array(fc.tuple(name, value), { maxLength: 10 }), (headers) => {
          const text = `GET / HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
          expect(parseRequest(text).headers).toEqual(headers);
        }),
      );
    });
  });
});

describe('header helpers', () => {
  const headers: Array<[string, string]> = [
    ['Connection', 'keep-alive, Upgrade'],
    ['X-A', '1'],
    ['x-a', '2'],
    ['Upgrade', 'WebSocket'],
  ];
  test('headerValues is case-insensitive and keeps order', () => {
    expect(headerValues(headers, 'X-a')).toEqual(['1', '2']);
    expect(headerValues(headers, 'missing')).toEqual([]);
  });
  test('headerValue combines with ", " or is null', () => {
    expect(headerValue(headers, 'x-a')).toBe('1, 2');
    expect(headerValue(headers, 'missing')).toBeNull();
  });
  test.each([
    ['connection', 'upgrade', true],
    ['connection', 'keep-alive', true],
    ['connection', 'close', false],
    ['upgrade', 'websocket', true],
    ['x-a', '2', true],
    ['x-a', '1, 2', false],
    ['missing', 'x', false],
  ])('hasToken(%s, %s) is %s', (name, token, expected) => {
    expect(hasToken(headers, name, token)).toBe(expected);
  });
});

describe('replaceHostHeader', () => {
  const replace = (text: string, host: string): string => {
    const head = parseRequest(text);
    return replaceHostHeader(head.raw, head, host).toString('latin1');
  };

  test('changes only the value of a captured request', () => {
    const raw = fixture('chromium.request.txt');
    const result = new HeadParser('request').push(raw);
    if (!result?.ok) throw new Error('fixture did not parse');
    const out = replaceHostHeader(result.head.raw, result.head, 'localhost:9001');
    expect(out.toString('latin1')).toBe(raw.toString('latin1').replace('Host: 127.0.0.1:8080', 'Host: localhost:9001'));
  });

  test.each([
    ['keeps name casing and whitespace', 'GET / HTTP/1.1\r\nhOsT:\t a:1 \r\nX: y\r\n\r\n', 'GET / HTTP/1.1\r\nhOsT:\t b:2 \r\nX: y\r\n\r\n'],
    ['inserts one after the request line', 'GET /p HTTP/1.1\r\nX: y\r\n\r\n', 'GET /p HTTP/1.1\r\nHost: b:2\r\nX: y\r\n\r\n'],
    ['keeps bare LF endings', 'GET / HTTP/1.1\nX: y\n\n', 'GET / HTTP/1.1\nHost: b:2\nX: y\n\n'],
    ['fills an empty value', 'GET / HTTP/1.1\r\nHost:\r\n\r\n', 'GET / HTTP/1.1\r\nHost:b:2\r\n\r\n'],
    ['replaces a folded value whole', 'GET / HTTP/1.1\r\nHost: a\r\n  .b\r\nX: y\r\n\r\n', 'GET / HTTP/1.1\r\nHost: b:2\r\nX: y\r\n\r\n'],
    ['rewrites every Host line', 'GET / HTTP/1.1\r\nHost: a\r\nHost: evil\r\n\r\n', 'GET / HTTP/1.1\r\nHost: b:2\r\nHost: b:2\r\n\r\n'],
    ['ignores look-alikes', 'GET / HTTP/1.1\r\nX-Host: a\r\nHost: a\r\n\r\n', 'GET / HTTP/1.1\r\nX-Host: a\r\nHost: b:2\r\n\r\n'],
    ['keeps leading empty lines', '\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', '\r\nGET / HTTP/1.1\r\nHost: b:2\r\n\r\n'],
  ])('%s', (_name, input, expected) => {
    expect(replace(input, 'b:2')).toBe(expected);
    expect(parseRequest(expected).headers.filter(([n]) => n.toLowerCase() === 'host').every(([, v]) => v === 'b:2')).toBe(true);
  });
});
