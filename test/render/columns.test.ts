/** Terminal columns: one function for every view, right for CJK, emoji, combining marks and colour codes. */
import { expect, test } from 'vitest';
import { Chalk } from 'chalk';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { DirectionInspector } from '../../src/inspector/direction.js';
import { renderFrameBreakdown } from '../../src/render/frame-breakdown.js';
import { NARROW_GLYPHS, columns } from '../../src/render/pretty-text.js';
import stringWidth from 'string-width';

test.each([
  ['plain ASCII', 'hello', 5],
  ['CJK takes two columns each', '日本語', 6],
  ['Hangul', '한국어', 6],
  ['an emoji takes two', '😀', 2],
  ['a combining mark takes none', 'e\u0301', 1],
  ['colour codes take none', '\x1b[31mab\x1b[39m', 2],
])('%s', (_name, text, expected) => {
  expect(columns(text)).toBe(expected);
});

test("the views' own marks counted directly are one column each, as string-width counts them", () => {
  for (const glyph of NARROW_GLYPHS) expect(stringWidth(glyph), glyph).toBe(1);
  expect(columns('#1 12:00:00.000 C→S text 64 B "ab…"')).toBe(stringWidth('#1 12:00:00.000 C→S text 64 B "ab…"'));
  expect(columns('✔\uFE0F')).toBe(stringWidth('✔\uFE0F')); // a variation selector after a mark: string-width decides
});

test('the decode view keeps a CJK text message within 80 columns', () => {
  const text = '日本語のテキスト'.repeat(5); // 40 characters, 80 columns, 120 bytes
  const bytes = encodeFrame({ opcode: 1, payload: text });
  const out = renderFrameBreakdown(bytes, new DirectionInspector({ side: 'server' }).push(bytes), { chalk: new Chalk({ level: 0 }) });
  for (const line of out.split('\n')) expect(columns(line), line).toBeLessThanOrEqual(80);
  expect(out).toContain('日本語');
});
