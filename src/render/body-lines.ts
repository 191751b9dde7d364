/**
 * The first lines of an HTTP body for the pretty view, escaped: a refused
 * upgrade's body is usually where the server says why ("invalid token",
 * an HTML error page). Binary bodies are only counted.
 */
import { isUtf8 } from 'node:buffer';
import { incompleteTailLength } from '../inspector/utf8-stream.js';
import { escapeForTerminal } from './escape.js';

/** Lines shown; the rest is counted. */
export const BODY_LINES = 10;

/**
 * `bytes` are the body's first bytes (maybe cut inside a character), `size`
 * all the bytes it had so far. Blank lines are dropped: they say nothing.
 */
export function bodyLines(bytes: Uint8Array, size: number): string[] {
  if (size === 0) return ['(empty body)'];
  // A capped preview may end inside a character: that does not make it binary.
  const whole = bytes.subarray(0, bytes.length - incompleteTailLength(bytes));
  const text = Buffer.from(whole.buffer, whole.byteOffset, whole.length).toString('utf8');
  if (!isUtf8(whole) || text.includes('\0')) return [`(${size} bytes of binary data)`];
  const all = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const lines = all.slice(0, BODY_LINES).map((line) => escapeForTerminal(line.trimEnd()));
  const shownBytes = Buffer.byteLength(all.slice(0, BODY_LINES).join('\n'));
  if (all.length > BODY_LINES || size > bytes.length) lines.push(`… (${size - Math.min(shownBytes, size)} more bytes)`);
  return lines;
}
