/**
 * Makes text from the wire safe to print: C0 and C1 control characters, DEL,
 * and Unicode bidirectional and other format controls (category Cf: RLO, LRI,
 * zero-width joiners, BOM...) and line/paragraph separators become visible
 * escapes, so a peer can neither drive the terminal (ESC sequences) nor
 * disguise what is shown (Trojan Source style reordering).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Escapes every unsafe character; backslashes are doubled so the escapes stay unambiguous. */
export function escapeForTerminal(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(UNSAFE, escapeChar);
}
