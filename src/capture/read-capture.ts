/**
 * Reading one capture file: its format detected from its first bytes, then
 * its bytes streamed in chunks through the matching sans-IO reader, the
 * events handed on a batch at a time (so memory stays bounded for any size
 * of pcap). The only I/O of the capture readers.
 */
import { open } from 'node:fs/promises';
import type { ConnectionOptions } from '../inspector/connection.js';
import type { WireEvent } from '../inspector/events.js';
import { DETECT_BYTES, EXPECTED_FORMATS, detectFormat, type CaptureFormat } from './detect.js';
import { HarReader } from './har-reader.js';
import { NdjsonReader } from './ndjson-reader.js';
import { PacketCapture } from './packet-capture.js';

const CHUNK_BYTES = 1024 * 1024;

/** The file cannot be read at all (missing, not a capture): one line, exit 2. */
export class CaptureFileError extends Error {
  override name = 'CaptureFileError';
}

export interface CaptureResult {
  format: CaptureFormat;
  /** What was wrong with the file (reading stopped there), or null. */
  problem: string | null;
  /** Things that could not be decoded, said once (IP fragments, cut packets). */
  notes: string[];
}

interface EventReader {
  push(chunk: Uint8Array): WireEvent[];
  end(): WireEvent[];
  problem: string | null;
}

export async function readCapture(
  path: string,
  options: ConnectionOptions,
  onEvents: (events: WireEvent[]) => void | Promise<void>,
): Promise<CaptureResult> {
  const file = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new CaptureFileError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  try {
    // A fresh buffer per read: events and the inspector may keep views of earlier chunks.
    const first = await read(file, path, DETECT_BYTES);
    const format = detectFormat(first);
    if (!format) throw new CaptureFileError(`${path}: not a capture: ${EXPECTED_FORMATS}`);
    const packets = format === 'pcap' || format === 'pcapng' ? new PacketCapture(format, options) : null;
    const reader: EventReader = packets ?? (format === 'har' ? new HarReader() : new NdjsonReader());
    for (let chunk = first; chunk.length > 0 && !reader.problem; chunk = await read(file, path, CHUNK_BYTES)) {
      const events = reader.push(chunk);
      if (events.length > 0) await onEvents(events);
    }
    const last = reader.end();
    if (last.length > 0) await onEvents(last);
    return { format, problem: reader.problem, notes: packets?.notes() ?? [] };
  } finally {
    await file.close();
  }
}

async function read(file: import('node:fs/promises').FileHandle, path: string, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  const { bytesRead } = await file.read(buffer, 0, size).catch((err: Error) => {
    throw new CaptureFileError(`cannot read ${path}: ${err.message}`);
  });
  return buffer.subarray(0, bytesRead);
}
