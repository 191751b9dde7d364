/** Test helpers: feed bytes to a DirectionInspector whole or in chunks, collect events. */
import { DirectionInspector, type DirectionOptions } from '../../src/inspector/direction.js';
import type { InspectorEvent, MessageEvent, ViolationEvent } from '../../src/inspector/events.js';

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

/** Decodes `bytes` one byte per push. */
export function decodeByteByByte(bytes: Uint8Array, options: DirectionOptions): InspectorEvent[] {
  return decode(bytes, options, [1]);
}

/** Decodes `bytes` split once at every offset; returns each result. */
export function decodeAtEverySplit(bytes: Uint8Array, options: DirectionOptions): InspectorEvent[][] {
  return decodeAtSplits(bytes, options, Array.from({ length: bytes.length + 1 }, (_, i) => i));
}

/** Decodes `bytes` split once at each of `cuts`; returns each result. */
export function decodeAtSplits(bytes: Uint8Array, options: DirectionOptions, cuts: number[]): InspectorEvent[][] {
  return cuts.map((cut) => {
    const inspector = new DirectionInspector(options);
    return [...inspector.push(bytes.subarray(0, cut)), ...inspector.push(bytes.subarray(cut))];
  });
}

export function concat(...parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}

export function violations(events: InspectorEvent[]): ViolationEvent[] {
  return events.filter((e): e is ViolationEvent => e.type === 'violation');
}

export function rulesOf(events: InspectorEvent[]): string[] {
  return violations(events).map((v) => v.rule);
}

export function messages(events: InspectorEvent[]): MessageEvent[] {
  return events.filter((e): e is MessageEvent => e.type === 'message');
}

/** The event types in order, e.g. ['frame', 'violation', 'message']. */
export function types(events: InspectorEvent[]): string[] {
  return events.map((e) => e.type);
}

/** A masking key from 8 hex digits. */
export function key(hex8: string): Buffer {
  return Buffer.from(hex8, 'hex');
}
