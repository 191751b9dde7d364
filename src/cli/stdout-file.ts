/**
 * Standard output when it is a file or a device (`> events.ndjson`,
 * `> /dev/null`): text is encoded into one reused buffer and written
 * synchronously. process.stdout encodes every write into a fresh buffer,
 * whose pages the kernel must fault in and zero: for `read --json` of a
 * large capture (output larger than the input) that was a third of the CPU
 * time. Terminals and pipes keep process.stdout (asynchronous, with
 * backpressure and the EPIPE handling of stdout-closed.ts).
 */
import { fstatSync, writeSync } from 'node:fs';
import { EventEmitter } from 'node:events';

const BUFFER_BYTES = 1024 * 1024;

/** A writer for file descriptor `fd`, or null when it is not a regular file or a non-terminal device. */
export function fileOutput(fd: number, isTTY: boolean | undefined): (EventEmitter & { write(text: string): boolean }) | null {
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
  return Object.assign(new EventEmitter(), {
    write(text: string): boolean {
      // At most 3 bytes per UTF-16 unit: a text that surely fits goes through the buffer.
      if (text.length * 3 <= BUFFER_BYTES) writeAll(buffer, buffer.write(text));
      else {
        const bytes = Buffer.from(text);
        writeAll(bytes, bytes.length);
      }
      return true;
    },
  });
}
