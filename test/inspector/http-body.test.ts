import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  BodyFramer,
  type BodyLength,
  requestBodyLength,
  responseBodyLength,
} from '../../src/inspector/http-body.js';
import { HeadParser, type HttpRequestHead, type HttpResponseHead } from '../../src/inspector/http-head.js';
import { fuzzParams } from '../helpers/fuzz.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

function request(headers: string[]): HttpRequestHead {
  const result = new HeadParser('request').push(bytes(['POST /up HTTP/1.1', ...headers, '', ''].join('\r\n')));
  if (!result?.ok) throw new Error('test head did not parse');
  return result.head;
}

function response(status: number, headers: string[]): HttpResponseHead {
  const result = new HeadParser('response').push(bytes([`HTTP/1.1 ${status} X`, ...headers, '', ''].join('\r\n')));
  if (!result?.ok) throw new Error('test head did not parse');
  return result.head;
}

/** Feeds `input` cut at `cuts`; the outcome is the first error, or the bytes consumed and whether the body ended. */
function frame(length: BodyLength, input: Uint8Array, cuts: number[] = [], maxLineBytes?: number) {
  const framer = new BodyFramer(length, maxLineBytes);
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < input.length).sort((a, b) => a - b), input.length];
  let consumed = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const pushed = framer.push(input.subarray(bounds[i], bounds[i + 1]));
    if ('error' in pushed) return pushed;
    consumed += pushed.consumed;
    if (pushed.done) return { consumed, done: true };
    // A chunk not wholly consumed must end the body.
    expect(pushed.consumed).toBe(bounds[i + 1]! - bounds[i]!);
  }
  return { consumed, done: framer.done };
}

const CHUNKED: BodyLength = { kind: 'chunked' };

describe('body length (RFC 9112 6.3)', () => {
  test.each<[string, string[], ReturnType<typeof requestBodyLength>]>([
    ['no framing headers: no body', [], { kind: 'length', length: 0 }],
    ['Content-Length', ['Content-Length: 5'], { kind: 'length', length: 5 }],
    ['repeated identical Content-Length', ['Content-Length: 5, 5', 'Content-Length: 5'], { kind: 'length', length: 5 }],
    ['conflicting Content-Length', ['Content-Length: 5', 'Content-Length: 6'], { error: 'Content-Length "5, 6" has conflicting values' }],
    ['non-numeric Content-Length', ['Content-Length: -1'], { error: 'Content-Length "-1" is not a number' }],
    ['huge Content-Length', ['Content-Length: 99999999999999999999'], { error: 'Content-Length "99999999999999999999" is too large' }],
    ['chunked', ['Transfer-Encoding: chunked'], CHUNKED],
    ['chunked last of several codings', ['Transfer-Encoding: gzip', 'transfer-encoding: CHUNKED'], CHUNKED],
    ['Transfer-Encoding overrides Content-Length', ['Content-Length: 3', 'Transfer-Encoding: chunked'], CHUNKED],
    ['chunked not last', ['Transfer-Encoding: chunked, gzip'], { error: 'request Transfer-Encoding "chunked, gzip" does not end in chunked' }],
    ['chunked twice', ['Transfer-Encoding: chunked, chunked'], { error: 'Transfer-Encoding applies chunked twice' }],
  ])('request: %s', (_name, headers, expected) => {
    expect(requestBodyLength(request(headers))).toEqual(expected);
  });

  test.each<[string, number, string, string[], ReturnType<typeof responseBodyLength>]>([
    ['to HEAD', 200, 'HEAD', ['Content-Length: 10'], { kind: 'length', length: 0 }],
    ['101', 101, 'GET', [], { kind: 'length', length: 0 }],
    ['103', 103, 'GET', ['Content-Length: 10'], { kind: 'length', length: 0 }],
    ['204', 204, 'GET', ['Content-Length: 10'], { kind: 'length', length: 0 }],
    ['304', 304, 'GET', ['Transfer-Encoding: chunked'], { kind: 'length', length: 0 }],
    ['2xx to CONNECT', 200, 'CONNECT', ['Content-Length: 10'], { kind: 'until-close' }],
    ['chunked', 200, 'GET', ['Transfer-Encoding: chunked'], CHUNKED],
    ['not ending in chunked', 200, 'GET', ['Transfer-Encoding: gzip'], { kind: 'until-close' }],
    ['Content-Length', 404, 'GET', ['Content-Length: 9'], { kind: 'length', length: 9 }],
    ['neither: until close', 200, 'GET', [], { kind: 'until-close' }],
    ['bad Content-Length', 200, 'GET', ['Content-Length: 1x'], { error: 'Content-Length "1x" is not a number' }],
  ])('response %s', (_name, status, method, headers, expected) => {
    expect(responseBodyLength(response(status, headers), method)).toEqual(expected);
  });
});

describe('BodyFramer', () => {
  const next = 'HTTP/1.1 200 OK\r\n\r\n';

  // [name, framing, body bytes, bytes of body] — each body is followed by the next message.
  const bodies: Array<[string, BodyLength, string]> = [
    ['fixed length', { kind: 'length', length: 5 }, 'hello'],
    ['one chunk', CHUNKED, '5\r\nhello\r\n0\r\n\r\n'],
    ['uppercase hex and leading zeros', CHUNKED, '00A\r\n0123456789\r\n000\r\n\r\n'],
    ['chunk extensions', CHUNKED, '5;name=value;q="a;b"\r\nhello\r\n0 ; last\r\n\r\n'],
    ['trailer fields', CHUNKED, '2\r\nhi\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n'],
    ['bare LF line endings', CHUNKED, '2\nhi\n0\n\n'],
    ['chunk data containing CRLF and digits', CHUNKED, '6\r\n\r\n0\r\n\r\r\n0\r\n\r\n'],
  ];

  test.each(bodies)('%s: consumes exactly the body, at every split', (_name, length, body) => {
    const input = bytes(body + next);
    const expected = { consumed: body.length, done: true };
    expect(frame(length, input)).toEqual(expected);
    for (let cut = 0; cut <= input.length; cut++) expect(frame(length, input, [cut])).toEqual(expected);
    expect(frame(length, input, Array.from({ length: input.length }, (_, i) => i))).toEqual(expected);
  });

  const broken: Array<[string, string, string]> = [
    ['a size line that is not hex', 'zz\r\n', 'malformed chunk-size line "zz"'],
    ['a size line with a sign', '+5\r\nhello\r\n', 'malformed chunk-size line "+5"'],
    ['data without its CRLF', '2\r\nhiX\r\n0\r\n\r\n', 'chunk data is not followed by CRLF'],
    ['data with CR and no LF', '2\r\nhi\rX', 'chunk data is not followed by CRLF'],
    ['a size over 2^52', '10000000000000\r\n', 'chunk size 0x10000000000000 is too large'],
    ['a size line over the cap', `1;${'x'.repeat(40)}\r\n`, 'chunk-size line exceeds 32 bytes'],
    ['a trailer line over the cap', `0\r\nX: ${'x'.repeat(40)}\r\n\r\n`, 'trailer line exceeds 32 bytes'],
  ];
  test.each(broken)('rejects %s, at every split', (_name, body, error) => {
    const input = bytes(body);
    for (let cut = 0; cut <= input.length; cut++) expect(frame(CHUNKED, input, [cut], 32)).toEqual({ error });
  });

  test('an empty body is done before any byte', () => {
    const framer = new BodyFramer({ kind: 'length', length: 0 });
    expect(framer.done).toBe(true);
    expect(framer.push(bytes('next'))).toEqual({ consumed: 0, done: true });
  });

  test('errors are sticky', () => {
    const framer = new BodyFramer(CHUNKED);
    expect(framer.push(bytes('x\r\n'))).toEqual({ error: 'malformed chunk-size line "x"' });
    expect(framer.push(bytes('0\r\n\r\n'))).toEqual({ error: 'malformed chunk-size line "x"' });
  });

  describe('end of connection', () => {
    test('ends a body read until close', () => {
      const framer = new BodyFramer({ kind: 'until-close' });
      expect(framer.push(bytes('anything at all'))).toEqual({ consumed: 15, done: false });
      expect(framer.end()).toEqual({ done: true });
      expect(framer.done).toBe(true);
    });
    test('is fine after a complete body', () => {
      const framer = new BodyFramer({ kind: 'length', length: 2 });
      framer.push(bytes('hi'));
      expect(framer.end()).toEqual({ done: true });
    });
    test('cuts a fixed-length body short', () => {
      const framer = new BodyFramer({ kind: 'length', length: 10 });
      framer.push(bytes('hi'));
      expect(framer.end()).toEqual({ error: 'the connection closed 8 bytes before the end of the body' });
    });
    test('cuts a chunked body short', () => {
      const framer = new BodyFramer(CHUNKED);
      framer.push(bytes('5\r\nhel'));
      expect(framer.end()).toEqual({ error: 'the connection closed inside a chunked body' });
    });
  });

  describe('properties', () => {
    const cuts = fc.array(fc.nat({ max: 400 }), { maxLength: 10 });

    test('any chunked encoding is framed exactly, however it is cut', () => {
      const chunk = fc.record({
        data: fc.uint8Array({ minLength: 1, maxLength: 40 }),
        ext: fc.constantFrom('', ';a', ';a=b', ' ;a="x;y"'),
        hex: fc.constantFrom<'lower' | 'upper'>('lower', 'upper'),
      });
      const trailers = fc.array(fc.constantFrom('X: 1', 'Trailer-Field: a b c'), { maxLength: 3 });
      fc.assert(
        fc.property(fc.array(chunk, { maxLength: 6 }), trailers, fc.uint8Array({ maxLength: 20 }), cuts, (chunks, trailer, after, at) => {
          const body = Buffer.concat([
            ...chunks.map(({ data, ext, hex }) => {
              const size = data.length.toString(16);
              return Buffer.concat([bytes(`${hex === 'upper' ? size.toUpperCase() : size}${ext}\r\n`), data, bytes('\r\n')]);
            }),
            bytes(`0\r\n${trailer.map((line) => `${line}\r\n`).join('')}\r\n`),
          ]);
          expect(frame(CHUNKED, Buffer.concat([body, after]), at)).toEqual({ consumed: body.length, done: true });
        }),
      );
    });

    test('random bytes never throw, and any chunking gives the same outcome', () => {
      const piece = fc.oneof(fc.constantFrom('0', '5', 'a', ';', '\r\n', '\n', '\r', 'X: y', 'hello'), fc.string({ maxLength: 3 }));
      const input = fc.oneof(
        fc.array(piece, { maxLength: 30 }).map((parts) => bytes(parts.join(''))),
        fc.uint8Array({ maxLength: 200 }),
      );
      const length = fc.constantFrom<BodyLength>(CHUNKED, { kind: 'length', length: 7 }, { kind: 'until-close' });
      fc.assert(
        fc.property(length, input, cuts, (framing, data, at) => {
          expect(frame(framing, data, at, 16)).toEqual(frame(framing, data, [], 16));
        }),
        fuzzParams(2000),
      );
    });
  });
});
