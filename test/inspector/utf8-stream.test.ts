/** Streaming UTF-8 validation: text split at every offset, in every piece size; the invalid cases of RFC 3629. */
import { describe, expect, test } from 'vitest';
import { Utf8Validator, incompleteTailLength } from '../../src/inspector/utf8-stream.js';
import { hex } from '../helpers/decode.js';

function validate(bytes: Uint8Array, pieces: number[]): boolean {
  const v = new Utf8Validator();
  let ok = true;
  let at = 0;
  for (const n of pieces) {
    ok = v.push(bytes.subarray(at, at + n)) && ok;
    at += n;
  }
  ok = v.push(bytes.subarray(at)) && ok;
  return v.end() && ok;
}

/** The validator's verdict for `bytes` whole, split once at every offset, twice at every pair, and byte by byte. */
function verdicts(bytes: Uint8Array): Set<boolean> {
  const out = new Set<boolean>([validate(bytes, [])]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    out.add(validate(bytes, [cut]));
    for (let cut2 = cut; cut2 <= bytes.length; cut2++) out.add(validate(bytes, [cut, cut2 - cut]));
  }
  out.add(validate(bytes, Array(bytes.length).fill(1)));
  return out;
}

const VALID = [
  '',
  'Hello',
  'é', // 2 bytes
  '€', // 3 bytes
  '𝄞', // 4 bytes
  'aé€𝄞b€€𝄞𝄞é',
  '\u0000\u007f\u0080\u07ff\u0800\uffff', // boundaries of each length
  '\ud7ff\ue000\u{10000}\u{10ffff}', // around the surrogates and the top
  'Привет, мир! こんにちは 🌍',
];

const INVALID: [string, string][] = [
  ['lone continuation', '80'],
  ['continuation after ASCII', '41 bf'],
  ['C0 overlong', 'c0 80'],
  ['C1 overlong', 'c1 bf'],
  ['E0 overlong', 'e0 9f bf'],
  ['F0 overlong', 'f0 8f bf bf'],
  ['surrogate D800', 'ed a0 80'],
  ['surrogate DFFF', 'ed bf bf'],
  ['above U+10FFFF', 'f4 90 80 80'],
  ['F5 lead', 'f5 80 80 80'],
  ['FE', 'fe'],
  ['FF', 'ff'],
  ['truncated 2-byte at end', '61 c3'],
  ['truncated 3-byte at end', '61 e2 82'],
  ['truncated 4-byte at end', 'f0 9d 84'],
  ['lead then ASCII', 'e2 41 82 ac'],
  ['too many continuations', 'e2 82 ac 80'],
  ['valid then invalid', 'e2 82 ac ff e2 82 ac'],
];

describe('Utf8Validator', () => {
  test.each(VALID)('valid %j at every split', (text) => {
    const bytes = Buffer.from(text);
    expect(verdicts(bytes)).toEqual(new Set([true]));
    expect(new Utf8Validator().valid).toBe(true);
  });

  test.each(INVALID)('invalid: %s (%s) at every split', (_, bytes) => {
    const b = hex(bytes);
    expect(verdicts(b)).toEqual(new Set([false]));
    expect(verdicts(Buffer.concat([Buffer.from('prefix €'), b, Buffer.from('suffix 𝄞')]))).toEqual(new Set([false]));
  });

  test('agrees with Node\'s TextDecoder on random byte strings of likely-UTF-8 bytes', () => {
    const alphabet = [0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0x82, 0xa0, 0x90, 0x9f];
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < 1000; i++) {
      const bytes = Uint8Array.from({ length: 1 + (i % 9) }, () => alphabet[Math.floor(Math.random() * alphabet.length)]!);
      let expected = true;
      try {
        decoder.decode(bytes);
      } catch {
        expected = false;
      }
      expect(verdicts(bytes), Buffer.from(bytes).toString('hex')).toEqual(new Set([expected]));
    }
  });

  test('once invalid, stays invalid', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('ff'))).toBe(false);
    expect(v.push(Buffer.from('fine'))).toBe(false);
    expect(v.end()).toBe(false);
    expect(v.valid).toBe(false);
  });

  test('push reports invalid as soon as no continuation could make the bytes valid', () => {
    const overlong = new Utf8Validator();
    expect(overlong.push(hex('61 e0'))).toBe(true); // E0 A0-BF .. would be fine
    expect(overlong.push(hex('80'))).toBe(false); // E0 80 .. is overlong whatever follows
    const interrupted = new Utf8Validator();
    expect(interrupted.push(hex('f0'))).toBe(true);
    expect(interrupted.push(hex('41'))).toBe(false); // a lead cut off by ASCII, though 2 more bytes were due
    for (const [bytes, ok] of [['ed 9f', true], ['ed a0', false], ['f4 8f bf', true], ['f4 90', false], ['f0 90', true], ['f0 8f', false]] as const) {
      expect(new Utf8Validator().push(hex(bytes)), bytes).toBe(ok);
    }
  });

  test('the verdict after every push depends only on the bytes so far, not on the split', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    /** Whether `bytes` can begin some valid UTF-8 text. */
    const prefixOk = (bytes: Uint8Array) =>
      [[], [0x80], [0x80, 0x80], [0x80, 0x80, 0x80], [0xa0], [0xa0, 0x80], [0x90], [0x90, 0x80], [0x90, 0x80, 0x80], [0x8f, 0x80, 0x80], [0x9f, 0x80]].some((pad) => {
        try {
          decoder.decode(Uint8Array.from([...bytes, ...pad]));
          return true;
        } catch {
          return false;
        }
      });
    const alphabet = [0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc2, 0xe0, 0xe2, 0xed, 0xf0, 0xf4, 0xff];
    for (let i = 0; i < 1000; i++) {
      const bytes = Uint8Array.from({ length: 1 + (i % 7) }, () => alphabet[Math.floor(Math.random() * alphabet.length)]!);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const v = new Utf8Validator();
        v.push(bytes.subarray(0, cut));
        expect(v.valid, `${Buffer.from(bytes.subarray(0, cut)).toString('hex')}`).toBe(prefixOk(bytes.subarray(0, cut)));
        v.push(bytes.subarray(cut));
        expect(v.valid, `${Buffer.from(bytes).toString('hex')} cut at ${cut}`).toBe(prefixOk(bytes));
      }
    }
  });

  test('validators carrying unfinished sequences at the same time do not mix them up', () => {
    const euro = hex('e2 82 ac'); // €
    const clef = hex('f0 9d 84 9e'); // 𝄞
    const one = new Utf8Validator();
    const two = new Utf8Validator();
    expect(one.push(euro.subarray(0, 1))).toBe(true);
    expect(two.push(clef.subarray(0, 2))).toBe(true);
    expect(one.push(euro.subarray(1, 2))).toBe(true);
    expect(two.push(clef.subarray(2, 3))).toBe(true);
    expect(one.push(euro.subarray(2))).toBe(true);
    expect(two.push(clef.subarray(3))).toBe(true);
    expect([one.end(), two.end()]).toEqual([true, true]);
    // And a wrong continuation is caught for the right one.
    const three = new Utf8Validator();
    const four = new Utf8Validator();
    three.push(euro.subarray(0, 2));
    four.push(clef.subarray(0, 2));
    expect(three.push(hex('41'))).toBe(false);
    expect(four.push(clef.subarray(2))).toBe(true);
  });

  test('empty pushes change nothing', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('e2'))).toBe(true);
    expect(v.push(new Uint8Array(0))).toBe(true);
    expect(v.push(hex('82 ac'))).toBe(true);
    expect(v.end()).toBe(true);
  });
});

describe('incompleteTailLength', () => {
  test.each([
    ['', 0],
    ['61', 0],
    ['c3', 1],
    ['c3 a9', 0],
    ['e2', 1],
    ['e2 82', 2],
    ['e2 82 ac', 0],
    ['f0 9d 84', 3],
    ['f0 9d 84 9e', 0],
    ['80', 0],
    ['ff', 0],
    ['80 80 80', 0],
    ['61 f0', 1],
  ])('%s → %i', (bytes, n) => {
    expect(incompleteTailLength(hex(bytes))).toBe(n);
  });
});
