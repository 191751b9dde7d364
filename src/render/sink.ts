/**
 * Renderers are sinks of stamped events: the proxy (many connections
 * interleaved) and the connect/handshake commands write every event to one
 * sink, which may fan out to several (say the pretty view and a HAR file).
 */
import type { InspectorEvent, WireEvent } from '../inspector/events.js';

/** One kind of event as a sink gets it, stamped with its connection and time. */
export type Stamped<E extends InspectorEvent> = E & { conn: number; ts: number };

export interface EventSink {
  write(event: WireEvent): void;
  /** Flushes what the sink still holds; the stream it writes to stays open (it may be stdout). */
  close(): Promise<void>;
}

/** Where text sinks write: process.stdout or anything with its `write`. */
export interface TextOut {
  write(text: string): boolean;
}

/** One sink that writes every event to each of `sinks`, in order. */
export function fanOut(...sinks: EventSink[]): EventSink {
  return {
    write(event) {
      for (const sink of sinks) sink.write(event);
    },
    async close() {
      // Every sink gets to close (a HAR file is still written when another sink fails); the first failure is reported.
      const results = await Promise.allSettled(sinks.map((sink) => sink.close()));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
