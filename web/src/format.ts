/**
 * How values read on the page. Wire text goes through `visible`: control,
 * bidi and format characters become visible escapes, the same rule as the
 * terminal (src/render/escape.ts), so a peer cannot disguise what is shown.
 * (Preact renders strings as text nodes, so nothing here is ever HTML.)
 */
import { escapeForTerminal } from '../../src/render/escape.js';

export const visible = escapeForTerminal;

/** What JSON.stringify leaves raw that `visible` would escape: DEL, C1, format and bidi controls, line separators. */
const RAW_IN_JSON = /[\u007f-\u009f\p{Cf}\u2028\u2029]/gu;

/**
 * A string as JSON writes it, quoted and escaped; what JSON leaves raw but a
 * peer could disguise text with is written as \uXXXX too (still valid JSON).
 */
export function jsonString(text: string): string {
  return JSON.stringify(text).replace(RAW_IN_JSON, (ch) => Array.from({ length: ch.length }, (_, k) => `\\u${ch.charCodeAt(k).toString(16).padStart(4, '0')}`).join(''));
}

/** A count as people read it: 204,800, not 204800. */
export function formatCount(n: number): string {
  return n.toLocaleString('en');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** Wall-clock time with milliseconds, local time zone. */
export function formatClock(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatDelta(ms: number): string {
  if (ms < 1) return `+${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `+${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `+${(ms / 1000).toFixed(2)} s`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
}
