/**
 * The page's state: the one store, and the signals that say what is shown.
 * `version` is bumped once per applied batch (at most ~30 a second), so the
 * views re-render per batch, not per event; while paused it is not bumped.
 */
import { signal } from '@preact/signals';
import type { FieldId } from './model/frame-layout.js';
import { Store } from './model/store.js';
import type { Mode } from './model/view.js';
import type { LiveEvent } from './model/wire.js';
import type { LinkState } from './live.js';

export type Tab = 'timeline' | 'handshake' | 'violations' | 'learn';

export const store = new Store();
export const version = signal(0);
export const link = signal<LinkState>('connecting');
export const paused = signal(false);
/** Events applied to the store while paused, not shown yet. */
export const waiting = signal(0);
/** Messages held by --intercept now: kept current even while paused, since a held message waits for the user. */
export const heldNow = signal(0);

/**
 * Whether the server acts on live traffic (GET /api/stats `live`): false for
 * `wsinspect read --ui`, a saved capture, where nothing can be sent, held or
 * replayed; null until the server said.
 */
export const liveProxy = signal<boolean | null>(null);

export const selectedConn = signal<number | null>(null);
export const selectedSeq = signal<number | null>(null);
export const tab = signal<Tab>('timeline');
export const mode = signal<Mode>('frames');
export const filterText = signal('');
/** Keep the newest row in view as rows arrive. */
export const follow = signal(true);
/** The frame fields under the pointer or focus, in the diagram, the field list or the hex dump. */
export const hoveredFields = signal<readonly FieldId[]>([]);
/** Bumped by openRow: the page then moves focus to the opened row's detail (the link that opened it is gone with its tab). */
export const opened = signal(0);

/**
 * Call at the top of a component that renders store objects: they are
 * mutated in place as events arrive, and @preact/signals skips re-rendering a
 * component whose props are unchanged unless it read a signal that changed.
 */
export function watchBatches(): number {
  return version.value;
}

/** Whether a connection was selected yet (by the page or the user): "all connections" is a choice too. */
let chosen = false;

export function selectConnection(conn: number | null): void {
  chosen = true;
  if (selectedConn.value !== conn) selectedSeq.value = null;
  selectedConn.value = conn;
}

export function applyEvents(events: LiveEvent[]): void {
  store.ingest(events);
  heldNow.value = store.heldCount;
  if (selectedConn.value === null && !chosen) {
    // Open the first WebSocket connection by itself (once): that is what a newcomer came to see.
    const first = [...store.connections.values()].find((c) => c.request !== null);
    if (first) selectedConn.value = first.conn;
    chosen = first !== undefined;
  }
  if (paused.value) waiting.value += events.length;
  else version.value++;
}

export function setPaused(value: boolean): void {
  paused.value = value;
  if (!value) {
    waiting.value = 0;
    version.value++;
  }
}

export function clearAll(): void {
  store.clear();
  selectedSeq.value = null;
  selectedConn.value = null;
  waiting.value = 0;
  heldNow.value = 0;
  version.value++;
}

export function openRow(conn: number, seq: number | null): void {
  selectConnection(conn);
  selectedSeq.value = seq;
  tab.value = 'timeline';
  opened.value++;
}
