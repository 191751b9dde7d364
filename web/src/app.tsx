/**
 * The inspector's frame: the bar, the connections table, and the tabs for the
 * selected connection (timeline with the selected row's detail beside it,
 * handshake, violations, learn). Follows the live stream while mounted.
 */
import { useEffect, useRef } from 'preact/hooks';
import { fetchLive } from './act-api.js';
import { Batcher, eventsUrl, followLive } from './live.js';
import { applyEvents, heldNow, link, liveProxy, opened, selectConnection, selectedConn, selectedSeq, store, tab, version, type Tab } from './state.js';
import { visible } from './format.js';
import { ActPanels } from './ui/act-panels.js';
import { Connections } from './ui/connections.js';
import { FrameDetail } from './ui/frame-detail.js';
import { Handshake } from './ui/handshake.js';
import { Learn } from './ui/learn.js';
import { MessageDetail } from './ui/message-detail.js';
import { Timeline } from './ui/timeline.js';
import { Toolbar } from './ui/toolbar.js';
import { Violations } from './ui/violations.js';
import { ViolationList } from './ui/violation-item.js';

const TABS: [Tab, string][] = [
  ['timeline', 'Frames'],
  ['handshake', 'Handshake'],
  ['violations', 'Violations'],
  ['learn', 'Learn'],
];

/** ←/→ move between the tabs, as a tab list does (WAI-ARIA tabs pattern). */
function onTabKey(e: KeyboardEvent): void {
  const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
  if (step === 0 || !(e.target instanceof HTMLElement) || e.target.getAttribute('role') !== 'tab') return;
  e.preventDefault();
  const at = TABS.findIndex(([id]) => id === tab.value);
  const [next] = TABS[(at + step + TABS.length) % TABS.length]!;
  tab.value = next;
  document.getElementById(`tab-${next}`)?.focus();
}

export function App() {
  const filterRef = useRef<HTMLInputElement>(null);
  const detailRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const batcher = new Batcher(applyEvents);
    return followLive(eventsUrl(window.location), {
      onOpen: () => {
        // The server sends its whole backlog on every (re)connection.
        batcher.drop();
        store.clear();
        heldNow.value = 0;
        version.value++;
        // A live proxy or a saved capture (the server may have been restarted as the other).
        void fetchLive().then((live) => (liveProxy.value = live));
      },
      onEvents: (events) => batcher.push(events),
      onState: (state) => (link.value = state),
    });
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === '/' && !typing) {
        e.preventDefault();
        filterRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const openDetail = () => detailRef.current?.focus();
  useEffect(() => {
    if (opened.value > 0) openDetail();
  }, [opened.value]);
  const conn = selectedConn.value === null ? undefined : store.connections.get(selectedConn.value);
  const scope = conn ? `connection ${conn.conn}${conn.request ? ` · ${visible(conn.request.path)}` : ''}` : 'all connections';
  return (
    <div class="app">
      <Toolbar filterRef={filterRef} />
      <Connections />
      <nav class="tabs" role="tablist" aria-label="Views of the selected connection" onKeyDown={onTabKey}>
        {TABS.map(([id, label]) => (
          <button key={id} type="button" role="tab" id={`tab-${id}`} aria-selected={tab.value === id} class={tab.value === id ? 'on' : ''} onClick={() => (tab.value = id)}>
            {label}
            {id === 'violations' && conn && conn.violations > 0 ? <span class="count bad">{conn.violations}</span> : null}
            {id === 'timeline' && heldNow.value > 0 ? <span class="count warn">{heldNow.value} held</span> : null}
          </button>
        ))}
        <span class="tabs-scope muted">
          <span class="tabs-scope-name" title={scope}>
            {scope}
          </span>
          {conn && (
            <button type="button" class="small" onClick={() => selectConnection(null)}>
              show all connections
            </button>
          )}
        </span>
      </nav>
      <main class={`content content-${tab.value}`} aria-labelledby={`tab-${tab.value}`}>
        {tab.value === 'timeline' && (
          <div class="split">
            <Timeline onOpen={openDetail} />
            <div class="detail-pane" ref={detailRef} tabIndex={-1} aria-label="Selected frame or message" aria-keyshortcuts="Escape" onKeyDown={backToTimeline}>
              <Detail />
            </div>
          </div>
        )}
        {tab.value === 'timeline' && <ActPanels conn={conn} />}
        {tab.value === 'handshake' && (conn ? <Handshake c={conn} /> : <p class="empty">Select a connection above.</p>)}
        {tab.value === 'violations' && <Violations />}
        {tab.value === 'learn' && <Learn />}
      </main>
    </div>
  );
}

/** Escape in the detail returns to the timeline, on the same row (else the way back is Shift+Tab past every field and byte). */
function backToTimeline(e: KeyboardEvent): void {
  if (e.key !== 'Escape' || !(e.currentTarget instanceof HTMLElement)) return;
  e.currentTarget.parentElement?.querySelector<HTMLElement>('.timeline-body')?.focus();
}

function Detail() {
  version.value;
  const seq = selectedSeq.value;
  const row = seq === null ? undefined : store.row(seq);
  if (!row) return <p class="empty">Select a frame or message (click, or ↑/↓ then Enter) to see it bit by bit.</p>;
  if (row.kind === 'frame') return <FrameDetail row={row} />;
  if (row.kind === 'message') return <MessageDetail row={row} />;
  return (
    <article class="detail">
      <h3>{row.event.type}</h3>
      <ViolationList violations={row.violations} />
      {row.event.type !== 'violation' && <p>{row.event.message}</p>}
    </article>
  );
}
