/**
 * Text layout for the pretty view: terminal columns, fitting escaped wire text
 * into what is left of a line, wrapping, and the small number formats. Lines
 * are built from plain pieces and painted piece by piece, so widths are
 * measured without ANSI codes.
 */
import type { ChalkInstance } from 'chalk';
import type { Side } from '../inspector/events.js';
import stringWidth from 'string-width';
import { escapeForTerminal } from './escape.js';

export interface Layout {
  chalk: ChalkInstance;
  /** Columns every line fits in. */
  width: number;
  /** Show what repeats information too (single-frame messages). */
  verbose: boolean;
  /** Handshake headers as tables (off where the raw heads are printed already). */
  headerTables: boolean;
}

export type Paint = (text: string) => string;

export const plain: Paint = (text) => text;

/**
 * Characters one column wide each, whatever follows them: printable ASCII and
 * the views' own marks and box lines (string-width agrees, a test checks).
 * Nearly every line is made of them alone (`C→S`, `…`), and string-width's
 * segmenter took a third of the pretty view's time.
 */
export const NARROW_GLYPHS = '→←·…✔✘⚠▶↳⏸µ─│┌┐└┘├┤┬┴┼';
const NARROW = new Set([...NARROW_GLYPHS].map((glyph) => glyph.charCodeAt(0)));

/**
 * Columns `text` takes on a terminal: wide East Asian characters and emoji
 * two, combining marks none, ANSI colour codes none (string-width's tables;
 * text of one-column characters only, the common case, is counted directly).
 */
export function columns(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 || code > 0x7e) && !NARROW.has(code)) return stringWidth(text);
  }
  return text.length;
}

/** A line built from pieces, each painted on its own; `width` counts only what shows. */
export class Line {
  private text = '';
  width = 0;

  add(piece: string, paint?: Paint): this {
    this.text += paint ? paint(piece) : piece;
    this.width += columns(piece);
    return this;
  }

  /** A piece the view made itself of one-column characters (ASCII, NARROW_GLYPHS): counted by its length, not measured. */
  addNarrow(piece: string, paint?: Paint): this {
    this.text += paint ? paint(piece) : piece;
    this.width += piece.length;
    return this;
  }

  toString(): string {
    return this.text;
  }
}

const PLAIN_RUN = /^[\x20-\x5b\x5d-\x7e]*/;

/**
 * Escapes raw wire text for the terminal and keeps what fits in `budget`
 * columns. Escaping goes character by character so an escape is never cut in
 * half, and a long message is only read as far as it shows.
 */
function fitEscaped(raw: string, budget: number): { text: string; cut: boolean } {
  // A run of printable ASCII but the backslash is shown as it is, a column each: taken in one piece
  // (escaping and measuring character by character was the pretty view's largest cost).
  const run = PLAIN_RUN.exec(raw)![0].length;
  if (run > 0 && run > budget) return { text: raw.slice(0, Math.max(0, budget)), cut: true };
  let text = raw.slice(0, run);
  let used = run;
  for (const ch of run === 0 ? raw : raw.slice(run)) {
    const shown = escapeForTerminal(ch);
    const width = columns(shown);
    if (used + width > budget) return { text, cut: true };
    text += shown;
    used += width;
  }
  return { text, cut: false };
}

/** Wire text escaped, cut with `…` to fit `budget` columns. */
export function fitText(raw: string, budget: number): string {
  const whole = fitEscaped(raw, budget);
  return whole.cut ? `${fitEscaped(raw, budget - 1).text}…` : whole.text;
}

/** Wire text as `"text"`, escaped, with `…` after the quote when cut here or when `more` follows on the wire. */
export function quotePreview(raw: string, budget: number, more = false): string {
  const whole = fitEscaped(raw, budget - 2);
  if (!whole.cut && !more) return `"${whole.text}"`;
  return `"${fitEscaped(raw, budget - 3).text}"…`;
}

/** Hex bytes as `01 ab ff`, with `…` when cut here or when `more` follows on the wire. */
export function hexPreview(hex: string, budget: number, more = false): string {
  const bytes = hex.match(/../g) ?? [];
  const shownWidth = (count: number): number => 3 * count - 1 + (count < bytes.length || more ? 1 : 0);
  let count = bytes.length;
  while (count > 0 && shownWidth(count) > budget) count--;
  const ellipsis = count < bytes.length || more ? '…' : '';
  return bytes.slice(0, count).join(' ') + ellipsis;
}

/** Breaks text into lines of at most `width` columns, at spaces, and inside words longer than a line. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const joined = line === '' ? word : `${line} ${word}`;
    if (columns(joined) <= width) {
      line = joined;
      continue;
    }
    if (line !== '') lines.push(line);
    const pieces = breakWord(word, width);
    line = pieces.pop() ?? '';
    lines.push(...pieces);
  }
  lines.push(line);
  return lines;
}

function breakWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const ch of word) {
    // At least one character per piece, so a narrow width still makes progress.
    if (piece !== '' && columns(piece + ch) > width) {
      pieces.push(piece);
      piece = '';
    }
    piece += ch;
  }
  pieces.push(piece);
  return pieces;
}

/** `text` after what `line` holds, wrapped to `width`; continuation lines hang under where the text began. */
export function hanging(line: Line, text: string, width: number, paint: Paint = plain): string[] {
  const pad = ' '.repeat(line.width);
  const parts = wrap(text, Math.max(1, width - line.width));
  return parts.map((part, i) => (i === 0 ? line.toString() : pad) + paint(part));
}

/**
 * `✘ text` after a plain `indent`, wrapped with a hanging indent: how verdicts
 * and violations read. `text` must already be escaped.
 */
export function markedLines(
  indent: string,
  mark: string,
  text: string,
  width: number,
  paint: Paint,
  paintText = paint,
): string[] {
  return hanging(new Line().add(indent).add(`${mark} `, paint), text, width, paintText);
}

/** Pieces joined by ` · `, flowed onto as many lines as the width needs (continuations under `indent`). */
export function flow(
  first: Line,
  parts: Array<[text: string, paint?: Paint]>,
  width: number,
  indent: string,
  dim: Paint,
): string[] {
  const lines: string[] = [];
  let line = first;
  parts.forEach(([text, paint], i) => {
    if (i > 0 && line.width + columns(` · ${text}`) > width) {
      lines.push(line.toString());
      line = new Line().add(indent);
    } else if (i > 0) {
      line.add(' · ', dim);
    }
    line.add(text, paint);
  });
  lines.push(line.toString());
  return lines;
}

/** `#3 `: the connection id every line starts with (its width is the indent of what hangs under it). */
export function connTag(conn: number): string {
  return `#${conn} `;
}

/** Local wall-clock time with milliseconds, `14:02:11.123`. */
export function clock(ts: number): string {
  // Events come many to the millisecond: the last one's clock is reused.
  if (ts === lastClock.ts) return lastClock.text;
  lastClock.ts = ts;
  lastClock.text = formatClock(ts);
  return lastClock.text;
}

const lastClock = { ts: NaN, text: '' };

function formatClock(ts: number): string {
  const date = new Date(ts);
  const two = (n: number): string => String(n).padStart(2, '0');
  const millis = String(date.getMilliseconds()).padStart(3, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${millis}`;
}

export function arrow(from: Side): string {
  return from === 'client' ? 'C→S' : 'S→C';
}

export function paintSide(layout: Layout, from: Side): Paint {
  return from === 'client' ? layout.chalk.cyan : layout.chalk.magenta;
}

/** `#3 14:02:11.123 C→S `: how frame and message lines start. */
export function eventLine(conn: number, ts: number, from: Side, layout: Layout): Line {
  const { chalk } = layout;
  return new Line()
    .addNarrow(connTag(conn), chalk.bold)
    .addNarrow(clock(ts), chalk.dim)
    .addNarrow(' ')
    .addNarrow(arrow(from), paintSide(layout, from))
    .addNarrow(' ');
}

/** Byte counts in SI units (`512 B`, `1.2 kB`, `3.4 MB`), as network tools show them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
