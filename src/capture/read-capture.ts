/**
 * Reading one capture file: its format detected from its first bytes, then
 * its bytes streamed in chunks through the matching sans-IO reader, the
 * events handed on a batch at a time (so memory stays bounded for any size
 * of pcap). The only I/O of the capture readers.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ConnectionOptions } from '../inspector/connection.js';
import type { WireEvent } from '../inspector/events.js';
import { DETECT_BYTES, EXPECTED_FORMATS, detectFormat, type CaptureFormat } from './detect.js';
import { HarReader } from './har-reader.js';
import { NdjsonReader } from './ndjson-reader.js';
import { PacketCapture } from './packet-capture.js';
import type { StreamObserver } from './capture-connections.js';

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

/** `observe`: follows the TCP streams of a packet capture's connections (HAR and NDJSON have none). */
export async function readCapture(
  path: string,
  options: ConnectionOptions,
  onEvents: (events: WireEvent[]) => void | Promise<void>,
  observe: StreamObserver | null = null,
): Promise<CaptureResult> {
  const file = await openCapture(path);
  try {
    // A fresh buffer per read: events and the inspector may keep views of earlier chunks.
    const first = await read(file, path, DETECT_BYTES);
    const format = formatOf(first, path);
    const packets = format === 'pcap' || format === 'pcapng' ? new PacketCapture(format, options, observe) : null;
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

/** The format of the capture at `path`, from its first bytes (a CaptureFileError when it is none). */
export async function captureFormat(path: string): Promise<CaptureFormat> {
  const file = await openCapture(path);
  try {
    return formatOf(await read(file, path, DETECT_BYTES), path);
  } finally {
    await file.close();
  }
}

function formatOf(head: Uint8Array, path: string): CaptureFormat {
  const format = detectFormat(head);
  if (!format) throw new CaptureFileError(`${path}: not a capture: ${EXPECTED_FORMATS}`);
  return format;
}

async function openCapture(path: string): Promise<FileHandle> {
  return open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new CaptureFileError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
}

async function read(file: FileHandle, path: string, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  const { bytesRead } = await file.read(buffer, 0, size).catch((err: Error) => {
    throw new CaptureFileError(`cannot read ${path}: ${err.message}`);
  });
  return buffer.subarray(0, bytesRead);
}
