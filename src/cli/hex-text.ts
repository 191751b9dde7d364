/**
 * Hex text for `wsinspect decode`, in the layouts people paste:
 * - hex words: `81 85 37fa`, `0x81,0x85`, `81:85:37:fa`
 * - `\x81\x85` escapes (as printf, Python and C write bytes)
 * - dumps with an offset column and an ASCII column, both ignored:
 *   `xxd` (`00000000: 8185 37fa  ..7.`), `hexdump -C` (`00000000  81 85 ...  |..7.|`)
 *   and Wireshark's "Copy as Hex Dump" / `tshark -x` (`0000   81 85 ...   ..7.`).
 * Anything else is a usage error naming the line (when there are several) and column.
 */
import { UsageError } from './errors.js';

/** Says where in the text something is: `column 7`, or `line 2, column 7`. */
type Where = (line: number, column: number) => string;

/** The bytes the text spells; throws a UsageError at the first thing that is not hex. */
export function parseHexText(text: string): Buffer {
  const lines = text.split(/\r?\n/);
  const oneLine = lines.filter((line) => line.trim() !== '').length <= 1;
  const where: Where = (line, column) => (oneLine ? `column ${column + 1}` : `line ${line + 1}, column ${column + 1}`);
  if (/\\x/i.test(text)) return Buffer.concat(lines.map((line, i) => parseEscapesLine(line, i, where)));
  if (isDump(lines)) return parseDump(lines, where);
  return Buffer.concat(lines.map((line, i) => parseWordsLine(line, i, where)));
}

/** One line of `\x81\x85`, escapes optionally separated by spaces, commas or quotes. */
function parseEscapesLine(line: string, index: number, where: Where): Buffer {
  const bytes: number[] = [];
  const escape = /\\x([0-9a-f]{2})|[\s,'"]+/giy;
  while (escape.lastIndex < line.length) {
    const at = escape.lastIndex;
    const match = escape.exec(line);
    if (!match) throw notHex(line[at]!, where(index, at), 'expected \\xHH escapes');
    if (match[1]) bytes.push(parseInt(match[1], 16));
  }
  return Buffer.from(bytes);
}

const SEPARATOR = /[\s,:]/;

/** One line of hex words; each word may hold many bytes (`37fa213d`) and start with 0x. */
function parseWordsLine(line: string, index: number, where: Where): Buffer {
  const parts: Buffer[] = [];
  const word = /(?:0x)?([0-9a-f]+)|[\s,:]+/giy;
  const hint = 'give bytes like 81, 0x81 or 8185';
  while (word.lastIndex < line.length) {
    const at = word.lastIndex;
    const match = word.exec(line);
    if (!match) throw notHex(line[at]!, where(index, at), hint);
    const digits = match[1];
    if (digits === undefined) continue;
    // A word ends at a separator: `0g` fails at the g, not as "0" then "g".
    const end = word.lastIndex;
    if (end < line.length && !SEPARATOR.test(line[end]!)) throw notHex(line[end]!, where(index, end), hint);
    if (digits.length % 2 !== 0) {
      throw new UsageError(`${where(index, at)}: "${line.slice(at, end)}" has an odd number of hex digits (each byte takes two)`);
    }
    parts.push(Buffer.from(digits, 'hex'));
  }
  return Buffer.concat(parts);
}

/** An offset column: 4 to 8 hex digits, then a colon (xxd) or two spaces or more (hexdump -C, Wireshark), or the end. */
const OFFSET = /^([0-9a-f]{4,8})(?::\s*|\s{2,}|\s*$)/i;

/** A dump starts at offset zero, its offset column set off by a colon or two spaces, as no list of hex words is. */
function isDump(lines: string[]): boolean {
  const first = lines.find((line) => line.trim() !== '')?.trimStart();
  const offset = first === undefined ? null : OFFSET.exec(first);
  return offset !== null && /^0+$/.test(offset[1]!) && /^(:|\s{2})/.test(first!.slice(offset[1]!.length));
}

function parseDump(lines: string[], where: Where): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  lines.forEach((raw, index) => {
    const line = raw.trimStart();
    if (line.trim() === '') return;
    if (line.trim() === '*') {
      throw new UsageError(`line ${index + 1}: hexdump left out repeated lines ("*"); dump with hexdump -vC to keep them`);
    }
    const offset = OFFSET.exec(line);
    if (!offset) throw notHex(line[0]!, where(index, raw.length - line.length), 'expected an offset column, as on the first line');
    if (parseInt(offset[1]!, 16) !== total) {
      throw new UsageError(`line ${index + 1}: offset ${offset[1]} does not follow the ${total} bytes before it`);
    }
    const bytes = dumpBytes(line.slice(offset[0].length), line.endsWith('|'));
    parts.push(bytes);
    total += bytes.length;
  });
  return Buffer.concat(parts);
}

/**
 * The hex column of a dump line, up to where its ASCII column starts: groups
 * of hex digits one space apart (hexdump -C, whose ASCII column is set in
 * `|...|`, also puts two spaces after the eighth byte); any other gap starts
 * the ASCII column, which is ignored.
 */
function dumpBytes(rest: string, hexdumpC: boolean): Buffer {
  const bytes: Buffer[] = [];
  let count = 0;
  const group = /(?:[0-9a-f]{2})+(?= |$)/iy;
  for (;;) {
    const match = group.exec(rest);
    if (!match) break;
    bytes.push(Buffer.from(match[0], 'hex'));
    count += match[0].length / 2;
    if (rest.startsWith(' ', group.lastIndex) && rest[group.lastIndex + 1] !== ' ') group.lastIndex += 1;
    else if (hexdumpC && count === 8 && rest.startsWith('  ', group.lastIndex)) group.lastIndex += 2;
    else break;
  }
  return Buffer.concat(bytes);
}

function notHex(char: string, at: string, hint: string): UsageError {
  return new UsageError(`not hex at ${at} (${JSON.stringify(char)}): ${hint}`);
}
