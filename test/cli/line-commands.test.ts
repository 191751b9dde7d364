import { expect, test } from 'vitest';
import { parseLine } from '../../src/cli/line-commands.js';
import { splitInto } from '../../src/client/connection.js';

test.each([
  ['hello', { kind: 'text', text: 'hello' }],
  ['  spaced  ', { kind: 'text', text: '  spaced  ' }],
  ['', { kind: 'nothing' }],
  ['//etc/passwd', { kind: 'text', text: '/etc/passwd' }],
  ['/binary 01 02 ff', { kind: 'binary', bytes: Buffer.from([1, 2, 255]) }],
  ['/binary 0x01,0x02', { kind: 'binary', bytes: Buffer.from([1, 2]) }],
  ['/ping', { kind: 'ping', payload: '' }],
  ['/ping are you there', { kind: 'ping', payload: 'are you there' }],
  ['/close', { kind: 'close', code: 1000, reason: '' }],
  ['/close 4000', { kind: 'close', code: 4000, reason: '' }],
  ['/close 1001 going away', { kind: 'close', code: 1001, reason: 'going away' }],
  ['/close bye', { kind: 'close', code: 1000, reason: 'bye' }],
  ['/fragment 3 hello world', { kind: 'fragment', count: 3, text: 'hello world' }],
  ['/help', { kind: 'help' }],
])('%j', (line, action) => expect(parseLine(line)).toEqual(action));

test.each([
  ['/binary zz', '/binary: not hex at column 1 ("z"): give bytes like 81, 0x81 or 8185'],
  ['/binary 123', '/binary: column 1: "123" has an odd number of hex digits (each byte takes two)'],
  [`/ping ${'x'.repeat(126)}`, '/ping: the payload is 126 bytes; control frames allow 125'],
  ['/close 70000', '/close: expected /close [code] [reason], the code a number like 1000'],
  [`/close 1000 ${'x'.repeat(124)}`, '/close: the reason is too long; it may take 123 bytes'],
  ['/fragment 0 x', '/fragment: expected /fragment N TEXT, N at least 1'],
  ['/fragment x', '/fragment: expected /fragment N TEXT, N at least 1'],
  ['/frobnicate', 'unknown command /frobnicate (try /help; //text sends "/text")'],
])('%j is refused', (line, message) => expect(parseLine(line)).toEqual({ kind: 'invalid', message }));

test('splitInto: as even as can be, the first pieces longer, empty pieces when there are few bytes', () => {
  const sizes = (length: number, count: number) => splitInto(Buffer.alloc(length), count).map((b) => b.length);
  expect(sizes(11, 3)).toEqual([4, 4, 3]);
  expect(sizes(2, 4)).toEqual([1, 1, 0, 0]);
  expect(sizes(5, 1)).toEqual([5]);
  expect(Buffer.concat(splitInto(Buffer.from('héllo'), 3)).toString()).toBe('héllo');
});
