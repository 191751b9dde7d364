/** unmaskInto against a byte-at-a-time reference (RFC 6455 5.3): every phase, every alignment. */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { MaskScratch, unmaskInto } from '../../src/inspector/unmask.js';

/** "Octet i of the transformed data is the XOR of octet i of the original data with octet at index i modulo 4 of the masking key." */
function reference(src: Uint8Array, mask: Uint8Array, phase: number): Uint8Array {
  return src.map((b, i) => b ^ mask[(phase + i) % 4]!);
}

const MASKS = [Uint8Array.of(0x37, 0xfa, 0x21, 0x3d), Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff), Uint8Array.of(1, 2, 3, 4)];

describe('unmaskInto', () => {
  test('every length 0-70, phase 0-3, and destination/source alignment 0-7', () => {
    for (const mask of MASKS) {
      for (let length = 0; length <= 70; length++) {
        const src0 = randomBytes(length);
        for (let phase = 0; phase < 4; phase++) {
          const want = reference(src0, mask, phase);
          for (let align = 0; align < 8; align++) {
            const dst = new Uint8Array(new ArrayBuffer(length + 16), align, length + 8).fill(0xee);
            const src = new Uint8Array(new ArrayBuffer(length + 8), (align * 3) % 8, length);
            src.set(src0);
            unmaskInto(dst, src, mask, phase);
            expect(Buffer.from(dst.subarray(0, length)).equals(Buffer.from(want))).toBe(true);
            expect(dst.subarray(length).every((b) => b === 0xee)).toBe(true); // nothing past src.length
            expect(Buffer.from(src).equals(src0)).toBe(true); // the source is never touched
          }
        }
      }
    }
  });

  test('a payload unmasked in pieces, each with its phase, equals the whole', () => {
    const mask = MASKS[0]!;
    const payload = randomBytes(10_000);
    const want = reference(payload, mask, 0);
    for (const piece of [1, 2, 3, 5, 7, 64, 1000, 4097]) {
      const out = Buffer.alloc(payload.length);
      for (let at = 0; at < payload.length; at += piece) {
        const src = payload.subarray(at, at + piece);
        unmaskInto(out.subarray(at), src, mask, at & 3);
      }
      expect(out.equals(Buffer.from(want))).toBe(true);
    }
  });

  test('unmasking twice gives the original back (masking is its own inverse)', () => {
    const payload = randomBytes(1000);
    const once = Buffer.alloc(1000);
    const twice = Buffer.alloc(1000);
    unmaskInto(once, payload, MASKS[3]!, 2);
    unmaskInto(twice, once, MASKS[3]!, 2);
    expect(twice.equals(payload)).toBe(true);
  });

  test('RFC 6455 5.7: the masked "Hello"', () => {
    const out = Buffer.alloc(5);
    unmaskInto(out, Buffer.from('7f9f4d5158', 'hex'), MASKS[0]!, 0);
    expect(out.toString()).toBe('Hello');
  });
});

describe('MaskScratch', () => {
  const reference = (src: Uint8Array, mask: Uint8Array, phase: number) => src.map((b, i) => b ^ mask[(phase + i) & 3]!);
  const mask = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
  // Sizes around each path: the byte loop (< 32), the word loop, and the native call (>= 256 when bufferutil loads).
  test.each([0, 1, 31, 32, 33, 255, 256, 257, 4096 + 3, MaskScratch.SIZE])('%i bytes, every phase and source offset', (size) => {
    const src = Uint8Array.from({ length: size + 8 }, (_, i) => (i * 131 + 7) & 0xff);
    const scratch = new MaskScratch();
    for (const start of [0, 1, 3]) {
      const end = Math.min(src.length, start + size);
      for (let phase = 0; phase < 4; phase++) {
        const n = scratch.unmask(src, start, end, mask, phase);
        expect(n).toBe(end - start);
        expect(Buffer.from(scratch.bytes.subarray(0, n))).toEqual(Buffer.from(reference(src.subarray(start, end), mask, phase)));
      }
    }
  });
});

test('unmaskTo writes any range of the source, masked or copied, at any place and phase, as the byte-wise definition', async () => {
  const fc = (await import('fast-check')).default;
  const { unmaskTo } = await import('../../src/inspector/unmask.js');
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 700 }), // across the size where the native loop takes over
      fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: null }),
      fc.nat(3),
      fc.nat(8),
      fc.nat(),
      fc.nat(),
      (src, mask, phase, at, a, b) => {
        const start = src.length === 0 ? 0 : a % (src.length + 1);
        const end = start + (src.length === 0 ? 0 : b % (src.length - start + 1));
        const dst = new Uint8Array(at + end - start + 3).fill(7);
        const expected = dst.slice();
        for (let i = 0; i < end - start; i++) expected[at + i] = src[start + i]! ^ (mask ? mask[(phase + i) & 3]! : 0);
        unmaskTo(dst, at, src, start, end, mask, phase);
        expect(Buffer.from(dst).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
      },
    ),
    { numRuns: 400 },
  );
});
