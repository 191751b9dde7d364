/**
 * An HTTP head exactly as it crossed the wire, for the pretty view: one line
 * per header line, escaped (a server's bytes must not drive the terminal),
 * and marked where a line did not end in CRLF, since a strict peer rejects that.
 */
import { escapeForTerminal } from '../render/escape.js';

export const BARE_LF_NOTE = '(line ends in a bare LF, not CRLF)';

/** The lines of `raw` (a complete head, blank line included), without the final blank line. */
export function rawHeadLines(raw: Uint8Array): Array<{ text: string; bareLf: boolean }> {
  // latin1 maps every byte to one character, so nothing is lost or merged; UTF-8 in a value shows byte by byte.
  const lines = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1').split('\n');
  // The head ends with its blank line and that line's LF: the last two pieces.
  lines.length = Math.max(0, lines.length - 2);
  return lines.map((line) => {
    const crlf = line.endsWith('\r');
    return { text: escapeForTerminal(crlf ? line.slice(0, -1) : line), bareLf: !crlf };
  });
}
