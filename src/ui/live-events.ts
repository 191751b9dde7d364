/**
 * What the inspector's live WebSocket (`GET /api/events`) carries: the
 * stamped events of the NDJSON output, plus one event of its own, `evicted`,
 * when the bounded store let connections go (so the page can let them go
 * too and say how many). Types only: the page imports them.
 */
import type { WireEvent } from '../inspector/events.js';

export interface EvictedEvent {
  type: 'evicted';
  /** Not a connection: 0. */
  conn: 0;
  ts: number;
  /** The connections dropped just now (oldest closed first). */
  conns: number[];
  /** Connections dropped since the process started. */
  droppedConnections: number;
  /** Frames, messages and violations dropped from connections still open (only when open ones alone exceed --keep). */
  droppedEvents: number;
}

export type LiveEvent = WireEvent | EvictedEvent;
