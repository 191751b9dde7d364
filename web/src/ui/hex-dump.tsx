/**
 * Header and payload bytes as on the wire, 16 a row with offsets and ASCII,
 * each byte coloured by the field it belongs to; hovering or focusing a byte
 * lights its field in the diagram, and the field's bytes light here.
 */
import { fieldsAtByte, type FrameLayout } from '../model/frame-layout.js';
import { formatBytes } from '../format.js';
import { isLit, lightProps } from './field-hover.js';

const PER_ROW = 16;
/** Bytes drawn at most; the rest is counted. */
const SHOWN = 1024;

export function HexDump({ layout }: { layout: FrameLayout }) {
  const bytes = new Uint8Array(layout.header.length + layout.wire.length);
  bytes.set(layout.header);
  bytes.set(layout.wire, layout.header.length);
  const shown = Math.min(bytes.length, SHOWN);
  const rows: number[] = [];
  for (let at = 0; at < shown; at += PER_ROW) rows.push(at);
  const missing = layout.payloadLength - layout.wire.length;
  return (
    <div class="hexdump" role="table" aria-label="Frame bytes as on the wire">
      {rows.map((at) => (
        <div class="hex-row" role="row" key={at}>
          <span class="hex-offset" role="rowheader">{at.toString(16).padStart(4, '0')}</span>
          <span class="hex-bytes" role="cell">
            {Array.from({ length: Math.min(PER_ROW, shown - at) }, (_, i) => (
              <Byte key={i} layout={layout} index={at + i} value={bytes[at + i]!} />
            ))}
          </span>
          <span class="hex-ascii" role="cell" aria-hidden="true">
            {Array.from(bytes.subarray(at, Math.min(at + PER_ROW, shown)), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')}
          </span>
        </div>
      ))}
      {bytes.length > shown && <p class="note">… {formatBytes(bytes.length - shown)} more shown in the payload below</p>}
      {missing > 0 && (
        <p class="note">
          {formatBytes(missing)} of the payload {layout.wire.length > 0 ? 'more ' : ''}not captured by the events (the preview keeps a message's first bytes).
        </p>
      )}
    </div>
  );
}

function Byte({ layout, index, value }: { layout: FrameLayout; index: number; value: number }) {
  const fields = fieldsAtByte(layout, index);
  const ids = fields.map((f) => f.id);
  const main = fields.at(-1)!;
  return (
    <span
      class={`hex-byte f-${main.id} ${isLit(ids) ? 'lit' : ''}`}
      data-byte={index}
      data-field={ids.join(' ')}
      tabIndex={-1}
      title={`byte ${index}: ${fields.map((f) => f.name).join(', ')}`}
      {...lightProps(ids)}
    >
      {value.toString(16).padStart(2, '0')}
    </span>
  );
}
