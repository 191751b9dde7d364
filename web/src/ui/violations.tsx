/** Every violation of the selected connection (or of all), each linked to the frame or message that caused it. */
import { useState } from 'preact/hooks';
import { openRow, selectConnection, selectedConn, store, tab, version } from '../state.js';
import { plural } from '../format.js';
import { ViolationItem } from './violation-item.js';

export function Violations() {
  version.value;
  const [chosenAll, setAll] = useState(false);
  const conn = selectedConn.value;
  // With no connection selected there is only "all".
  const all = chosenAll || conn === null;
  const entries = store.violations.filter((v) => all || v.event.conn === conn);
  const elsewhere = store.violations.length - entries.length;
  return (
    <section class="violations" aria-label="Violations">
      <div class="tab-tools">
        <label>
          <input type="checkbox" checked={all} disabled={conn === null} onChange={(e) => setAll(e.currentTarget.checked)} /> all connections
        </label>
        <span class="muted">{plural(entries.length, 'violation')}</span>
      </div>
      {entries.length === 0 ? (
        <p class="empty">
          {elsewhere > 0
            ? `No violation on connection ${conn}; ${plural(elsewhere, 'violation')} on other connections (tick "all connections" to see them).`
            : `No violation: every frame and handshake checked so far${all ? '' : ` on connection ${conn}`} follows RFC 6455 and RFC 7692.`}
        </p>
      ) : (
        <ol class="violation-list">
          {entries.map((entry, i) => (
            <li key={i} class={`violation sev-${entry.event.severity}`}>
              <ViolationItem v={entry.event} />
              <div class="violation-link">
                connection {entry.event.conn} ·{' '}
                {entry.row ? (
                  <button type="button" class="link" onClick={() => openRow(entry.event.conn, entry.row!.seq)}>
                    show the {entry.row.kind === 'note' ? 'event' : entry.row.kind} that caused it
                  </button>
                ) : (
                  <button
                    type="button"
                    class="link"
                    onClick={() => {
                      selectConnection(entry.event.conn);
                      tab.value = 'handshake';
                    }}
                  >
                    show the handshake
                  </button>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
