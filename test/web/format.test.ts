/** How the page writes wire strings: JSON strings stay valid JSON, and nothing in them can disguise the text. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { jsonString } from '../../web/src/format.js';

/** Code points where the interesting ones are: controls, bidi and format characters, lone surrogates, astral planes. */
const codePoint = fc.oneof(
  fc.integer({ min: 0, max: 0x2070 }),
  fc.integer({ min: 0xd800, max: 0xdfff }),
  fc.integer({ min: 0xfe00, max: 0xffff }),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
);
const wireString = fc.array(codePoint, { maxLength: 40 }).map((codes) => String.fromCodePoint(...codes));

describe('jsonString', () => {
  test('quotes and escapes as JSON does; bidi, C1, DEL and line separators become \\u escapes', () => {
    expect(jsonString('said "hi" \\o/')).toBe('"said \\"hi\\" \\\\o/"');
    expect(jsonString('a\u202Eb\u0085c\u007Fd\u2028e\n')).toBe('"a\\u202eb\\u0085c\\u007fd\\u2028e\\n"');
    expect(jsonString('tag \u{E0041}')).toBe('"tag \\udb40\\udc41"');
  });

  test('any string: parses back to itself, and shows no control or format character raw', () => {
    fc.assert(
      fc.property(wireString, (text) => {
        const shown = jsonString(text);
        expect(JSON.parse(shown)).toBe(text);
        expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u);
      }),
    );
  });
});
