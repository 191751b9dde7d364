/** Option parsers: sizes for --keep. */
import { expect, test } from 'vitest';
import { parseSize } from '../../src/cli/options.js';
import { UsageError } from '../../src/cli/errors.js';

test.each([
  ['1000', 1000],
  ['512KiB', 512 * 1024],
  ['256MiB', 256 * 1024 ** 2],
  ['256M', 256 * 1024 ** 2],
  ['1.5GiB', 1.5 * 1024 ** 3],
  ['100MB', 100_000_000],
  ['2kb', 2000],
])('parseSize(%j) = %i', (text, bytes) => {
  expect(parseSize(text, '--keep')).toBe(bytes);
});

test.each(['', 'MiB', '-1', '12 parsecs', '1e9'])('parseSize(%j) is a usage error', (text) => {
  expect(() => parseSize(text, '--keep')).toThrow(UsageError);
});
