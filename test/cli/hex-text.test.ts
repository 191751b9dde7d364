import { describe, expect, test } from 'vitest';
import { parseHexText } from '../../src/cli/hex-text.js';
import { UsageError } from '../../src/cli/errors.js';

/** `\x81\x05Hello, this is a longer line of text!!`: 40 bytes, as each tool prints it. */
const BYTES = Buffer.concat([Buffer.from([0x81, 0x05]), Buffer.from('Hello, this is a longer line of text!!')]);

const XXD = `00000000: 8105 4865 6c6c 6f2c 2074 6869 7320 6973  ..Hello, this is
00000010: 2061 206c 6f6e 6765 7220 6c69 6e65 206f   a longer line o
00000020: 6620 7465 7874 2121                      f text!!
`;
const XXD_G1 = `00000000: 81 05 48 65 6c 6c 6f 2c 20 74 68 69 73 20 69 73  ..Hello, this is
00000010: 20 61 20 6c 6f 6e 67 65 72 20 6c 69 6e 65 20 6f   a longer line o
00000020: 66 20 74 65 78 74 21 21                          f text!!
`;
const HEXDUMP_C = `00000000  81 05 48 65 6c 6c 6f 2c  20 74 68 69 73 20 69 73  |..Hello, this is|
00000010  20 61 20 6c 6f 6e 67 65  72 20 6c 69 6e 65 20 6f  | a longer line o|
00000020  66 20 74 65 78 74 21 21                           |f text!!|
00000028
`;
const WIRESHARK = `0000   81 05 48 65 6c 6c 6f 2c 20 74 68 69 73 20 69 73   ..Hello, this is
0010   20 61 20 6c 6f 6e 67 65 72 20 6c 69 6e 65 20 6f    a longer line o
0020   66 20 74 65 78 74 21 21                           f text!!
`;
const TSHARK = `0000  81 05 48 65 6c 6c 6f 2c 20 74 68 69 73 20 69 73   ..Hello, this is
0010  20 61 20 6c 6f 6e 67 65 72 20 6c 69 6e 65 20 6f    a longer line o
0020  66 20 74 65 78 74 21 21                           f text!!
`;

describe('parseHexText', () => {
  test.each([
    ['xxd', XXD],
    ['xxd -g1', XXD_G1],
    ['hexdump -C', HEXDUMP_C],
    ['Wireshark "Copy as Hex Dump"', WIRESHARK],
    ['tshark -x', TSHARK],
    ['\\x escapes', `'${Array.from(BYTES, (b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'`],
    ['hex words', BYTES.toString('hex').replace(/(..)/g, '$1 ')],
  ])('%s: the offset and ASCII columns are ignored', (_name, text) => {
    expect(parseHexText(text)).toEqual(BYTES);
  });

  test('an ASCII column that looks like hex is not read as bytes', () => {
    // "ab" is both the bytes 61 62 and, in the ASCII column, the hex byte ab.
    expect(parseHexText('00000000: 6162  ab\n')).toEqual(Buffer.from('ab'));
    expect(parseHexText('00000000  61 62 63 64 65 66 67 68  |abcdefgh|\n')).toEqual(Buffer.from('abcdefgh'));
    expect(parseHexText('0000   61 62   ab\n')).toEqual(Buffer.from('ab'));
  });

  test.each([
    ['81 0g 00', 'not hex at column 5 ("g")'],
    ['81 zz', 'not hex at column 4 ("z")'],
    ['81 05\n48 6x', 'not hex at line 2, column 5 ("x")'],
    ['81 8', 'column 4: "8" has an odd number of hex digits'],
    ['\\x81\\x8', 'not hex at column 5 ("\\\\")'],
    ['00000000: 8105 4865  ..He\n00000010: 6c6c  ll\n', 'line 2: offset 00000010 does not follow the 4 bytes before it'],
    ['00000000  81 05 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n', 'hexdump -vC'],
  ])('%j is a usage error naming where', (text, message) => {
    expect(() => parseHexText(text)).toThrow(UsageError);
    expect(() => parseHexText(text)).toThrow(message);
  });
});
