/**
 * The live event stream: one WebSocket to /api/events (backlog first, then
 * every event as it happens, each message a JSON array of events), and a
 * batcher that applies what arrived at most ~30 times a second, however fast
 * the traffic, so the page never falls behind repainting.
 */
import type { LiveEvent } from './model/wire.js';

export type LinkState = 'connecting' | 'live' | 'lost';

/** Applies queued events no more often than every `intervalMs`. */
export class Batcher {
  private queue: LiveEvent[][] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = -Infinity;

  constructor(
    private readonly apply: (events: LiveEvent[]) => void,
    private readonly intervalMs = 33,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(events: LiveEvent[]): void {
    this.queue.push(events);
    if (this.timer !== null) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.last = this.now();
    const batch = this.queue.length === 1 ? this.queue[0]! : this.queue.flat();
    this.queue = [];
    if (batch.length > 0) this.apply(batch);
  }

  /** Drops what is queued (a reconnect brings the backlog again). */
  drop(): void {
    this.queue = [];
  }
}

export interface LiveOptions {
  /** The stream (re)opened: the server sends its whole backlog again. */
  onOpen(): void;
  onEvents(events: LiveEvent[]): void;
  onState(state: LinkState): void;
}

export function eventsUrl(location: { href: string; protocol: string; search: string }): string {
  const url = new URL('api/events', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get('token');
  url.search = token ? `?token=${encodeURIComponent(token)}` : '';
  url.hash = '';
  return url.href;
}

/** Follows the stream, reconnecting with a growing pause when the server goes away. */
export function followLive(url: string, options: LiveOptions): () => void {
  let socket: WebSocket | null = null;
  let retry = 500;
  let stopped = false;
  const open = () => {
    options.onState('connecting');
    socket = new WebSocket(url);
    socket.onopen = () => {
      retry = 500;
      options.onOpen();
      options.onState('live');
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      const events = JSON.parse(message.data) as LiveEvent[];
      if (Array.isArray(events)) options.onEvents(events);
    };
    socket.onclose = () => {
      if (stopped) return;
      options.onState('lost');
      setTimeout(open, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  open();
  return () => {
    stopped = true;
    socket?.close();
  };
}
