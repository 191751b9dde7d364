/**
 * The bar above everything: the filter box (the shared filter language; an
 * invalid expression says why and where, and which filter still applies),
 * frames/messages, pause/resume, clear, downloads (the server's export
 * routes), and the link's state.
 */
import { appliedFilter, parsedFilter } from '../filter.js';
import { clearAll, filterText, link, liveProxy, mode, paused, selectedConn, setPaused, store, version, waiting } from '../state.js';
import { plural } from '../format.js';

export function Toolbar({ filterRef }: { filterRef: { current: HTMLInputElement | null } }) {
  version.value;
  const parsed = parsedFilter.value;
  const error = parsed.ok ? null : parsed.error;
  const conn = selectedConn.value;
  const scope = conn === null ? '' : `?conn=${conn}`;
  return (
    <header class="bar">
      <h1>wsinspect</h1>
      <span class={`link link-${link.value}`} role="status" aria-live="polite">
        {link.value === 'live' ? (liveProxy.value === false ? '● saved capture' : '● live') : link.value === 'connecting' ? '○ connecting…' : '○ lost, retrying…'}
      </span>
      <div class="filter">
        <input
          ref={filterRef}
          type="search"
          placeholder='filter: client text "hello" !ping size>100 rule:ID  ( / to focus )'
          aria-label="Filter expression"
          aria-invalid={error !== null}
          aria-describedby="filter-error"
          spellcheck={false}
          class={error ? 'invalid' : ''}
          value={filterText.value}
          onInput={(e) => (filterText.value = e.currentTarget.value)}
        />
        <div id="filter-error" class="filter-error" role="alert">
          {error && (
            <>
              <Where source={filterText.value} position={error.position} />
              <span class="filter-reason">{error.message}</span>
              <span class="filter-kept">
                {appliedFilter.value.source ? (
                  <>
                    — still showing <code>{appliedFilter.value.source}</code>
                  </>
                ) : (
                  '— still showing everything'
                )}
              </span>
            </>
          )}
        </div>
      </div>
      <div class="segmented" role="radiogroup" aria-label="Show">
        {(['frames', 'messages'] as const).map((m) => (
          <button key={m} type="button" role="radio" aria-checked={mode.value === m} class={mode.value === m ? 'on' : ''} onClick={() => (mode.value = m)}>
            {m}
          </button>
        ))}
      </div>
      <button type="button" onClick={() => setPaused(!paused.value)} aria-pressed={paused.value}>
        {paused.value ? `▶ resume${waiting.value > 0 ? ` (${plural(waiting.value, 'new event')})` : ''}` : '❚❚ pause'}
      </button>
      <button type="button" onClick={clearAll} title="Forget what the page shows (the server keeps its history)">
        clear
      </button>
      <span class="downloads">
        <a href={`api/export.har${scope}`} download>
          HAR
        </a>
        <a href={`api/export.ndjson${scope}`} download>
          NDJSON
        </a>
        <span class="muted">{conn === null ? 'everything' : `connection ${conn}`}</span>
      </span>
      {store.evicted > 0 && <span class="muted" title="The page keeps a bounded number of rows">{plural(store.evicted, 'older row')} let go</span>}
      {store.serverDropped.connections + store.serverDropped.events > 0 && (
        <span class="muted" title="The server keeps a bounded history (--keep)">
          server dropped {plural(store.serverDropped.connections, 'old connection')}
          {store.serverDropped.events > 0 ? ` and ${plural(store.serverDropped.events, 'event')}` : ''}
        </span>
      )}
    </header>
  );
}

/** The expression with the character where parsing failed marked. */
function Where({ source, position }: { source: string; position: number }) {
  const at = position - 1;
  return (
    <code class="where">
      {source.slice(0, at)}
      <mark>{source.slice(at, at + 1) || ' '}</mark>
      {source.slice(at + 1)}
    </code>
  );
}
