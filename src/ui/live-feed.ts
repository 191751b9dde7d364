/**
 * `GET /api/events`: every page client follows the store with a cursor (a
 * sequence number). A timer sends each client, at most ~30 times a second,
 * one message with the events from its cursor on: the backlog first, then new
 * events as they come. Nothing is queued per client and nothing runs per
 * event (the store already holds each event's JSON in UTF-8), so the relay
 * pays only the store's add() and a few socket writes per tick: a batch is
 * one WebSocket message sent in fragments (`[`, the store's slices, `]`), so
 * its bytes go to the socket as they are, never copied or re-encoded.
 *
 * Backpressure: a client whose socket still holds more than HIGH_WATER bytes
 * is skipped until it drains; its cursor simply stays behind, so a slow page
 * costs no memory beyond what the store keeps anyway. If the store evicts
 * events it had not yet read, it skips them and gets the `evicted` event that
 * says which connections went (the page then drops them too).
 */
import type { WebSocket } from 'ws';
import type { EventStore } from './event-store.js';

export const TICK_MS = 33;
/** One message's JSON stays under about this many bytes (a page parses it in a few ms). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Bytes a client's socket may hold before it is skipped. */
const HIGH_WATER = 8 * 1024 * 1024;

interface Client {
  ws: WebSocket;
  cursor: number;
}

export class LiveFeed {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: EventStore) {
    // The slices sent are views of the store's buffers: they stay in use until every socket has sent them.
    store.slicesInUse(() => {
      for (const { ws } of this.clients) if (ws.bufferedAmount > 0) return true;
      return false;
    });
  }

  follow(ws: WebSocket): void {
    const client: Client = { ws, cursor: 0 };
    this.clients.add(client);
    ws.on('close', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stop();
    });
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  close(): void {
    this.stop();
    for (const { ws } of this.clients) ws.terminate();
    this.clients.clear();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    // Clients at the same cursor (the usual case: all of them live) share one read of the store.
    const made = new Map<number, { slices: Buffer[]; next: number }>();
    for (const client of this.clients) {
      const { ws } = client;
      if (ws.readyState !== ws.OPEN || client.cursor === this.store.head || ws.bufferedAmount > HIGH_WATER) continue;
      let batch = made.get(client.cursor);
      if (!batch) {
        batch = this.store.readSince(client.cursor, MAX_BATCH_BYTES);
        made.set(client.cursor, batch);
      }
      client.cursor = batch.next;
      if (batch.slices.length > 0) sendArray(ws, batch.slices);
    }
  }
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** One text message holding the JSON array of the events in `slices` (each holding events joined by commas). */
function sendArray(ws: WebSocket, slices: Buffer[]): void {
  const more = { binary: false, fin: false };
  ws.send(OPEN, more);
  slices.forEach((slice, k) => {
    if (k > 0) ws.send(COMMA, more);
    ws.send(slice, more);
  });
  ws.send(CLOSE, { fin: true });
}
