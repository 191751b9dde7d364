/**
 * Bytes for `wsinspect decode`: hex from the command line, a binary file
 * (streamed in chunks, so its size does not matter), or stdin (hex text in any
 * layout parseHexText reads, or raw bytes when it is clearly binary). Every way
 * in can fail only as a usage error, with a one-line message naming what was wrong.
 */
import { open } from 'node:fs/promises';
import { UsageError } from './errors.js';
import { fileErrorReason } from './command-line-files.js';
import { parseHexText } from './hex-text.js';

export interface InputSources {
  hex: string[];
  file?: string | undefined;
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean };
}

/** Chunks read from a file at a time: the most of it held in memory. */
const FILE_CHUNK = 256 * 1024;

/** The bytes to decode, as chunks, from exactly one source. */
export async function openDecodeInput({ hex, file, stdin }: InputSources): Promise<AsyncIterable<Buffer>> {
  if (hex.length > 0 && file !== undefined) throw new UsageError('give hex bytes or --file, not both');
  if (hex.length > 0) return chunks(parseHexText(hex.join(' ')));
  if (file !== undefined) return readFileChunks(file);
  return chunks(await readStdin(stdin));
}

async function* chunks(bytes: Buffer): AsyncIterable<Buffer> {
  yield bytes;
}

/** Opens the file first, so a missing one is a usage error before any output. */
async function readFileChunks(file: string): Promise<AsyncIterable<Buffer>> {
  try {
    const handle = await open(file);
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return handle.createReadStream({ highWaterMark: FILE_CHUNK }) as AsyncIterable<Buffer>;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${fileErrorReason(err)}`);
  }
}

async function readStdin(stdin: InputSources['stdin']): Promise<Buffer> {
  // A terminal on stdin means nobody piped anything: waiting for typing would look like a hang.
  if (stdin.isTTY) throw new UsageError('no input: give hex bytes, --file F, or pipe bytes to stdin');
  const parts: Buffer[] = [];
  for await (const chunk of stdin) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const bytes = Buffer.concat(parts);
  return isClearlyBinary(bytes) ? bytes : parseHexText(bytes.toString('latin1'));
}

/** Bytes no hex text holds: control characters other than whitespace, and anything past ASCII. */
export function isClearlyBinary(bytes: Buffer): boolean {
  return bytes.some((b) => (b < 0x20 && !(b >= 0x09 && b <= 0x0d)) || b >= 0x7f);
}
