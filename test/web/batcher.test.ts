/** The live stream's batcher: however fast events arrive, they are applied at most about 30 times a second, in order, none lost. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Batcher } from '../../web/src/live.js';
import type { LiveEvent } from '../../web/src/model/wire.js';

describe('Batcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('1,000 arrivals in one second are applied in at most ~30 batches (one per 33 ms), every event once and in order', () => {
    const applied: LiveEvent[][] = [];
    const batcher = new Batcher((events) => applied.push(events), 33, () => Date.now());
    for (let i = 0; i < 1000; i++) {
      batcher.push([{ type: 'error', message: String(i), conn: 1, ts: i }]);
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(100);
    expect(applied.length).toBeLessThanOrEqual(Math.ceil(1000 / 33) + 1);
    expect(applied.flat().map((e) => (e.type === 'error' ? Number(e.message) : -1))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  test('a quiet stream is applied at once; drop() forgets what is queued', () => {
    const applied: LiveEvent[][] = [];
    const batcher = new Batcher((events) => applied.push(events), 33, () => Date.now());
    batcher.push([{ type: 'error', message: 'a', conn: 1, ts: 0 }]);
    vi.advanceTimersByTime(0);
    expect(applied).toHaveLength(1);
    batcher.push([{ type: 'error', message: 'b', conn: 1, ts: 0 }]);
    batcher.drop();
    vi.advanceTimersByTime(100);
    expect(applied).toHaveLength(1);
  });
});
