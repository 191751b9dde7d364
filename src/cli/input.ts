/**
 * Bytes for `wsinspect decode`: hex words from the command line, a binary
 * file, or stdin (hex text or raw binary). Every way in can fail only as a
 * usage error, with a one-line message naming what was wrong.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

/** Separators allowed between hex words: whitespace, commas and colons (`81 85`, `0x81,0x85`, `81:85`). */
const SEPARATORS = /[\s,:]+/;
/** Text that is nothing but hex words and separators. */
const HEX_TEXT = /^(?:[\s,:]|0[xX]|[0-9a-fA-F])*$/;

/** Parses hex words (each may hold many bytes: `37fa213d`); throws a UsageError naming the bad token. */
export function parseHex(words: string[]): Buffer {
  const tokens = words.flatMap((word) => word.split(SEPARATORS)).filter((token) => token !== '');
  return Buffer.concat(tokens.map(parseHexToken));
}

function parseHexToken(token: string): Buffer {
  const digits = token.replace(/^0x/i, '');
  if (!/^[0-9a-f]+$/i.test(digits)) {
    throw new UsageError(`"${token}" is not hex (give bytes like 81, 0x81 or 8185)`);
  }
  if (digits.length % 2 !== 0) {
    throw new UsageError(`"${token}" has an odd number of hex digits (each byte takes two)`);
  }
  return Buffer.from(digits, 'hex');
}

/** True when stdin text should be read as hex rather than as the raw bytes themselves. */
export function looksLikeHex(bytes: Buffer): boolean {
  return HEX_TEXT.test(bytes.toString('latin1'));
}

export interface InputSources {
  hex: string[];
  file?: string | undefined;
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean };
}

/** The bytes to decode, from exactly one source; never empty. */
export async function readDecodeInput({ hex, file, stdin }: InputSources): Promise<Buffer> {
  if (hex.length > 0 && file !== undefined) throw new UsageError('give hex bytes or --file, not both');
  const bytes = hex.length > 0 ? parseHex(hex) : file !== undefined ? await readBinaryFile(file) : await readStdin(stdin);
  if (bytes.length === 0) throw new UsageError('no bytes to decode');
  return bytes;
}

async function readBinaryFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new UsageError(`cannot read ${file}: ${reason}`);
  }
}

async function readStdin(stdin: InputSources['stdin']): Promise<Buffer> {
  // A terminal on stdin means nobody piped anything: waiting for typing would look like a hang.
  if (stdin.isTTY) throw new UsageError('no input: give hex bytes, --file F, or pipe bytes to stdin');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const bytes = Buffer.concat(chunks);
  return looksLikeHex(bytes) ? parseHex([bytes.toString('latin1')]) : bytes;
}
