/** A store segment: batches written with one encoding, events read back and copied exactly. */
import { describe, expect, test } from 'vitest';
import { Kind, Segment } from '../../src/ui/segment.js';

const batch = (jsons: string[]) => jsons.map((json) => `${json},`).join('');
const all = (segment: Segment) => Array.from({ length: segment.length }, (_, i) => segment.json(i));

describe('Segment', () => {
  test('pushAll: ASCII and non-ASCII batches, offsets exact', () => {
    const segment = new Segment(Buffer.alloc(1024));
    const ascii = ['{"a":1}', '{"b":"two"}'];
    const wide = ['{"t":"é ✓"}', '{"t":"🙂"}', '{"u":3}'];
    expect(segment.pushAll(batch(ascii), ascii, 10, [1, 1], [Kind.Context, Kind.Traffic])).toBe(true);
    expect(segment.pushAll(batch(wide), wide, 12, [2, 2, 2], [Kind.Traffic, Kind.Traffic, Kind.Traffic])).toBe(true);
    expect(all(segment)).toEqual([...ascii, ...wide]);
    expect([segment.seq(4), segment.conn(4), segment.size(2)]).toEqual([14, 2, Buffer.byteLength(wide[0]!)]);
    const lines = `${[ascii[1], ...wide.slice(0, 2)].join('\n')}\n`;
    expect(segment.lines(1, 4).toString()).toBe(lines);
    const into = Buffer.alloc(64, '#');
    expect(segment.lines(1, 4, into).buffer).toBe(into.buffer); // large enough: written into
    expect(into.toString()).toBe(lines + '#'.repeat(64 - Buffer.byteLength(lines)));
    expect(segment.lines(0, 5, Buffer.alloc(8)).toString()).toBe(`${[...ascii, ...wide].join('\n')}\n`); // too small: new memory
  });

  test('pushAll: a batch whose characters fit but whose UTF-8 does not writes nothing', () => {
    const segment = new Segment(Buffer.alloc(32));
    const first = ['{"a":1}'];
    segment.pushAll(batch(first), first, 0, [1], [Kind.Context]);
    const wide = ['"✓✓✓✓✓✓✓✓✓✓"']; // 12 characters, 32 bytes
    expect(segment.free).toBeGreaterThan(batch(wide).length);
    expect(segment.pushAll(batch(wide), wide, 1, [1], [Kind.Traffic])).toBe(false);
    expect(all(segment)).toEqual(first);
    expect(segment.free).toBe(32 - 8);
  });

  test('copyFrom appends the chosen events, runs and gaps alike, while they fit, and says where to go on', () => {
    const segment = new Segment(Buffer.alloc(4096));
    const jsons = Array.from({ length: 12 }, (_, i) => JSON.stringify({ i, t: 'é'.repeat(i) }));
    segment.pushAll(batch(jsons), jsons, 100, jsons.map((_, i) => i % 3), jsons.map(() => Kind.Traffic));
    const picked = [0, 1, 2, 5, 7, 8, 11];
    const bytes = (indices: number[]) => indices.reduce((sum, i) => sum + segment.size(i) + 1, 0);
    // Room for the first three and most of the fourth: a run is cut where it stops fitting.
    const first = new Segment(Buffer.alloc(bytes([0, 1, 2, 5]) - 1));
    const next = first.copyFrom(segment, picked, 0);
    expect(next).toBe(3);
    const second = new Segment(Buffer.alloc(4096));
    second.pushAll('{"before":1},', ['{"before":1}'], 99, [7], [Kind.Context]); // appended after what is there
    expect(second.copyFrom(segment, picked, next)).toBe(picked.length);
    expect([...all(first), ...all(second)]).toEqual([...picked.slice(0, 3).map((i) => jsons[i]), '{"before":1}', ...picked.slice(3).map((i) => jsons[i])]);
    expect(picked.slice(3).map((_, k) => [second.seq(k + 1), second.conn(k + 1), second.kind(k + 1)])).toEqual(picked.slice(3).map((i) => [100 + i, i % 3, Kind.Traffic]));
    expect(second.range(1, second.length).toString()).toBe(picked.slice(3).map((i) => jsons[i]).join(','));
    expect(new Segment(Buffer.alloc(4)).copyFrom(segment, picked, 0)).toBe(0); // nothing fits: nothing copied
  });
});
