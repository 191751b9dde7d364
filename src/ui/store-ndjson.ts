/**
 * `--json` with the inspector on: the NDJSON lines are the store's own bytes
 * (each event's JSON with a newline for its comma), so an event is serialized
 * and encoded once for both, not once each. For when every event goes to
 * stdout as it is (no --filter, no --json-lossy); otherwise render/ndjson.ts.
 * `doneOnReturn`: `out` has written the bytes when write returns (a file).
 */
import type { EventSink } from '../render/sink.js';
import type { EventStore } from './event-store.js';

export function createStoreNdjsonSink(store: EventStore, out: { write(bytes: Uint8Array): boolean }, { doneOnReturn = false } = {}): EventSink {
  store.writeNdjsonTo((lines) => out.write(lines), { doneOnReturn });
  return {
    // The store has the event already: whoever feeds this sink adds every event to the store first.
    write() {},
    async close() {
      store.flush();
    },
  };
}
