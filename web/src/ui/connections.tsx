/**
 * The connections table: one row per WebSocket connection, live (state,
 * handshake verdict, subprotocol and extensions, frames and bytes each way,
 * duration, violations), and the plain HTTP requests the proxy relayed in a
 * collapsible group of their own below. The path takes the width the other
 * columns leave; in a smaller window (style.css) the `only-wide` columns
 * (upstream, protocol, bytes each way, duration) give way to one
 * `only-narrow` column of frames both ways: client, path, state, verdict and
 * frames stay readable.
 */
import type { Connection } from '../model/store.js';
import type { Side } from '../model/wire.js';
import { formatBytes, formatDuration, plural, visible } from '../format.js';
import { selectConnection, selectedConn, store, version, watchBatches } from '../state.js';

export function Connections() {
  version.value; // re-render per batch
  const all = [...store.connections.values()];
  const sockets = all.filter((c) => c.state !== 'http');
  const http = all.filter((c) => c.state === 'http');
  return (
    <section class="connections" aria-label="Connections">
      <table class="grid">
        <caption class="sr-only">WebSocket connections through the proxy</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">client</th>
            <th scope="col">path</th>
            <th scope="col" class="only-wide">upstream</th>
            <th scope="col">state</th>
            <th scope="col">handshake</th>
            <th scope="col" class="only-wide">protocol · extensions</th>
            <th scope="col" class="num only-wide">client → server</th>
            <th scope="col" class="num only-wide">server → client</th>
            <th scope="col" class="num only-narrow">frames</th>
            <th scope="col" class="num only-wide">duration</th>
            <th scope="col" class="num">violations</th>
          </tr>
        </thead>
        <tbody>
          {sockets.length === 0 && (
            <tr>
              <td colSpan={12} class="empty">
                No WebSocket connection yet. Point a client at the proxy and its connections appear here live.
              </td>
            </tr>
          )}
          {sockets.map((c) => (
            <ConnectionRow key={c.conn} c={c} />
          ))}
        </tbody>
      </table>
      {http.length > 0 && <HttpGroup http={http} />}
      {store.evictedConnections > 0 && (
        <p class="note">{plural(store.evictedConnections, 'older closed connection')} let go to bound memory.</p>
      )}
    </section>
  );
}

function ConnectionRow({ c }: { c: Connection }) {
  watchBatches();
  const selected = selectedConn.value === c.conn;
  const select = () => selectConnection(c.conn);
  const end = c.end ? c.startedAt + c.end.durationMs : c.lastAt;
  const path = visible(c.request?.path ?? '');
  const upstream = visible(c.upstream ?? '');
  return (
    <tr
      class={selected ? 'selected' : ''}
      aria-selected={selected}
      tabIndex={0}
      data-conn={c.conn}
      onClick={select}
      onKeyDown={(e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault(); // Space would scroll the table
        select();
      }}
    >
      <td class="num">{c.conn}</td>
      <td class="mono">{c.client ?? '?'}</td>
      <td class="mono path" title={path}>
        {path}
      </td>
      <td class="mono upstream only-wide" title={upstream}>
        {upstream}
      </td>
      <td>
        <StateCell c={c} />
      </td>
      <td class="verdict">
        <Verdict c={c} />
      </td>
      <td class="mono only-wide">{negotiated(c)}</td>
      <td class="num only-wide">{traffic(c, 'client')}</td>
      <td class="num only-wide">{traffic(c, 'server')}</td>
      <td class="num only-narrow" title={`client → server: ${traffic(c, 'client')}; server → client: ${traffic(c, 'server')}`}>
        → {count(c, 'client')} ← {count(c, 'server')}
      </td>
      <td class="num only-wide">{formatDuration(Math.max(0, end - c.startedAt))}</td>
      <td class={`num ${c.violations > 0 ? 'bad' : ''}`}>{c.violations}</td>
    </tr>
  );
}

/** Frames and bytes one way; a capture without frames (a HAR) has only messages. */
function traffic(c: Connection, side: Side): string {
  const { frames, messages, wireBytes } = c.counts[side];
  if (frames === 0 && messages > 0) return `${messages} msg`;
  return `${frames} fr · ${formatBytes(wireBytes)}`;
}

/** Frames one way, for the small window's column (messages for a capture without frames). */
function count(c: Connection, side: Side): string {
  const { frames, messages } = c.counts[side];
  return frames === 0 && messages > 0 ? `${messages} msg` : String(frames);
}

function StateCell({ c }: { c: Connection }) {
  watchBatches();
  let detail = '';
  if (c.state === 'closing' || c.state === 'closed') {
    const code = c.closeCode === null ? (c.closedBy ? 'no code' : '') : String(c.closeCode);
    detail = [code, c.closedBy ? `by ${c.closedBy}` : c.end && !c.end.clean ? 'TCP ended' : ''].filter(Boolean).join(' ');
  }
  return (
    <span class={`state state-${c.state}`}>
      {c.state}
      {detail && <span class="muted"> {detail}</span>}
    </span>
  );
}

function Verdict({ c }: { c: Connection }) {
  watchBatches();
  if (!c.response) return <span class="muted">{c.request ? 'waiting' : '—'}</span>;
  const first = c.handshakeViolations[0];
  if (c.response.ok) return <span class="ok" title="every handshake check passed">✔ valid</span>;
  if (first) return <span class="bad" title={`${first.rule}: ${visible(first.message)}`}>✖ {first.rule}</span>;
  return <span class="bad">✖ status {c.response.status}</span>;
}

function negotiated(c: Connection): string {
  if (!c.response) return '';
  const parts = [c.response.subprotocol ?? '—'];
  for (const ext of c.response.extensions) parts.push(ext.name);
  return visible(parts.join(' · '));
}

function HttpGroup({ http }: { http: Connection[] }) {
  watchBatches();
  const requests = http.flatMap((c) => c.http.map((h) => ({ c, h })));
  return (
    <details class="http-group">
      <summary>HTTP requests relayed ({requests.length})</summary>
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">client</th>
            <th scope="col">method</th>
            <th scope="col">path</th>
            <th scope="col" class="num">status</th>
          </tr>
        </thead>
        <tbody>
          {requests.map(({ c, h }, i) => (
            <tr key={`${c.conn}-${i}`}>
              <td class="num">{c.conn}</td>
              <td class="mono">{c.client ?? '?'}</td>
              <td class="mono">{visible(h.method)}</td>
              <td class="mono path">{visible(h.path)}</td>
              <td class={`num ${h.status >= 400 ? 'bad' : ''}`}>{h.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
