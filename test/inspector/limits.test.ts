/**
 * Hostile input is reported, not allocated: claims of huge lengths, floods of
 * tiny frames, and decompression bombs cost bounded memory and time.
 */
import { deflateRawSync, constants as zlib } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { DirectionInspector } from '../../src/inspector/direction.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { OP_BINARY, OP_TEXT } from '../../src/inspector/opcodes.js';
import type { InspectorEvent } from '../../src/inspector/events.js';
import { bytesAllocated } from '../helpers/allocations.js';

/** Feeds `bytes` in 64 KiB chunks (as the proxy does) and tallies events without keeping them. */
function tally(inspector: DirectionInspector, bytes: Uint8Array, chunk = 65536): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (e: InspectorEvent) => {
    const key = e.type === 'violation' ? `violation:${e.rule}` : e.type;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (let at = 0; at < bytes.length; at += chunk) for (const e of inspector.push(bytes.subarray(at, at + chunk))) count(e);
  return counts;
}

describe('bounded resources', () => {
  test('a frame declaring 2^63-1 bytes is streamed, not allocated: 32 MiB of it costs no memory', () => {
    const header = encodeFrame({ opcode: OP_BINARY, declaredLength: 2n ** 63n - 1n, payload: new Uint8Array(0) });
    const inspector = new DirectionInspector({ side: 'server' });
    expect(inspector.push(header)).toEqual([]);
    const block = Buffer.alloc(1 << 20, 0x61);
    const allocated = bytesAllocated(() => {
      for (let i = 0; i < 32; i++) expect(inspector.push(block)).toEqual([]);
    });
    expect(allocated).toBeLessThanOrEqual(64 * 1024 + 32); // a binary preview and the frame's first 32 bytes (payloadHead) at most
    expect(inspector.atFrameBoundary).toBe(false);
    expect(inspector.stats.wireBytes).toBe(header.length + 32 * (1 << 20));
  });

  test('4 MB of non-minimal 126-length headers: every frame reported, events never pile up', () => {
    const frame = Buffer.from([0x82, 0x7e, 0x00, 0x00]); // binary, 16-bit length 0: should have been 7-bit
    const flood = Buffer.concat(Array.from({ length: 1_000_000 }, () => frame));
    const inspector = new DirectionInspector({ side: 'server', payloadHeads: false });
    const counts = tally(inspector, flood);
    expect(counts.get('frame')).toBe(1_000_000);
    expect(counts.get('message')).toBe(1_000_000);
    expect(counts.get('violation:length-not-minimal')).toBe(1_000_000);
  });

  test('a deflate bomb (~1 MiB inflating to 1 GiB) stops at the 64 MiB default budget', () => {
    // A sync-flushed deflate of 1 MiB of zeros is a run of non-final blocks ending in an empty
    // stored block (00 00 ff ff); 1024 of them back to back are one valid stream of 1 GiB.
    const oneMiB = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlib.Z_SYNC_FLUSH });
    const stream = Buffer.concat(Array.from({ length: 1024 }, () => oneMiB));
    const payload = stream.subarray(0, stream.length - 4); // the receiver appends the last tail itself
    const frame = encodeFrame({ opcode: OP_TEXT, rsv1: true, payload });
    const inspector = new DirectionInspector({ side: 'server', deflate: { noContextTakeover: false } });
    const events: InspectorEvent[] = [];
    for (let at = 0; at < frame.length; at += 65536) events.push(...inspector.push(frame.subarray(at, at + 65536)));
    const message = events.find((e) => e.type === 'message');
    expect(message).toMatchObject({ compressed: true, size: 64 * 1024 * 1024, truncated: true });
    if (message?.type === 'message') expect(message.text!.length).toBe(65536); // the preview, not the bomb
    expect(events.filter((e) => e.type === 'violation')).toEqual([]);
  });
});
