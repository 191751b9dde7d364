/**
 * `--detail N`, as mitmdump's flow detail: how much the pretty view shows.
 *   0  connections only (start, plain HTTP, errors, the summary)
 *   1  handshakes, violations, control frames and one line per message
 *   2  every frame too (the default)
 *   3  each message's whole body (as far as --preview keeps it), wrapped to
 *      the width, JSON pretty-printed when it parses, binary as a hex dump
 *   4  the bytes of every frame in hex too
 * Everything from the wire is escaped, as everywhere in the view.
 */
import type { FrameEvent, MessageEvent, WireEvent } from '../inspector/events.js';
import { isControl } from '../inspector/opcodes.js';
import { escapeForTerminal } from './escape.js';
import { indentUnder } from './pretty-lines.js';
import { Line, columns, formatBytes, type Layout } from './pretty-text.js';
import type { Stamped } from './sink.js';

export type DetailLevel = 0 | 1 | 2 | 3 | 4;
export const DEFAULT_DETAIL: DetailLevel = 2;

const CONNECTION_EVENTS: ReadonlySet<WireEvent['type']> = new Set(['connection', 'connection-end', 'http', 'error']);

/** Whether the view at `level` shows `event` at all. */
export function shownAt(level: DetailLevel, event: WireEvent): boolean {
  if (level === 0) return CONNECTION_EVENTS.has(event.type);
  if (level === 1 && event.type === 'frame') return isControl(event.opcode);
  return true;
}

/** The message body under its message line: text (JSON pretty-printed) wrapped, binary as a hex dump. */
export function bodyLines(message: Stamped<MessageEvent>, layout: Layout): string[] {
  const gutter = new Line().add(indentUnder(message.conn)).add('│ ', layout.chalk.dim);
  const room = Math.max(16, layout.width - gutter.width);
  const rows =
    message.kind === 'text'
      ? textRows(message.text ?? '', room)
      : hexDumpRows(Buffer.from(message.base64 ?? '', 'base64'), room);
  if (message.truncated) rows.push(`… ${formatBytes(message.size)} in all; --preview BYTES keeps more`);
  return rows.map((row) => gutter.toString() + row);
}

/** JSON that parses is shown indented; any text is split at its line breaks, escaped, and wrapped to `room` columns. */
function textRows(text: string, room: number): string[] {
  return prettyJson(text)
    .split('\n')
    .flatMap((line) => wrapEscaped(line, room));
}

function prettyJson(text: string): string {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return text;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return text;
  }
}

/** Escaped character by character, so a row never splits an escape like `\x1b`. */
function wrapEscaped(raw: string, room: number): string[] {
  const rows: string[] = [];
  let row = '';
  let used = 0;
  for (const ch of raw) {
    const shown = escapeForTerminal(ch);
    const width = columns(shown);
    if (used + width > room && row !== '') {
      rows.push(row);
      row = '';
      used = 0;
    }
    row += shown;
    used += width;
  }
  rows.push(row);
  return rows;
}

/** `0000  81 05 48 65 …  |..He…|`, 16 bytes a row, or 8 when the width is short. */
function hexDumpRows(bytes: Uint8Array, room: number): string[] {
  const perRow = room >= 6 + 16 * 3 + 18 ? 16 : 8;
  const rows: string[] = [];
  for (let at = 0; at < bytes.length || at === 0; at += perRow) {
    const slice = bytes.subarray(at, at + perRow);
    const hex = Array.from(slice, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(slice, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    rows.push(`${at.toString(16).padStart(4, '0')}  ${hex.padEnd(perRow * 3 - 1)}  |${ascii}|`);
    if (bytes.length === 0) break;
  }
  return rows;
}

/**
 * The frame's bytes in hex: its header exactly as sent (rebuilt from its
 * fields, the length in the encoding it used), then the payload bytes the
 * event kept (unmasked), with how many there are in all.
 */
export function frameHexLines(frame: Stamped<FrameEvent>, layout: Layout): string[] {
  const gutter = new Line().add(indentUnder(frame.conn)).add('│ ', layout.chalk.dim);
  const kept = frame.payloadHex ?? frame.payloadHead ?? '';
  const keptBytes = kept.length / 2;
  const header = `header   ${spaced(headerBytes(frame).toString('hex'))}`;
  const what = frame.masked ? 'unmasked' : 'payload ';
  const payload =
    frame.payloadLength === 0
      ? []
      : wrapHex(`${what} ${spaced(kept)}${keptBytes < frame.payloadLength ? ` … (${frame.payloadLength} bytes in all)` : ''}`, layout.width - gutter.width);
  return [header, ...payload].map((row) => gutter.toString() + row);
}

function spaced(hex: string): string {
  return (hex.match(/../g) ?? []).join(' ');
}

function wrapHex(text: string, room: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (const word of text.split(' ')) {
    if (row !== '' && columns(`${row} ${word}`) > room) {
      rows.push(row);
      row = `         ${word}`;
    } else {
      row = row === '' ? word : `${row} ${word}`;
    }
  }
  rows.push(row);
  return rows;
}

/** The RFC 6455 5.2 header of `frame`: its bits, its length as encoded (7, 16 or 64 bits) and its masking key. */
function headerBytes(frame: FrameEvent): Buffer {
  const extended = frame.lengthBits === 16 ? 2 : frame.lengthBits === 64 ? 8 : 0;
  const header = Buffer.alloc(2 + extended + (frame.maskKey ? 4 : 0));
  header[0] = (frame.fin ? 0x80 : 0) | (frame.rsv1 ? 0x40 : 0) | (frame.rsv2 ? 0x20 : 0) | (frame.rsv3 ? 0x10 : 0) | frame.opcode;
  header[1] = (frame.masked ? 0x80 : 0) | (extended === 0 ? frame.payloadLength : extended === 2 ? 126 : 127);
  if (extended === 2) header.writeUInt16BE(frame.payloadLength, 2);
  if (extended === 8) header.writeBigUInt64BE(BigInt(frame.payloadLength), 2);
  if (frame.maskKey) header.write(frame.maskKey, 2 + extended, 'hex');
  return header;
}
