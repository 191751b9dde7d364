/**
 * `--json-lossy`: while stdout's queue is full, events are dropped instead of
 * slowing the relay, and counted per connection. Once the queue has drained
 * (or the sink closes), each connection's gap is reported where it was, as a
 * `dropped` event: `events` lost, the first of them stamped `since`.
 */
import type { WireEvent } from '../inspector/events.js';
import type { OutputQueue } from './output-queue.js';
import type { EventSink } from './sink.js';

export function createLossySink(sink: EventSink, queue: OutputQueue): EventSink {
  const gaps = new Map<number, { events: number; since: number }>();
  const report = (): void => {
    for (const [conn, { events, since }] of gaps) {
      const dropped: WireEvent = { type: 'dropped', conn, ts: Date.now(), events, since };
      sink.write(dropped);
    }
    gaps.clear();
  };
  queue.onChange((full) => {
    if (!full) report();
  });
  return {
    write(event) {
      if (!queue.full) return sink.write(event);
      const gap = gaps.get(event.conn);
      if (gap) gap.events++;
      else gaps.set(event.conn, { events: 1, since: event.ts });
    },
    async close() {
      report();
      await sink.close();
    },
  };
}
