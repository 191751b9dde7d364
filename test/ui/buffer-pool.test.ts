/** Segment buffers reused, never while a slice of them may still be in use. */
import { describe, expect, test } from 'vitest';
import { BufferPool } from '../../src/ui/buffer-pool.js';

describe('BufferPool', () => {
  test('a retired buffer comes back from take() once nothing is in flight', () => {
    const pool = new BufferPool(1024, 4);
    const a = pool.take();
    expect(a.length).toBe(1024);
    pool.retire(a);
    expect(pool.take()).toBe(a);
  });

  test('while slices may be in flight, take() allocates instead of reusing', () => {
    const pool = new BufferPool(1024, 4);
    let inFlight = true;
    pool.inFlight = () => inFlight;
    const a = pool.take();
    pool.retire(a);
    const b = pool.take();
    expect(b).not.toBe(a);
    inFlight = false;
    expect(pool.take()).toBe(a);
  });

  test('keeps at most max unused buffers, and only of its size', () => {
    const pool = new BufferPool(1024, 2);
    const taken = [pool.take(), pool.take(), pool.take()];
    for (const buffer of taken) pool.retire(buffer);
    pool.retire(Buffer.alloc(10));
    const again = [pool.take(), pool.take(), pool.take()];
    expect(again.filter((buffer) => taken.includes(buffer))).toHaveLength(2);
  });
});
