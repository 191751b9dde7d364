/** Test helper: live events and the events `read` gives for the proxy's pcapng of the same traffic, side by side. */
import type { WireEvent } from '../../src/inspector/events.js';

/**
 * The live events and the events read from the pcapng, comparable: `conn`,
 * `ts` and `durationMs` set aside, and the Host header the proxy rewrote (the
 * pcapng holds the upstream's bytes, so it shows the rewritten Host).
 */
export function comparable(events: WireEvent[]): unknown[] {
  return events.map(({ conn: _conn, ts: _ts, ...event }) => {
    if (event.type === 'connection-end') return { ...event, durationMs: 0 };
    if (event.type === 'handshake-request') return { ...event, headers: event.headers.filter(([name]) => name.toLowerCase() !== 'host') };
    return event;
  });
}
