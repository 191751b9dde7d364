/**
 * Standard output when it is a file or a device (`> events.ndjson`,
 * `> /dev/null`): text is encoded into one reused buffer and written
 * synchronously. process.stdout encodes every write into a fresh buffer,
 * whose pages the kernel must fault in and zero: for `read --json` of a
 * large capture (output larger than the input) that was a third of the CPU
 * time, and for the proxy's batches of NDJSON 8x the cost of encoding into
 * a reused buffer. Terminals and pipes keep process.stdout (asynchronous,
 * with backpressure and the EPIPE handling of stdout-closed.ts).
 */
import { fstatSync, writeSync } from 'node:fs';
import { EventEmitter } from 'node:events';

const BUFFER_BYTES = 1024 * 1024;

export interface FileOutput extends EventEmitter {
  /** Writes `chunk` at once; `flushed` (the OutputQueue's) is called before it returns: nothing is ever queued. */
  write(chunk: string | Uint8Array, flushed?: () => void): boolean;
}

/**
 * A writer for file descriptor `fd`, or null when it is not a regular file or
 * a non-terminal device. A failed write (a full disk) is emitted as 'error'
 * once, as process.stdout would; later text is dropped.
 */
export function fileOutput(fd: number, isTTY: boolean | undefined): FileOutput | null {
  let regular: boolean;
  try {
    const stat = fstatSync(fd);
    regular = stat.isFile() || (stat.isCharacterDevice() && !isTTY);
  } catch {
    return null;
  }
  if (!regular) return null;
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  const writeAll = (bytes: Uint8Array, length: number) => {
    for (let at = 0; at < length; ) at += writeSync(fd, bytes, at, length - at);
  };
  let failed = false;
  const out: FileOutput = Object.assign(new EventEmitter(), {
    write(chunk: string | Uint8Array, flushed?: () => void): boolean {
      if (!failed) {
        try {
          // At most 3 bytes per UTF-16 unit: a text that surely fits goes through the buffer.
          if (typeof chunk !== 'string') writeAll(chunk, chunk.length);
          else if (chunk.length * 3 <= BUFFER_BYTES) writeAll(buffer, buffer.write(chunk));
          else {
            const bytes = Buffer.from(chunk);
            writeAll(bytes, bytes.length);
          }
        } catch (err) {
          failed = true;
          out.emit('error', err);
        }
      }
      flushed?.();
      return true;
    },
  });
  return out;
}
