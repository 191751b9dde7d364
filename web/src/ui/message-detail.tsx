/**
 * A whole message: its frames (each opens its bit view), sizes before and
 * after inflation, the payload as text, JSON or hex, and copy buttons.
 */
import { fromBase64, toBase64, utf8 } from '../model/bytes.js';
import type { MessageRow } from '../model/store.js';
import { formatBytes, formatClock, formatCount } from '../format.js';
import { selectedSeq, watchBatches } from '../state.js';
import { actNote } from './act-mark.js';
import { CopyButton } from './copy-button.js';
import { BinaryPayload, TextPayload } from './payload-view.js';
import { ViolationList } from './violation-item.js';

export function MessageDetail({ row }: { row: MessageRow }) {
  watchBatches();
  const m = row.event;
  return (
    <article class="detail message-detail" aria-label={`${m.kind} message from ${m.from}`}>
      <header class="detail-head">
        <h3>
          {m.from === 'client' ? 'client → server' : 'server → client'} · {m.kind} message · {formatBytes(m.size)}
        </h3>
        <span class="muted">
          {formatClock(m.ts)} · connection {m.conn} · {m.frames === null ? 'frames not recorded' : `${m.frames} frame${m.frames === 1 ? '' : 's'}`}
          {m.wireBytes !== null && (m.compressed ? ` · ${formatBytes(m.wireBytes)} compressed on the wire → ${formatBytes(m.size)} inflated` : ` · ${formatBytes(m.wireBytes)} on the wire`)}
          {actNote(row)}
        </span>
      </header>
      <ViolationList violations={row.violations} />
      {row.frames.length > 0 && (
        <ol class="message-frames" aria-label="Frames of this message">
          {row.frames.map((frame, i) => (
            <li key={frame.seq}>
              <button type="button" class="link" onClick={() => (selectedSeq.value = frame.seq)}>
                frame {i + 1}: {frame.event.opcodeName}, FIN={frame.event.fin ? 1 : 0}, {formatCount(frame.event.payloadLength)} bytes
              </button>
            </li>
          ))}
        </ol>
      )}
      <MessageBody row={row} />
    </article>
  );
}

/** The payload with its copy buttons. */
export function MessageBody({ row }: { row: MessageRow }) {
  watchBatches();
  const m = row.event;
  const bytes = () => (m.text !== undefined ? utf8.encode(m.text) : fromBase64(m.base64 ?? ''));
  return (
    <div class="message-body">
      <div class="actions">
        {m.text !== undefined && <CopyButton label="Copy as text" text={() => m.text!} />}
        <CopyButton label="Copy as base64" text={() => m.base64 ?? toBase64(bytes())} />
        {m.truncated && <span class="muted">only the first {formatBytes(m.text?.length ?? Math.floor(((m.base64?.length ?? 0) * 3) / 4))} were captured</span>}
      </div>
      {m.text !== undefined ? <TextPayload text={m.text} truncated={m.truncated} /> : <BinaryPayload bytes={bytes()} total={m.size} />}
    </div>
  );
}
