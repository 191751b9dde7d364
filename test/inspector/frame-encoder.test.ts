/** encodeFrame / encodeClose: exact bytes for the RFC examples, forced encodings, and a round trip through the decoder. */
import { describe, expect, test } from 'vitest';
import { FrameDecoder, type FrameHeader } from '../../src/inspector/frame-decoder.js';
import { closePayload, encodeClose, encodeFrame, type FrameSpec } from '../../src/inspector/frame-encoder.js';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from '../../src/inspector/opcodes.js';
import { unmaskInto } from '../../src/inspector/unmask.js';
import { hex, key } from '../helpers/decode.js';

const MASK = key('37fa213d');

/** Decodes one frame: its header and unmasked payload. */
function parse(bytes: Uint8Array): { header: FrameHeader; payload: Buffer } {
  let header: FrameHeader | null = null;
  const parts: Buffer[] = [];
  const decoder = new FrameDecoder({
    onHeader: (h) => (header = h),
    onPayload: (chunk, start, end, offset) => {
      const data = chunk.subarray(start, end);
      const out = Buffer.alloc(data.length);
      if (header!.maskKey) unmaskInto(out, data, header!.maskKey, offset & 3);
      else out.set(data);
      parts.push(out);
    },
    onFrameEnd: () => {},
    onLost: () => {
      throw new Error('lost');
    },
  });
  decoder.push(bytes);
  expect(decoder.atFrameBoundary).toBe(true);
  return { header: header!, payload: Buffer.concat(parts) };
}

describe('the RFC 6455 5.7 examples, byte for byte', () => {
  test.each([
    ['unmasked text', { opcode: OP_TEXT, payload: 'Hello' }, '81 05 48 65 6c 6c 6f'],
    ['masked text', { opcode: OP_TEXT, payload: 'Hello', maskKey: MASK }, '81 85 37 fa 21 3d 7f 9f 4d 51 58'],
    ['first fragment', { opcode: OP_TEXT, fin: false, payload: 'Hel' }, '01 03 48 65 6c'],
    ['last fragment', { opcode: OP_CONTINUATION, payload: 'lo' }, '80 02 6c 6f'],
    ['unmasked ping', { opcode: OP_PING, payload: 'Hello' }, '89 05 48 65 6c 6c 6f'],
    ['masked pong', { opcode: OP_PONG, payload: 'Hello', maskKey: MASK }, '8a 85 37 fa 21 3d 7f 9f 4d 51 58'],
    ['compressed (RFC 7692)', { opcode: OP_TEXT, rsv1: true, payload: hex('f2 48 cd c9 c9 07 00') }, 'c1 07 f2 48 cd c9 c9 07 00'],
  ] as [string, FrameSpec, string][])('%s', (_, spec, bytes) => {
    expect(encodeFrame(spec).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  test('256 and 65536 bytes of binary', () => {
    expect(encodeFrame({ opcode: OP_BINARY, payload: Buffer.alloc(256) }).subarray(0, 4).toString('hex')).toBe('827e0100');
    const big = encodeFrame({ opcode: OP_BINARY, payload: Buffer.alloc(65536) });
    expect(big.subarray(0, 10).toString('hex')).toBe('827f0000000000010000');
    expect(big.length).toBe(65546);
  });
});

describe('flags and lengths', () => {
  test('every flag and opcode, masked or not, round-trips', () => {
    for (let opcode = 0; opcode < 16; opcode++) {
      for (let flags = 0; flags < 16; flags++) {
        for (const maskKey of [null, MASK]) {
          const spec = { opcode, fin: (flags & 8) !== 0, rsv1: (flags & 4) !== 0, rsv2: (flags & 2) !== 0, rsv3: (flags & 1) !== 0, maskKey, payload: 'abcdefg' };
          const { header, payload } = parse(encodeFrame(spec));
          expect(header).toMatchObject({ opcode, fin: spec.fin, rsv1: spec.rsv1, rsv2: spec.rsv2, rsv3: spec.rsv3, masked: maskKey !== null });
          expect(payload.toString()).toBe('abcdefg');
        }
      }
    }
  });

  test.each([0, 1, 125, 126, 127, 1000, 65535, 65536, 70000])('a %i-byte payload uses the shortest length and round-trips', (n) => {
    const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 31) & 0xff));
    for (const maskKey of [null, MASK]) {
      const bytes = encodeFrame({ opcode: OP_BINARY, payload: data, maskKey });
      const { header, payload } = parse(bytes);
      expect(header).toMatchObject({ payloadLength: n, lengthBits: n < 126 ? 7 : n < 65536 ? 16 : 64, lengthNotMinimal: false });
      expect(bytes.length).toBe(header.headerLength + n);
      expect(payload.equals(data)).toBe(true);
    }
  });

  test('a forced longer length encoding', () => {
    expect(encodeFrame({ opcode: OP_TEXT, payload: 'a', lengthBits: 16 }).toString('hex')).toBe('817e000161');
    expect(encodeFrame({ opcode: OP_TEXT, payload: 'a', lengthBits: 64 }).toString('hex')).toBe('817f000000000000000161');
    expect(parse(encodeFrame({ opcode: OP_TEXT, payload: 'abc', lengthBits: 64, maskKey: MASK }))).toMatchObject({
      header: { payloadLength: 3, lengthBits: 64, headerLength: 14, lengthNotMinimal: true },
      payload: Buffer.from('abc'),
    });
  });

  test('a declared length that differs from the payload', () => {
    expect(encodeFrame({ opcode: OP_BINARY, declaredLength: 2n ** 63n }).toString('hex')).toBe('827f8000000000000000');
    expect(encodeFrame({ opcode: OP_BINARY, declaredLength: 2n ** 64n - 1n }).toString('hex')).toBe('827fffffffffffffffff');
    expect(encodeFrame({ opcode: OP_BINARY, declaredLength: 10, payload: 'abc' }).toString('hex')).toBe('820a616263');
    expect(encodeFrame({ opcode: OP_BINARY, declaredLength: 300 }).toString('hex')).toBe('827e012c');
    expect(encodeFrame({ opcode: OP_PING, declaredLength: 0, payload: 'x', maskKey: MASK }).toString('hex')).toBe('898037fa213d4f'); // 'x' ^ 37
  });

  test('the payload given is never modified by masking', () => {
    const payload = Buffer.from('do not touch');
    encodeFrame({ opcode: OP_TEXT, payload, maskKey: MASK });
    expect(payload.toString()).toBe('do not touch');
  });
});

describe('close frames', () => {
  test('closePayload: the code in network byte order, then the UTF-8 reason', () => {
    expect(closePayload(1000).toString('hex')).toBe('03e8');
    expect(closePayload(1001, 'bye').toString('hex')).toBe('03e9627965');
    expect(closePayload(4999, 'é').toString('hex')).toBe('1387c3a9');
  });

  test('encodeClose, unmasked and masked', () => {
    expect(encodeClose(1002).toString('hex')).toBe('880203ea');
    const masked = encodeClose(1000, 'bye', key('01020304'));
    // 03^01 e8^02 62^03 79^04 65^01
    expect(masked.toString('hex')).toBe('888501020304' + '02ea617d64');
    const { header, payload } = parse(masked);
    expect(header).toMatchObject({ opcode: OP_CLOSE, masked: true, payloadLength: 5 });
    expect(payload.toString('hex')).toBe('03e8627965');
  });
});
