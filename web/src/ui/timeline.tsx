/**
 * The frames / messages timeline of the selected connection (or all):
 * virtualized, both directions, absolute and delta time, opcode, flags,
 * length and its encoding, sizes, preview; control frames in place; the
 * frames of a fragmented message bracketed together; violations marked;
 * what wsinspect injected or held marked too.
 * Up/Down move through rows, Enter opens the selected one.
 */
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { Row } from '../model/store.js';
import { isControl } from '../../../src/inspector/opcodes.js';
import { RowView } from '../model/view.js';
import { formatBytes, formatClock, formatCount, formatDelta, visible } from '../format.js';
import type { Wire } from '../model/wire.js';
import { follow, mode, paused, selectedConn, selectedSeq, store, tab, version, watchBatches } from '../state.js';
import { rowPredicate } from '../filter.js';
import { ActMark, actClasses } from './act-mark.js';
import { preview } from './previews.js';
import { useVirtual } from './use-virtual.js';

const ROW_HEIGHT = 24;

/** What the size column counts: a frame's bytes on the wire, a message's payload (the frames view's numbers differ by the headers). */
const SIZE_TITLE = {
  frames: "bytes on the wire (→ the message's size after inflation, on the last frame of a compressed message)",
  messages: "the message's payload bytes (on the wire → after inflation, when compressed); a control frame's bytes on the wire",
};

export function Timeline({ onOpen }: { onOpen: () => void }) {
  const conn = selectedConn.value;
  const predicate = rowPredicate.value;
  const view = useMemo(() => new RowView(store, { conn, mode: mode.value, predicate }), [conn, mode.value, predicate]);
  const seen = version.value;
  useMemo(() => view.update(), [view, seen]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtual(view.length, scroller, ROW_HEIGHT);

  useEffect(() => {
    if (follow.value && !paused.value && view.length > 0) virtual.scrollToIndex(view.length - 1, { align: 'end' });
  }, [view, seen]);

  const select = (index: number) => {
    const row = view.at(index);
    if (!row) return;
    selectedSeq.value = row.seq;
    virtual.scrollToIndex(index, { align: 'auto' });
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const current = selectedSeq.value === null ? -1 : view.indexOf(selectedSeq.value);
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 20, PageUp: -20 };
    if (e.key in step) {
      e.preventDefault();
      follow.value = false;
      select(Math.min(view.length - 1, Math.max(0, current + step[e.key]!)));
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      follow.value = e.key === 'End';
      select(e.key === 'Home' ? 0 : view.length - 1);
    } else if (e.key === 'Enter' && current >= 0) {
      e.preventDefault();
      onOpen();
    }
  };
  // Only the user stops following (wheel up, a click, the keys); reaching the end again resumes it.
  // Scroll events alone cannot tell: following scrolls too, while rows keep arriving.
  const onScroll = () => {
    if (!follow.value && !paused.value && virtual.isAtEnd(ROW_HEIGHT)) follow.value = true;
  };
  const onWheel = (e: WheelEvent) => {
    if (e.deltaY < 0) follow.value = false;
  };
  const toNewest = () => {
    follow.value = true;
    virtual.scrollToIndex(view.length - 1, { align: 'end' });
  };

  const items = virtual.getVirtualItems();
  // The selected row, for a screen reader (focus stays on the grid): when it is rendered, i.e. in view.
  const active = items.some((item) => view.at(item.index)?.seq === selectedSeq.value) ? `trow-${selectedSeq.value}` : undefined;
  return (
    <div class="timeline">
      <div class="timeline-head" role="presentation">
        <span class="c-dir">dir</span>
        <span class="c-time">time</span>
        <span class="c-delta">Δ</span>
        <span class="c-op">{mode.value === 'frames' ? 'opcode' : 'type'}</span>
        <span class="c-flags" title="FIN, RSV1-3, MASK">flags</span>
        <span class="c-len" title="payload length / how it is encoded: in the 7-bit field, or in a 16- or 64-bit extended length (RFC 6455 5.2)">
          length
        </span>
        <span class="c-size" title={SIZE_TITLE[mode.value]}>
          size
        </span>
        <span class="c-preview">preview</span>
      </div>
      <div
        class="timeline-body"
        ref={scroller}
        role="grid"
        aria-label={`${mode.value} of ${conn === null ? 'all connections' : `connection ${conn}`}`}
        aria-rowcount={view.length}
        aria-activedescendant={active}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={onScroll}
        onWheel={onWheel}
        onMouseDown={() => (follow.value = false)}
      >
        {view.length === 0 && (
          <p class="empty">
            {emptyText(conn, predicate !== null)}
            {onlyMessages(conn) && (
              <>
                {' '}
                <button type="button" class="small" onClick={() => (mode.value = 'messages')}>
                  show messages
                </button>
              </>
            )}
            {refusal(conn) && (
              <>
                {' '}
                <button type="button" class="small" onClick={() => (tab.value = 'handshake')}>
                  show the handshake
                </button>
              </>
            )}
          </p>
        )}
        <div class="timeline-space" style={{ height: `${virtual.getTotalSize()}px` }}>
          {items.map((item) => {
            const row = view.at(item.index)!;
            const previous = item.index > 0 ? view.at(item.index - 1) : undefined;
            return (
              <TimelineRow
                key={row.seq}
                row={row}
                index={item.index}
                top={item.start}
                delta={previous ? row.event.ts - previous.event.ts : null}
                showConn={conn === null}
                onSelect={() => select(item.index)}
                onOpen={onOpen}
              />
            );
          })}
        </div>
      </div>
      {!follow.value && virtual.getTotalSize() > (scroller.current?.clientHeight ?? 0) && (
        <button type="button" class="small to-newest" onClick={toNewest}>
          ↓ follow newest
        </button>
      )}
    </div>
  );
}

/** The frames view of a connection read from a capture with messages and no frames (a HAR). */
function onlyMessages(conn: number | null): boolean {
  const c = conn === null ? undefined : store.connections.get(conn);
  if (!c || mode.value !== 'frames') return false;
  const { client, server } = c.counts;
  return client.frames + server.frames === 0 && client.messages + server.messages > 0;
}

/** The server's answer when it refused the upgrade (no 101): no frame can follow. */
function refusal(conn: number | null): Wire<'handshake-response'> | null {
  const response = conn === null ? null : store.connections.get(conn)?.response;
  return response && response.status !== 101 ? response : null;
}

function emptyText(conn: number | null, filtered: boolean): string {
  const what = mode.value === 'frames' ? 'frame' : 'message';
  if (filtered) return `No ${what} matches the filter${conn === null ? '' : ` on connection ${conn}`}.`;
  if (conn === null) return 'Nothing yet: point a WebSocket client at the proxy and its frames appear here live.';
  const c = store.connections.get(conn);
  if (!c || c.state === 'http') return `Connection ${conn} carried plain HTTP: no frames.`;
  if (c.state === 'handshaking') return 'Waiting for the handshake to complete…';
  const refused = refusal(conn);
  if (refused) return `The server answered ${refused.status} ${visible(refused.reason)}, refusing the upgrade: no WebSocket, so no ${what}s.`;
  if (onlyMessages(conn)) return `Connection ${conn}'s capture recorded messages, not frames (a HAR keeps only messages).`;
  if (c.counts.client.frames + c.counts.server.frames > 0) return `Connection ${conn}'s frames were let go to bound the page's memory (its counts above stay exact).`;
  if (c.state === 'closed') return c.response ? `Connection ${conn} closed without a ${what}.` : `Connection ${conn} closed before the server answered its handshake: no ${what}s.`;
  return `No ${what} on connection ${conn} yet: they appear here as they cross the proxy.`;
}

interface RowProps {
  row: Row;
  index: number;
  top: number;
  delta: number | null;
  showConn: boolean;
  onSelect: () => void;
  onOpen: () => void;
}

function TimelineRow({ row, index, top, delta, showConn, onSelect, onOpen }: RowProps) {
  watchBatches();
  const selected = selectedSeq.value === row.seq;
  const from = 'from' in row.event ? row.event.from : null;
  const bad = row.violations.some((v) => v.severity === 'error');
  const warn = !bad && row.violations.length > 0;
  const classes = ['trow', `k-${row.kind}`, from ? `from-${from}` : '', selected ? 'selected' : '', bad ? 'has-error' : warn ? 'has-warning' : '', controlClass(row), actClasses(row)];
  return (
    <div
      class={classes.join(' ')}
      role="row"
      id={`trow-${row.seq}`}
      aria-rowindex={index + 1}
      aria-selected={selected}
      data-seq={row.seq}
      style={{ transform: `translateY(${top}px)` }}
      onClick={onSelect}
      onDblClick={onOpen}
    >
      <span class="c-dir" role="gridcell" aria-label={from ? `from ${from}` : undefined}>
        {showConn && <span class="conn-tag">#{row.event.conn} </span>}
        {from === 'client' ? '→' : from === 'server' ? '←' : '·'}
      </span>
      <span class="c-time" role="gridcell">{formatClock(row.event.ts)}</span>
      <span class="c-delta" role="gridcell">{delta === null ? '' : formatDelta(delta)}</span>
      <Cells row={row} />
      <span class="c-preview" role="gridcell">
        <Group row={row} />
        <ActMark row={row} />
        {row.violations.length > 0 && (
          <span class={`badge ${bad ? 'bad' : 'warn'}`} title={row.violations.map((v) => v.rule).join(', ')}>
            ⚠ {row.violations.map((v) => v.rule).join(', ')}
          </span>
        )}
        <span class="ptext">{preview(row)}</span>
      </span>
    </div>
  );
}

function controlClass(row: Row): string {
  return row.kind === 'frame' && isControl(row.event.opcode) ? 'control' : '';
}

function Cells({ row }: { row: Row }) {
  watchBatches();
  if (row.kind === 'frame') {
    const f = row.event;
    const flags = `${f.fin ? 'F' : '·'} ${f.rsv1 ? '1' : '·'}${f.rsv2 ? '2' : '·'}${f.rsv3 ? '3' : '·'} ${f.masked ? 'M' : '·'}`;
    return (
      <>
        <span class="c-op" role="gridcell">{f.opcodeName}</span>
        <span class="c-flags mono" role="gridcell" aria-label={flagWords(row)}>{flags}</span>
        <span class="c-len" role="gridcell" title={`${formatCount(f.payloadLength)} bytes, ${f.lengthBits === 7 ? 'in the 7-bit length field' : `in the ${f.lengthBits}-bit extended length`}`}>
          {formatCount(f.payloadLength)} <span class="muted">/{f.lengthBits}</span>
        </span>
        <span class="c-size" role="gridcell">{formatBytes(f.wireLength)}
          {row.message?.event.compressed && row.message.frames.at(-1) === row ? ` → ${formatBytes(row.message.event.size)}` : ''}</span>
      </>
    );
  }
  if (row.kind === 'message') {
    const m = row.event;
    return (
      <>
        <span class="c-op" role="gridcell">{m.kind} msg</span>
        <span class="c-flags" role="gridcell">{(m.frames ?? 0) > 1 ? `${m.frames} frames` : ''}</span>
        <span class="c-len" role="gridcell">{m.compressed ? 'deflate' : ''}</span>
        <span class="c-size" role="gridcell">{m.compressed && m.wireBytes !== null ? `${formatBytes(m.wireBytes)} → ${formatBytes(m.size)}` : formatBytes(m.size)}</span>
      </>
    );
  }
  return (
    <>
      <span class="c-op" role="gridcell">{row.event.type}</span>
      <span class="c-flags" role="gridcell" />
      <span class="c-len" role="gridcell" />
      <span class="c-size" role="gridcell" />
    </>
  );
}

function flagWords(row: Row & { kind: 'frame' }): string {
  const f = row.event;
  const set = [f.fin && 'FIN', f.rsv1 && 'RSV1', f.rsv2 && 'RSV2', f.rsv3 && 'RSV3', f.masked && 'MASK'].filter(Boolean);
  return set.length > 0 ? `${set.join(', ')} set` : 'no flag set';
}

/** The bracket that groups the frames of one fragmented message. */
function Group({ row }: { row: Row }) {
  watchBatches();
  if (row.kind !== 'frame' || row.event.opcode > 0x2) return null;
  const message = row.message;
  if (!message) return row.event.fin ? null : <span class="group" title="message still open">┬ </span>;
  if (message.frames.length < 2) return null;
  const at = message.frames.indexOf(row);
  const mark = at === 0 ? '┌' : at === message.frames.length - 1 ? '└' : '│';
  return <span class="group" title={`frame ${at + 1} of ${message.frames.length} of one ${message.event.kind} message`}>{mark} {at + 1}/{message.frames.length} </span>;
}
