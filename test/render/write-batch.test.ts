/** Gathered writes (write-batch.ts): one write per tick, at most one per MIN_INTERVAL_MS, at once past 64K characters; on a fake clock. */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { batchedWrites, MIN_INTERVAL_MS } from '../../src/render/write-batch.js';

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] }));
afterEach(() => vi.useRealTimers());

function recorded() {
  const writes: string[] = [];
  return { writes, out: batchedWrites({ write: (text) => writes.push(text) > 0 }) };
}

test('after a quiet spell a tick\'s text goes out at the end of the tick, in one write', () => {
  const { writes, out } = recorded();
  out.write('a\n');
  out.write('b\n');
  expect(writes).toEqual([]);
  vi.advanceTimersByTime(0);
  expect(writes).toEqual(['a\nb\n']);
});

test('text written less than the interval after a write waits for the interval, then goes out in one write', () => {
  const { writes, out } = recorded();
  out.write('a\n');
  vi.advanceTimersByTime(0);
  vi.advanceTimersByTime(1);
  out.write('b\n');
  vi.advanceTimersByTime(0);
  out.write('c\n');
  vi.advanceTimersByTime(MIN_INTERVAL_MS - 2);
  expect(writes).toEqual(['a\n']);
  vi.advanceTimersByTime(1);
  expect(writes).toEqual(['a\n', 'b\nc\n']);
  // Quiet again for the interval: the next text goes at the end of its tick.
  vi.advanceTimersByTime(MIN_INTERVAL_MS);
  out.write('d\n');
  vi.advanceTimersByTime(0);
  expect(writes).toEqual(['a\n', 'b\nc\n', 'd\n']);
});

test('past 64K characters the text goes out at once; flush writes what is left and cancels the wait', () => {
  const { writes, out } = recorded();
  out.write('a\n');
  vi.advanceTimersByTime(0);
  const big = 'x'.repeat(70_000);
  out.write(big);
  expect(writes).toEqual(['a\n', big]);
  out.write('b\n');
  out.flush();
  expect(writes).toEqual(['a\n', big, 'b\n']);
  vi.advanceTimersByTime(10 * MIN_INTERVAL_MS);
  expect(writes).toHaveLength(3);
});

test('text after a large write, while a wait is on, goes out when the wait is up', () => {
  const { writes, out } = recorded();
  out.write('a\n');
  vi.advanceTimersByTime(0);
  out.write('b\n'); // waits for the interval
  const big = 'x'.repeat(70_000);
  out.write(big);
  expect(writes).toEqual(['a\n', `b\n${big}`]);
  out.write('c\n');
  vi.advanceTimersByTime(MIN_INTERVAL_MS);
  expect(writes).toEqual(['a\n', `b\n${big}`, 'c\n']);
});
