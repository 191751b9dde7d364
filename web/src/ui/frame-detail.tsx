/**
 * One frame, bit by bit: the RFC 5.2 diagram with its actual bits beside the
 * hex dump of header and payload (field <-> bytes highlighting both ways),
 * each field's meaning with its RFC section, unmasking row by row, and what
 * the payload says (text, JSON, hex, close code and reason, inflated message).
 */
import { toHex } from '../model/bytes.js';
import { layoutFrame, type FrameLayout } from '../model/frame-layout.js';
import type { FrameRow } from '../model/store.js';
import { formatBytes, formatClock, formatCount, visible } from '../format.js';
import { BitDiagram } from './bit-diagram.js';
import { actNote } from './act-mark.js';
import { CopyButton } from './copy-button.js';
import { isLit, lightProps } from './field-hover.js';
import { HexDump } from './hex-dump.js';
import { MaskTable } from './mask-table.js';
import { MessageBody } from './message-detail.js';
import { ViolationList } from './violation-item.js';
import { watchBatches } from '../state.js';

export function FrameDetail({ row }: { row: FrameRow }) {
  watchBatches();
  const f = row.event;
  const layout = layoutFrame(row);
  const complete = layout.plain.length === f.payloadLength;
  const frameHex = () => toHex(layout.header, ' ') + (layout.wire.length > 0 ? ` ${toHex(layout.wire, ' ')}` : '');
  return (
    <article class="detail frame-detail" aria-label={`Frame ${f.opcodeName} from ${f.from}`}>
      <header class="detail-head">
        <h3>
          {f.from === 'client' ? 'client → server' : 'server → client'} · {f.opcodeName} frame · {formatBytes(f.wireLength)} on the wire
        </h3>
        <span class="muted">
          {formatClock(f.ts)} · connection {f.conn} · byte {formatCount(f.offset)} of the {f.from}'s stream
          {actNote(row)}
        </span>
        <div class="actions">
          <CopyButton label={complete ? 'Copy frame as hex' : `Copy first ${formatCount(layout.header.length + layout.wire.length)} bytes as hex`} text={frameHex} />
        </div>
      </header>
      <ViolationList violations={row.violations} />
      <div class="bits-and-bytes">
        <BitDiagram layout={layout} />
        <HexDump layout={layout} />
      </div>
      <FieldList layout={layout} />
      <MaskTable layout={layout} />
      <FramePayload row={row} layout={layout} />
    </article>
  );
}

function FieldList({ layout }: { layout: FrameLayout }) {
  return (
    <dl class="fields" aria-label="Fields of this frame">
      {layout.fields.map((field) => (
        <div key={field.id} class={`field f-${field.id} ${isLit([field.id]) ? 'lit' : ''}`} tabIndex={0} {...lightProps([field.id])}>
          <dt>
            <span class="swatch" aria-hidden="true" />
            {field.name} <span class="muted">{byteRange(field.bytes)}</span>
          </dt>
          <dd>
            <strong>{field.value}</strong> — {field.meaning} <span class="section">{field.section}</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}

function byteRange([start, end]: [number, number]): string {
  if (end <= start) return 'no bytes';
  return end - start === 1 ? `byte ${start}` : `bytes ${start}–${formatCount(end - 1)}`;
}

function FramePayload({ row, layout }: { row: FrameRow; layout: FrameLayout }) {
  watchBatches();
  const f = row.event;
  if (f.close) {
    return (
      <section class="payload-section">
        <h4>Close frame payload</h4>
        {f.close.code === null ? (
          <p>Empty: no status code (the receiver reports 1005 No Status Rcvd). RFC6455 5.5.1</p>
        ) : (
          <p>
            Status code <strong class="mono">{f.close.code}</strong> ({f.close.codeName ?? 'unknown'}, IANA WebSocket Close Code Number Registry), the first 2 payload bytes in network byte order
            {f.close.reason ? (
              <>
                ; reason: <q class="mono">{visible(f.close.reason)}</q>
              </>
            ) : (
              '; no reason text'
            )}
            . <span class="section">RFC6455 5.5.1, 7.4</span>
          </p>
        )}
      </section>
    );
  }
  if (f.opcode === 0x9 || f.opcode === 0xa) {
    return (
      <section class="payload-section">
        <h4>{f.opcode === 0x9 ? 'Ping' : 'Pong'} payload</h4>
        <p class="note">
          {f.opcode === 0x9 ? 'A pong must answer with the same application data.' : 'A pong echoes the data of the ping it answers (or is sent unsolicited as a heartbeat).'} <span class="section">RFC6455 5.5.2, 5.5.3</span>
        </p>
        <pre class="payload">{layout.plain.length > 0 ? visible(new TextDecoder().decode(layout.plain)) : '(empty)'}</pre>
      </section>
    );
  }
  const message = row.message;
  if (!message) return <p class="note">The message this frame belongs to has not completed yet.</p>;
  const compressed = message.event.compressed;
  return (
    <section class="payload-section">
      <h4>
        {message.frames.length > 1 ? `Frame ${message.frames.indexOf(row) + 1} of a ${message.frames.length}-frame ${message.event.kind} message` : `${message.event.kind} message in one frame`}
      </h4>
      {compressed && (
        <p class="note">
          Compressed with permessage-deflate (RSV1 on the first frame): {message.event.wireBytes === null ? 'the frames' : formatBytes(message.event.wireBytes)} on the wire inflate to {formatBytes(message.event.size)}. <span class="section">RFC7692 7.2</span>
        </p>
      )}
      <MessageBody row={message} />
    </section>
  );
}
