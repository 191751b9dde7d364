/**
 * What the pcap and pcapng readers share: the input buffered across pushes,
 * the byte offset reached in the file (for error messages), and stopping for
 * good at the first damage, since nothing after a bad length can be trusted.
 */
import { ChunkBuffer } from './chunk-buffer.js';
import type { CaptureReader, CaptureRecord } from './packet.js';

export abstract class CaptureFileReader implements CaptureReader {
  protected readonly buffer = new ChunkBuffer();
  protected stopped = false;
  protected offset = 0;

  push(chunk: Uint8Array): CaptureRecord[] {
    if (this.stopped) return [];
    this.buffer.push(chunk);
    const records: CaptureRecord[] = [];
    this.read(records);
    return records;
  }

  abstract end(): CaptureRecord[];

  /** Reads every whole record the buffer holds into `records`, leaving a partial one buffered. */
  protected abstract read(records: CaptureRecord[]): void;

  protected stop(message: string): CaptureRecord {
    this.stopped = true;
    this.buffer.clear();
    return { kind: 'problem', message };
  }
}
