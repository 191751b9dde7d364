import { describe, expect, test } from 'vitest';
import { BODY_LINES, bodyLines } from '../../src/render/body-lines.js';

const lines = (text: string, size = Buffer.byteLength(text)) => bodyLines(Buffer.from(text), size);

describe('the first lines of a refusal body', () => {
  test('text: blank lines dropped, control characters escaped', () => {
    expect(lines('Forbidden\r\n\r\n  origin \x1b[2J not allowed  \n')).toEqual(['Forbidden', '  origin \\x1b[2J not allowed']);
  });

  test('more lines than shown, or more bytes than kept: the rest is counted', () => {
    const many = Array.from({ length: BODY_LINES + 2 }, (_, i) => `l${i}`).join('\n');
    const shown = lines(many);
    expect(shown).toHaveLength(BODY_LINES + 1);
    expect(shown.at(-1)).toBe(`… (${Buffer.byteLength(many) - Buffer.byteLength(many.split('\n').slice(0, BODY_LINES).join('\n'))} more bytes)`);
    expect(lines('short', 9000).at(-1)).toBe('… (8995 more bytes)');
  });

  test('a preview cut inside a character is still text; bytes that are not UTF-8 are binary', () => {
    const euro = Buffer.from('price: 5 €');
    expect(bodyLines(euro.subarray(0, euro.length - 1), 100)).toEqual(['price: 5', '… (91 more bytes)']);
    expect(bodyLines(Buffer.from([0xff, 0x00, 0x01]), 3)).toEqual(['(3 bytes of binary data)']);
    expect(lines('a\0b')).toEqual(['(3 bytes of binary data)']);
    expect(lines('')).toEqual(['(empty body)']);
  });
});
