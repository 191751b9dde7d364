/** One-line previews of rows for the timeline (wire text made visible, cut short). */
import { fromBase64, fromHex, toHex } from '../model/bytes.js';
import type { FrameRow, MessageRow, Row } from '../model/store.js';
import { isControl } from '../../../src/inspector/opcodes.js';
import { visible } from '../format.js';

const PREVIEW_CHARS = 160;

export function preview(row: Row): string {
  switch (row.kind) {
    case 'frame':
      return framePreview(row);
    case 'message':
      return messagePreview(row);
    case 'note':
      // A violation's rule id is on the badge beside the preview: the preview says what happened.
      return row.event.message;
  }
}

function cut(text: string): string {
  const shown = visible(text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text);
  return text.length > PREVIEW_CHARS ? `${shown}…` : shown;
}

function messagePreview(row: MessageRow): string {
  const m = row.event;
  if (m.text !== undefined) return cut(m.text) + (m.truncated && m.text.length <= PREVIEW_CHARS ? '…' : '');
  if (m.base64 !== undefined) return hexPreview(fromBase64(m.base64.slice(0, 64)), m.size);
  return '';
}

function framePreview(row: FrameRow): string {
  const f = row.event;
  if (f.close) {
    const { code, codeName, reason } = f.close;
    return code === null ? '(no status code)' : `${code} ${codeName ?? ''}${reason ? ` "${cut(reason)}"` : ''}`;
  }
  if (isControl(f.opcode)) {
    const hex = f.payloadHex ?? f.payloadHead;
    if (hex === undefined || hex === '') return f.payloadLength === 0 ? '(empty)' : '';
    return printable(fromHex(hex));
  }
  // A data frame: the message's text when it came in this one frame (inflated if compressed), else what
  // the preview holds (unless compressed: a continuation of a compressed message has RSV1 clear, its `compressed` says so).
  const message = row.message;
  const compressed = f.rsv1 || f.compressed === true || message?.event.compressed === true;
  if (message && message.frames.length === 1) return messagePreview(message);
  if (f.payloadHead !== undefined && !compressed) return printable(fromHex(f.payloadHead));
  if (message) return `part of ${message.event.kind} message: ${messagePreview(message)}`;
  return '';
}

/** Text when the bytes decode as UTF-8, else hex. */
function printable(bytes: Uint8Array): string {
  try {
    return cut(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return hexPreview(bytes, bytes.length);
  }
}

function hexPreview(bytes: Uint8Array, size: number): string {
  const shown = bytes.subarray(0, 24);
  return toHex(shown, ' ') + (size > shown.length ? ' …' : '');
}
