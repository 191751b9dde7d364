/**
 * What `wsinspect decode` keeps of an input it streams: the chunk being
 * decoded, and from earlier chunks only the first bytes of the frame still in
 * progress (all the breakdown shows of a frame). Memory stays at a chunk
 * however large the input, or any frame in it.
 */
import { FRAME_BYTES_SHOWN, type FrameBytes } from '../render/frame-breakdown.js';

export class StreamWindow implements FrameBytes {
  /** Bytes of the input seen so far. */
  total = 0;
  private kept: Buffer = Buffer.alloc(0);
  private keptAt = 0;
  private chunk: Buffer = Buffer.alloc(0);
  private chunkAt = 0;

  add(chunk: Buffer): void {
    this.chunk = chunk;
    this.chunkAt = this.total;
    this.total += chunk.length;
  }

  /** Up to `length` bytes from `offset`: within the current chunk, or the kept start of the frame in progress. */
  at(offset: number, length: number): Uint8Array {
    if (offset >= this.chunkAt) return this.chunk.subarray(offset - this.chunkAt, offset - this.chunkAt + length);
    const kept = this.kept.subarray(offset - this.keptAt, offset - this.keptAt + length);
    // What was kept ends where this chunk begins, unless it already holds all that is shown.
    return kept.length === length ? kept : Buffer.concat([kept, this.chunk.subarray(0, length - kept.length)]);
  }

  /** After a chunk: the frame in progress starts at `offset`; keep its first bytes for when it ends. */
  keepFrom(offset: number): void {
    this.kept = Buffer.from(this.at(offset, FRAME_BYTES_SHOWN));
    this.keptAt = offset;
  }
}
