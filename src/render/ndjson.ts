/**
 * The `--json` output: one JSON object per line, exactly the event (the
 * contract's NDJSON). No terminal escaping: JSON escaping already keeps every
 * control character out of the line, and scripts need the exact text.
 *
 * This is the proxy's hot path (small messages at high rates): lines are
 * gathered into one write per tick, at most one per 5 ms (write-batch.ts).
 */
import type { EventSink, TextOut } from './sink.js';
import { eventJson } from './event-json.js';
import { batchedWrites } from './write-batch.js';

export function createNdjsonSink(out: TextOut): EventSink {
  // Backpressure is the writer's business: the proxy writes through an OutputQueue (output-queue.ts).
  const batched = batchedWrites(out);
  return {
    write(event) {
      batched.write(`${eventJson(event)}\n`);
    },
    async close() {
      batched.flush();
    },
  };
}
