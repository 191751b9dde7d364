/** Test helpers: feed bytes to a DirectionInspector whole or in chunks, collect events. */
import { DirectionInspector, type DirectionOptions } from '../../src/inspector/direction.js';
import type { InspectorEvent } from '../../src/inspector/events.js';

export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/0x|[\s:,]/g, ''), 'hex');
}

/** Decodes `bytes` fed as the given chunks (by sizes, cycling), or whole. */
export function decode(bytes: Uint8Array, options: DirectionOptions, chunkSizes: number[] = []): InspectorEvent[] {
  const inspector = new DirectionInspector(options);
  const events: InspectorEvent[] = [];
  if (chunkSizes.length === 0) return inspector.push(bytes);
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, chunkSizes[i % chunkSizes.length]!);
    events.push(...inspector.push(bytes.subarray(at, at + size)));
    at += size;
  }
  return events;
}

/** Decodes `bytes` split once at every offset; returns each result. */
export function decodeAtEverySplit(bytes: Uint8Array, options: DirectionOptions): InspectorEvent[][] {
  const results: InspectorEvent[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const inspector = new DirectionInspector(options);
    results.push([...inspector.push(bytes.subarray(0, cut)), ...inspector.push(bytes.subarray(cut))]);
  }
  return results;
}
