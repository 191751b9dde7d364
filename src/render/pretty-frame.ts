/**
 * Frame and message lines of the pretty view: one aligned line per frame
 * (every header field, then a preview of the payload), and a message line
 * only where it adds to what the frames showed.
 */
import type { CloseInfo, FrameEvent, MessageEvent } from '../inspector/events.js';
import { OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, isControl } from '../inspector/opcodes.js';
import { columns, eventLine, formatBytes, hexPreview, plural, quotePreview, type Layout } from './pretty-text.js';
import type { Stamped } from './sink.js';

/** `#3 14:02:11.123 C→S text   FIN    mask 37fa213d 5 B (7-bit)   "Hello"` */
export function frameLine(frame: Stamped<FrameEvent>, layout: Layout): string {
  const { chalk } = layout;
  const mask = frame.maskKey === null ? 'unmasked' : `mask ${frame.maskKey}`;
  const line = eventLine(frame.conn, frame.ts, frame.from, layout)
    .addNarrow(shortOpcode(frame).padEnd(7), isControl(frame.opcode) ? chalk.yellow : chalk.bold)
    .addNarrow(`${flags(frame)} `.padEnd(7))
    .addNarrow(mask.padEnd(14), frame.maskKey === null ? chalk.dim : undefined)
    // Padded for up to 99 B: that keeps 80 columns for `1000 Normal Closure`; longer lengths push the preview along.
    .addNarrow(`${`${frameLength(frame.payloadLength)} (${frame.lengthBits}-bit)`.padEnd(12)} `);
  const preview = framePreview(frame, layout.width - line.width, layout);
  // An empty preview leaves the padding of the length column behind.
  return line.add(preview).toString().trimEnd();
}

/** `#3 14:02:11.125 C→S message text 2 frames 11 B → 5 B inflated "Hello"`, or null when the frames said it all. */
export function messageLine(message: Stamped<MessageEvent>, layout: Layout): string | null {
  if (!layout.verbose && message.frames === 1 && !message.compressed) return null;
  // frames/wireBytes null: read from a HAR, which does not keep them.
  const sizes = message.compressed && message.wireBytes !== null
    ? `${formatBytes(message.wireBytes)} → ${formatBytes(message.size)} inflated`
    : formatBytes(message.size);
  const line = eventLine(message.conn, message.ts, message.from, layout)
    .add('message ', layout.chalk.bold)
    .add(`${message.kind} ${message.frames === null ? '' : `${plural(message.frames, 'frame')} `}${sizes} `);
  return line.add(messagePreview(message, layout.width - line.width)).toString();
}

/** Exact up to 5 digits; beyond, a claim like 2^63 would push the line past its width. */
function frameLength(bytes: number): string {
  return bytes < 100_000 ? `${bytes} B` : formatBytes(bytes);
}

function shortOpcode(frame: FrameEvent): string {
  if (frame.opcodeName === 'continuation') return 'cont';
  if (frame.opcodeName === 'reserved') return `op 0x${frame.opcode.toString(16)}`;
  return frame.opcodeName;
}

/** `FIN`, or `···` for a frame more follow; then the RSV bits that are set: `FIN R1`, `··· R123`. */
function flags(frame: FrameEvent): string {
  const rsv = `${frame.rsv1 ? '1' : ''}${frame.rsv2 ? '2' : ''}${frame.rsv3 ? '3' : ''}`;
  return `${frame.fin ? 'FIN' : '···'}${rsv ? ` R${rsv}` : ''}`;
}

function framePreview(frame: FrameEvent, budget: number, layout: Layout): string {
  if (frame.opcode === OP_CLOSE) return closePreview(frame.close, budget);
  if (frame.opcode === OP_PING || frame.opcode === OP_PONG) return controlPreview(frame, budget);
  // The payload of a compressed frame is deflate output: its message line shows the text.
  if (frame.compressed) return budget >= 12 ? layout.chalk.dim('(compressed)') : '';
  if (frame.payloadHead === undefined) return ''; // the producer kept no payload bytes for data frames
  if (frame.messageKind === 'text') return quotePreview(payloadText(frame), budget, hasMore(frame));
  return hexPreview(frame.payloadHead, budget, hasMore(frame));
}

/** `1000 Normal Closure "bye"`; short of room, the peer's reason matters more than the code's name. */
function closePreview(close: CloseInfo | undefined, budget: number): string {
  if (!close || close.code === null) return '(no status code)';
  const code = String(close.code);
  const named = `${code} ${close.codeName ?? ''}`.trimEnd();
  const full = close.reason === '' ? named : `${named} ${quotePreview(close.reason, Infinity)}`;
  if (columns(full) <= budget) return full;
  return close.reason === '' ? code : `${code} ${quotePreview(close.reason, budget - code.length - 1)}`;
}

/** Ping and pong payloads are free-form: text when they read as text, hex otherwise. */
function controlPreview(frame: FrameEvent, budget: number): string {
  const text = printableText(frame);
  const more = hasMore(frame);
  return text === null ? hexPreview(frame.payloadHead ?? '', budget, more) : quotePreview(text, budget, more);
}

const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

function printableText(frame: FrameEvent): string | null {
  if (!frame.payloadHead) return null;
  try {
    const bytes = Buffer.from(frame.payloadHead, 'hex');
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: hasMore(frame) });
    return UNPRINTABLE.test(text) ? null : text;
  } catch {
    return null;
  }
}

/** The frame's payload head as text, without the halves of code points cut at either end. */
function payloadText(frame: FrameEvent): string {
  let bytes = Buffer.from(frame.payloadHead ?? '', 'hex');
  if (frame.opcode === OP_CONTINUATION) {
    // A fragment may start inside a code point its previous fragment began (10xxxxxx bytes).
    let skip = 0;
    while (skip < 3 && skip < bytes.length && (bytes[skip]! & 0xc0) === 0x80) skip++;
    bytes = bytes.subarray(skip);
  }
  // Streaming mode holds back a code point cut at the end instead of showing U+FFFD for it.
  const stream = hasMore(frame) || !frame.fin;
  const text = utf8.decode(bytes, { stream });
  if (stream) utf8.decode(); // what it held back is dropped: the next frame starts a fresh stream
  return text;
}

/** One decoder for every frame line: making one per line (an ICU converter each) was a tenth of the view's time. */
const utf8 = new TextDecoder();

/** The payload goes on past the bytes the event kept. */
function hasMore(frame: FrameEvent): boolean {
  return frame.payloadLength > (frame.payloadHead ?? '').length / 2;
}

function messagePreview(message: MessageEvent, budget: number): string {
  if (message.kind === 'text') return quotePreview(message.text ?? '', budget, message.truncated);
  // Decode only the bytes that can show (3 columns each), not a 64 KiB preview.
  const bytes = Math.ceil(budget / 3) + 1;
  const head = Buffer.from((message.base64 ?? '').slice(0, 4 * Math.ceil(bytes / 3)), 'base64');
  return hexPreview(head.toString('hex'), budget, head.length < message.size);
}
