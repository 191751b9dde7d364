/**
 * Bytes allocated through Buffer while `run` runs: a count that cannot flake,
 * unlike the process's memory figures (which move with the garbage collector
 * and with whatever else the test process does).
 */
import { vi } from 'vitest';

export function bytesAllocated(run: () => void): number {
  let total = 0;
  const count = <A extends unknown[]>(name: 'alloc' | 'allocUnsafe' | 'allocUnsafeSlow' | 'from' | 'concat') => {
    const original = Buffer[name] as unknown as (...args: A) => Buffer;
    return vi.spyOn(Buffer, name).mockImplementation(((...args: A) => {
      const buffer = original.apply(Buffer, args);
      // Buffer.from(arrayBuffer, offset, length) is a view, not an allocation.
      if (!(name === 'from' && args[0] instanceof ArrayBuffer)) total += buffer.length;
      return buffer;
    }) as never);
  };
  const spies = [count('alloc'), count('allocUnsafe'), count('allocUnsafeSlow'), count('from'), count('concat')];
  try {
    run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return total;
}
