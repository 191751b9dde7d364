/**
 * Filtering a stream of events in wire order (the terminal views, `read`,
 * and the page's store when the expression changes or events arrive).
 *
 * Frames and messages are subjects; a violation belongs to the frame or
 * message right before it on its connection (to the handshake when none).
 * When the expression mentions violations, a subject waits for the events
 * after it (or for flush()) before it is decided. A connection's other events
 * (connection, handshake, http, error, connection-end...) are held until one
 * of its subjects matches, then shown with it; when the expression names only
 * conn:N and host:NAME, they are matched directly instead.
 *
 * Memory: per open connection, at most one pending subject and
 * MAX_HELD_CONTEXT held context events; all of it is let go at connection-end.
 */
import type { WireEvent } from '../inspector/events.js';
import type { Filter } from './match.js';

/** Context events held per connection before any match (an HTTP keep-alive connection may have many). */
const MAX_HELD_CONTEXT = 32;

export interface FilterView {
  /** Takes the next event; returns the events to show now, in order (possibly earlier ones held back). */
  push(event: WireEvent): WireEvent[];
  /**
   * Decides the subjects still waiting for violations. Call it when a batch of
   * events has been pushed (the core emits a frame and its violations together).
   */
  flush(): WireEvent[];
}

type WireViolation = Extract<WireEvent, { type: 'violation' }>;

interface ConnState {
  host: string | null;
  revealed: boolean;
  held: WireEvent[];
  pending: { event: WireEvent; violations: WireViolation[] } | null;
}

export function createFilterView(filter: Filter): FilterView {
  const conns = new Map<number, ConnState>();

  const stateOf = (conn: number): ConnState => {
    let state = conns.get(conn);
    if (!state) {
      state = { host: null, revealed: false, held: [], pending: null };
      conns.set(conn, state);
    }
    return state;
  };

  const decide = (state: ConnState, event: WireEvent, violations: WireViolation[], out: WireEvent[]): void => {
    if (!filter.matches({ event, violations, host: state.host })) return;
    if (!state.revealed) {
      state.revealed = true;
      out.push(...state.held);
      state.held = [];
    }
    out.push(event, ...violations);
  };

  const settle = (state: ConnState, out: WireEvent[]): void => {
    if (!state.pending) return;
    const { event, violations } = state.pending;
    state.pending = null;
    decide(state, event, violations, out);
  };

  return {
    push(event) {
      if (filter.empty) return [event];
      const state = stateOf(event.conn);
      if (event.type === 'connection') state.host = hostOf(event.upstream);
      if (filter.connectionLevel) {
        if (event.type === 'connection-end') conns.delete(event.conn);
        return filter.matches({ event, violations: [], host: state.host }) ? [event] : [];
      }
      if (event.type === 'violation' && state.pending) {
        state.pending.violations.push(event);
        return [];
      }
      const out: WireEvent[] = [];
      settle(state, out);
      if (event.type === 'frame' || event.type === 'message' || event.type === 'violation') {
        if (filter.needsFollowers && event.type !== 'violation') state.pending = { event, violations: [] };
        else decide(state, event, [], out);
      } else if (state.revealed) out.push(event);
      else if (state.held.length < MAX_HELD_CONTEXT) state.held.push(event);
      if (event.type === 'connection-end') conns.delete(event.conn);
      return out;
    },
    flush() {
      const out: WireEvent[] = [];
      for (const state of conns.values()) settle(state, out);
      return out;
    },
  };
}

/** The host of an upstream URL, without IPv6 brackets; null when it does not parse. */
export function hostOf(upstream: string): string | null {
  try {
    return new URL(upstream).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return null;
  }
}
