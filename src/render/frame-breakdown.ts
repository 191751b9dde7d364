/**
 * The teaching view of `wsinspect decode`: every frame with its header taken
 * apart byte by byte and bit by bit, its payload as sent and unmasked, what the
 * payload means (text, close code, inflated message), and each violation right
 * under the frame that caused it. Pure: input bytes and inspector events in, a
 * string out, fitting 80 columns. Everything from the wire goes through
 * escapeForTerminal.
 */
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { FrameHeader } from '../inspector/frame-decoder.js';
import type { FrameEvent, InspectorEvent, MessageEvent, Side, ViolationEvent } from '../inspector/events.js';
import { OP_CLOSE, opcodeName } from '../inspector/opcodes.js';
import { unmaskInto } from '../inspector/unmask.js';
import { incompleteTailLength } from '../inspector/utf8-stream.js';
import { escapeForTerminal } from './escape.js';
import { columns, plural } from './pretty-text.js';

export const VIEW_WIDTH = 80;
/** Payload bytes shown per frame or message; the rest is counted, not shown. */
export const PAYLOAD_SHOWN = 64;
const HEX_PER_ROW = 16;
const INDENT = '  ';
/** Labels (`bytes 2-5`, `unmasked:`) are padded to this, so header and payload bytes line up. */
const LABEL_WIDTH = 11;

/** A frame whose header or payload the input cut short. */
export interface IncompleteFrame {
  from: Side;
  /** Offset of the frame's first byte in the input. */
  offset: number;
  /** The header, when all of it is in the input. */
  header: FrameHeader | null;
  /** One sentence saying how much is missing. */
  message: string;
  /** What its header already showed wrong (a control frame claiming over 125 bytes...). */
  violations: ViolationEvent[];
}

export interface BreakdownOptions {
  chalk: ChalkInstance;
  /** Lines printed above the frames (e.g. how the direction was chosen). */
  notes?: string[];
  incomplete?: IncompleteFrame | null;
}

/** The fields the title needs, common to a FrameEvent and a FrameHeader. */
type TitleFields = Pick<FrameHeader, 'fin' | 'rsv1' | 'rsv2' | 'rsv3' | 'opcode' | 'masked' | 'payloadLength' | 'lengthBits'>;

/** What a data frame's event says of its message; `null` for control frames and orphan continuations. */
interface FrameMessage {
  kind: 'text' | 'binary';
  compressed: boolean;
}

/**
 * Where the breakdown reads a frame's bytes: the input from `offset`, at most
 * `length` bytes of it. A streaming caller keeps only what a frame shows (its
 * header and first PAYLOAD_SHOWN payload bytes), so a 1 GiB input needs no 1 GiB.
 */
export interface FrameBytes {
  at(offset: number, length: number): Uint8Array;
}

/** The most bytes of a frame the breakdown shows: the longest header, then PAYLOAD_SHOWN payload bytes. */
export const FRAME_BYTES_SHOWN = 14 + PAYLOAD_SHOWN;

/** The whole breakdown of input held in memory at once. */
export function renderFrameBreakdown(input: Uint8Array, events: InspectorEvent[], options: BreakdownOptions): string {
  const view = new FrameBreakdown(options);
  const bytes: FrameBytes = { at: (offset, length) => input.subarray(offset, offset + length) };
  return view.render(events, bytes) + view.finish(input.length, options.incomplete ?? null, bytes);
}

/**
 * The breakdown written as the input streams in: render() each batch of
 * events as it comes, finish() once at the end for the cut-off frame and the
 * summary. It keeps counts, never the events.
 */
export class FrameBreakdown {
  private readonly c: ChalkInstance;
  private started = false;
  private frameNumber = 0;
  /** Payload bytes of the data frames since the last message: what a compressed message inflated from. */
  private payloadBytes = 0;
  private readonly counts: Tally = { frames: 0, messages: 0, errors: 0, warnings: 0 };

  constructor(private readonly options: BreakdownOptions) {
    this.c = options.chalk;
  }

  render(events: InspectorEvent[], bytes: FrameBytes): string {
    const c = this.c;
    const lines: string[] = [];
    if (!this.started) lines.push(...(this.options.notes ?? []).flatMap((note) => wrapWords(note, '').map((l) => c.dim(l))));
    for (const event of events) {
      if (event.type === 'frame') {
        this.frameNumber++;
        this.counts.frames++;
        const message = event.messageKind ? { kind: event.messageKind, compressed: event.compressed ?? false } : null;
        if (message) this.payloadBytes += event.payloadLength;
        this.block(lines, renderFrame(bytes, event, this.frameNumber, message, c));
      } else if (event.type === 'violation') {
        this.counts[event.severity === 'error' ? 'errors' : 'warnings']++;
        lines.push(...renderViolation(event, c));
      } else if (event.type === 'message') {
        this.counts.messages++;
        lines.push(...renderMessage(event, this.payloadBytes, c));
        this.payloadBytes = 0;
      } else if (event.type === 'undecodable') {
        lines.push(...wrapWords(`✘ undecodable: ${escapeForTerminal(event.message)}`, INDENT).map((l) => c.red(l)));
      }
    }
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
  }

  /** The frame the input stopped in (when it did), then the summary of `totalBytes` of input. */
  finish(totalBytes: number, incomplete: IncompleteFrame | null, bytes: FrameBytes): string {
    const lines: string[] = [];
    if (incomplete) {
      for (const v of incomplete.violations) this.counts[v.severity === 'error' ? 'errors' : 'warnings']++;
      this.block(lines, renderIncomplete(bytes, incomplete, this.frameNumber + 1, this.c));
    }
    this.block(lines, summary(this.counts, totalBytes, Boolean(incomplete), this.c));
    return `${lines.join('\n')}\n`;
  }

  /** Frames, the incomplete tail and the summary each start after a blank line. */
  private block(lines: string[], blockLines: string[]): void {
    if (this.started || lines.length > 0) lines.push('');
    lines.push(...blockLines);
    this.started = true;
  }
}

// ---- one frame --------------------------------------------------------

function renderFrame(bytes: FrameBytes, frame: FrameEvent, n: number, message: FrameMessage | null, c: ChalkInstance): string[] {
  const header = bytes.at(frame.offset, frame.headerLength);
  const lines = [...title(`Frame ${n}`, frame.from, frame, c), ...headerTable(header, c)];
  // A frame whose framing was lost (length-msb-set: 2^63 bytes or more) has no payload to show.
  if (frame.payloadLength < 2 ** 63) {
    const shown = bytes.at(frame.offset + frame.headerLength, Math.min(frame.payloadLength, PAYLOAD_SHOWN));
    lines.push(...renderPayload(shown, frame, message, c));
  }
  return lines;
}

function title(name: string, from: Side, f: TitleFields, c: ChalkInstance): string[] {
  const to = from === 'client' ? 'server' : 'client';
  const opcode = opcodeName(f.opcode);
  const parts = [
    name,
    `${from} → ${to}`,
    opcode === 'reserved' ? `reserved opcode 0x${f.opcode.toString(16)}` : opcode,
    f.fin ? 'FIN' : 'no FIN (more to follow)',
    ...(['rsv1', 'rsv2', 'rsv3'] as const).filter((bit) => f[bit]).map((bit) => bit.toUpperCase()),
    // Only masking is worth a word: unmasked is the norm for servers, and a violation for clients anyway.
    ...(f.masked ? ['masked'] : []),
    `${lengthText(f.payloadLength)}-byte payload (${f.lengthBits}-bit length)`,
  ];
  return pack(parts, ' · ', INDENT).map((line) => c.bold(line));
}

/**
 * The header read straight from its bytes, the way the RFC 6455 5.2 diagram
 * draws it: byte 0 holds FIN, RSV1-3 and the opcode; byte 1 the MASK bit and a
 * 7-bit length, where 126 and 127 mean "the real length follows".
 */
function headerTable(header: Uint8Array, c: ChalkInstance): string[] {
  const b0 = header[0]!;
  const b1 = header[1]!;
  const len7 = b1 & 0x7f;
  const bit = (byte: number, mask: number) => (byte & mask ? '1' : '0');
  const rows: [string, string, string][] = [
    [
      'byte 0',
      `${hexByte(b0)}  ${bit(b0, 0x80)} ${bit(b0, 0x40)} ${bit(b0, 0x20)} ${bit(b0, 0x10)} ${bits(b0 & 0x0f, 4)}`,
      `FIN=${bit(b0, 0x80)} RSV1=${bit(b0, 0x40)} RSV2=${bit(b0, 0x20)} RSV3=${bit(b0, 0x10)} ` +
        `opcode=0x${(b0 & 0x0f).toString(16)} (${opcodeName(b0 & 0x0f)})`,
    ],
    ['byte 1', `${hexByte(b1)}  ${bit(b1, 0x80)} ${bits(len7, 7)}`, `MASK=${bit(b1, 0x80)} ${lengthMeaning(len7)}`],
  ];
  let at = 2;
  const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  if (extended > 0) {
    const bytes = header.subarray(at, at + extended);
    const value = extended === 2 ? Buffer.from(bytes).readUInt16BE() : Buffer.from(bytes).readBigUInt64BE();
    rows.push([byteRange(at, extended), hexBytes(bytes, 4).join('\n'), `extended payload length=${value}`]);
    at += extended;
  }
  if (b1 & 0x80) rows.push([byteRange(at, 4), hexBytes(header.subarray(at, at + 4))[0]!, 'masking key']);
  return table(rows.map(([label, bytes, meaning]) => [c.dim(label), c.cyan(bytes), meaning]));
}

/** A length as a number is exact only up to 2^53; past that (only in broken frames) say so. */
function lengthText(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : `~${n.toExponential(2)}`;
}

function lengthMeaning(len7: number): string {
  if (len7 === 126) return 'payload length=126: the real length follows in 16 bits';
  if (len7 === 127) return 'payload length=127: the real length follows in 64 bits';
  return `payload length=${len7}`;
}

/** Three borderless columns (label, bytes and bits, meaning) with the meaning wrapped to the view. */
function table(rows: string[][]): string[] {
  const widthOf = (column: number) =>
    Math.max(...rows.flatMap((row) => row[column]!.split('\n').map(columns))) + 2;
  const labelWidth = Math.max(LABEL_WIDTH, widthOf(0));
  const bytesWidth = widthOf(1);
  const t = new Table({
    chars: NO_BORDER,
    // cli-table3 colours heads and borders itself, past our chalk: keep it out of colour entirely.
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    // The meaning's right padding is trimmed off each line, so the view may end where the padding starts.
    colWidths: [labelWidth, bytesWidth, VIEW_WIDTH - INDENT.length - labelWidth - bytesWidth + 2],
    wordWrap: true,
  });
  t.push(...rows);
  return t.toString().split('\n').map((line) => INDENT + line.trimEnd());
}

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
};

// ---- payload ----------------------------------------------------------

/**
 * The payload as it travelled (masked), as the receiver sees it after XOR with
 * the key (unmasked), then what it means for this kind of frame. `shown` is
 * its first bytes (PAYLOAD_SHOWN at most).
 */
function renderPayload(shown: Uint8Array, frame: FrameEvent, message: FrameMessage | null, c: ChalkInstance): string[] {
  const total = frame.payloadLength;
  const plain = unmasked(shown, frame.maskKey);
  // Bytes that are not text get an ASCII column; text and close frames say what they mean below instead.
  const withAscii = message ? message.kind === 'binary' && !message.compressed : frame.opcode !== OP_CLOSE;
  const lines =
    total === 0
      ? [labelled('payload:', c.dim('none'), c)]
      : frame.masked
        ? [...hexRows('masked:', shown, false, c), ...hexRows('unmasked:', plain, withAscii, c)]
        : hexRows('payload:', plain, withAscii, c);
  if (frame.close) {
    const { code, codeName, reason } = frame.close;
    lines.push(labelled('code:', code === null ? 'none (the payload has no status code)' : `${code} (${codeName})`, c));
    if (code !== null) lines.push(...quoted('reason:', escapeChars(reason), c));
  } else if (message?.compressed) {
    lines.push(labelled('', 'compressed: the message below shows it inflated', c));
  } else if (message?.kind === 'text') {
    lines.push(...quoted('text:', escapeChars(utf8Prefix(plain, total > shown.length)), c));
  }
  if (total > shown.length) lines.push(labelled('', `… (${total} bytes in all)`, c));
  return lines;
}

function unmasked(bytes: Uint8Array, maskKey: string | null): Buffer {
  const out = Buffer.alloc(bytes.length);
  if (maskKey) unmaskInto(out, bytes, Buffer.from(maskKey, 'hex'), 0);
  else out.set(bytes);
  return out;
}

/** Hex, 16 bytes a row; a binary payload gets an ASCII column too, like hexdump -C. */
function hexRows(label: string, bytes: Uint8Array, withAscii: boolean, c: ChalkInstance): string[] {
  return hexBytes(bytes, HEX_PER_ROW).map((row, i) => {
    const ascii = withAscii ? `  ${c.dim(`|${asciiOf(bytes.subarray(i * HEX_PER_ROW, (i + 1) * HEX_PER_ROW))}|`)}` : '';
    return labelled(i === 0 ? label : '', row.padEnd(HEX_PER_ROW * 3 - 1) + ascii, c).trimEnd();
  });
}

function asciiOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}

/** The first bytes as text; when they are only a prefix, a code point cut at the end is dropped. */
function utf8Prefix(bytes: Uint8Array, cut: boolean): string {
  const end = cut ? bytes.length - incompleteTailLength(bytes) : bytes.length;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8');
}

// ---- violations, messages, the end -------------------------------------

function renderViolation(v: ViolationEvent, c: ChalkInstance): string[] {
  const colour = v.severity === 'error' ? c.red : c.yellow;
  const text = `${v.severity === 'error' ? '✘' : '⚠'} ${v.severity} ${v.rule} (${v.section}): ${escapeForTerminal(v.message)}`;
  return wrapWords(text, INDENT).map((line) => colour(line));
}

/**
 * A one-line summary of the message (its text too when that fits); a
 * compressed one also shows how much it inflated, and to what.
 */
function renderMessage(m: MessageEvent, payloadBytes: number, c: ChalkInstance): string[] {
  const facts = [m.kind, plural(m.frames ?? 0, 'frame'), ...(m.compressed ? ['compressed'] : []), plural(m.size, 'byte')];
  const head = `${c.green('message:')} ${facts.join(', ')}`;
  const lines = [head];
  if (m.kind === 'text') {
    const text = m.text ?? '';
    const bytes = Buffer.from(text).subarray(0, PAYLOAD_SHOWN);
    const more = m.truncated || bytes.length < Buffer.byteLength(text);
    const chars = escapeChars(utf8Prefix(bytes, more));
    const closing = more ? '"…' : '"';
    const inline = `${head}: "${chars.join('')}${closing}`;
    if (columns(inline) <= VIEW_WIDTH) lines[0] = inline;
    else lines.push(...quoted('text:', chars, c, closing));
  }
  if (m.compressed) lines.push(labelled('inflated:', `${plural(m.size, 'byte')} from ${payloadBytes}`, c));
  if (m.compressed && m.kind === 'binary' && m.base64) {
    lines.push(...hexRows('', Buffer.from(m.base64, 'base64').subarray(0, PAYLOAD_SHOWN), true, c));
  }
  return lines;
}

function renderIncomplete(bytes: FrameBytes, tail: IncompleteFrame, n: number, c: ChalkInstance): string[] {
  const lines = tail.header
    ? [
        ...title(`Frame ${n} (incomplete)`, tail.from, tail.header, c),
        ...headerTable(bytes.at(tail.offset, tail.header.headerLength), c),
      ]
    : [c.bold(`Frame ${n} (incomplete) · starts at byte ${tail.offset}`)];
  return [...lines, ...tail.violations.flatMap((v) => renderViolation(v, c)), ...wrapWords(`✘ ${tail.message}`, INDENT).map((line) => c.red(line))];
}

interface Tally {
  frames: number;
  messages: number;
  errors: number;
  warnings: number;
}

function summary(counts: Tally, totalBytes: number, incomplete: boolean, c: ChalkInstance): string[] {
  const { errors, warnings } = counts;
  const verdict =
    errors + warnings === 0
      ? c.green('no violations')
      : `${errors ? c.red(plural(errors, 'error')) : '0 errors'}, ${warnings ? c.yellow(plural(warnings, 'warning')) : '0 warnings'}`;
  const tally = `${c.bold('Summary:')} ${plural(counts.frames, 'frame')}, ${plural(counts.messages, 'message')}, ${plural(totalBytes, 'byte')}`;
  return pack([tally, verdict, ...(incomplete ? [c.red('truncated: the last frame is incomplete')] : [])], '; ', INDENT);
}

// ---- small helpers ------------------------------------------------------

function labelled(label: string, value: string, c: ChalkInstance): string {
  return `${INDENT}${c.dim(label.padEnd(LABEL_WIDTH))}${value}`;
}

/** `label "text"`, wrapped by character under the opening quote; `closing` is `"…` for a prefix. */
function quoted(label: string, chars: string[], c: ChalkInstance, closing = '"'): string[] {
  const first = `${INDENT}${c.dim(label.padEnd(LABEL_WIDTH))}"`;
  return pack([first, ...chars, closing], '', ' '.repeat(INDENT.length + LABEL_WIDTH + 1));
}

/** Escapes per character, so wrapping never splits an escape like `\x1b`. */
function escapeChars(text: string): string[] {
  return Array.from(text, escapeForTerminal);
}

/**
 * Greedy packing of pieces joined by `sep` into lines of at most VIEW_WIDTH
 * columns (colour codes not counted); continuation lines start with `indent`.
 * A piece longer than a line gets a line of its own.
 */
function pack(pieces: string[], sep: string, indent: string): string[] {
  const lines: string[] = [];
  // A line broken after a piece ends with the separator's mark: leave room for it, except after the last piece.
  const trailer = sep.trimEnd();
  let line = '';
  for (const [i, piece] of pieces.entries()) {
    const candidate = line === '' ? piece : line + sep + piece;
    const room = i === pieces.length - 1 ? VIEW_WIDTH : VIEW_WIDTH - trailer.length;
    if (line !== '' && columns(candidate) > room) {
      lines.push(line + sep.trimEnd());
      line = indent + piece;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines;
}

/** Word-wraps `text` starting at `indent`; continuation lines go two columns further in. */
function wrapWords(text: string, indent: string): string[] {
  const [first = '', ...rest] = text.split(' ');
  return pack([indent + first, ...rest], ' ', `${indent}  `);
}

function hexByte(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

function bits(value: number, width: number): string {
  return value.toString(2).padStart(width, '0');
}

/** `bytes 2-5`: the frame-relative offsets of a header field. */
function byteRange(at: number, length: number): string {
  return `bytes ${at}-${at + length - 1}`;
}

/** Lowercase hex bytes separated by spaces, `perRow` to a row. */
function hexBytes(bytes: Uint8Array, perRow = bytes.length): string[] {
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += perRow) {
    rows.push(Array.from(bytes.subarray(i, i + perRow), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return rows;
}
