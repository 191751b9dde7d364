/** The bounded store: summaries per connection, cursor reads, eviction of the oldest closed connections past --keep. */
import { describe, expect, test, vi } from 'vitest';
import { EventStore } from '../../src/ui/event-store.js';
import { SEGMENT_BYTES } from '../../src/ui/segment.js';
import type { EvictedEvent, LiveEvent } from '../../src/ui/live-events.js';
import { connection, end, frame, handshake, http, text, violation } from '../filter/events.js';

function conversation(conn: number, body = 'hello') {
  return [connection(conn), handshake(conn), frame(conn, 'client', 1, body.length), text(conn, 'client', body), end(conn)];
}

const size = (events: object[]) => events.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)), 0);

function readAll(store: EventStore, from = 0, maxBytes = Infinity): { events: LiveEvent[]; next: number } {
  const { slices, count, next } = store.readSince(from, maxBytes);
  const events = JSON.parse(`[${slices.join(',')}]`) as LiveEvent[];
  expect(events).toHaveLength(count);
  return { events, next };
}

const eventsOf = (store: EventStore, conn?: number) => store.jsonOf(conn).map((json) => JSON.parse(json));

describe('EventStore', () => {
  test('summaries follow each connection: state, path, stats, violations, close', () => {
    const store = new EventStore();
    store.add(connection(1));
    store.add({ ...handshake(1), path: '/chat' });
    expect(store.summaries()[0]).toMatchObject({ conn: 1, state: 'handshaking', path: '/chat', client: '127.0.0.1:5000', upstream: 'ws://127.0.0.1:9000/' });
    store.add({ type: 'handshake-response', conn: 1, ts: 1, status: 101, reason: 'Switching Protocols', headers: [], accept: { expected: 'a', actual: 'a', valid: true }, subprotocol: 'chat', extensions: [], ok: true });
    store.add(frame(1, 'client', 1, 5));
    store.add(violation(1, 'mask-key-weak'));
    store.add(text(1, 'client', 'hello'));
    expect(store.summaries()[0]).toMatchObject({ state: 'open', handshakeOk: true, subprotocol: 'chat', violations: 1, stats: { client: { frames: 1, messages: 1, wireBytes: 7 } } });
    store.add(frame(1, 'server', 8, 2, { close: { code: 1000, codeName: 'Normal Closure', reason: '' } }));
    expect(store.summaries()[0]).toMatchObject({ state: 'closing', by: 'server', closeCode: 1000 });
    store.add({ ...end(1), ts: 42 });
    expect(store.summaries()[0]).toMatchObject({ state: 'closed', endedAt: 42, by: 'client' });
    store.add(connection(2));
    store.add(http(2));
    expect(store.summaries()[1]).toMatchObject({ conn: 2, state: 'http', path: '/' });
  });

  test('the size kept is the JSON of the events, in UTF-8 bytes', () => {
    const store = new EventStore();
    const events = conversation(1, 'héllo ✓ 🙂');
    for (const event of events) store.add(event);
    expect(store.stats()).toMatchObject({ keptBytes: size(events), events: 5, connections: 1 });
    expect(eventsOf(store)).toEqual(events);
  });

  test('readSince reads from a cursor, up to about maxBytes (at least one event)', () => {
    const store = new EventStore();
    const events = [...conversation(1), ...conversation(2)];
    for (const event of events) store.add(event);
    expect(store.head).toBe(events.length);
    expect(readAll(store)).toEqual({ events, next: events.length });
    expect(readAll(store, 7)).toEqual({ events: events.slice(7), next: events.length });
    const three = size(events.slice(2, 5));
    expect(readAll(store, 2, three - 1)).toEqual({ events: events.slice(2, 5), next: 5 });
    expect(readAll(store, 2, 1)).toEqual({ events: events.slice(2, 3), next: 3 });
    expect(readAll(store, events.length)).toEqual({ events: [], next: events.length });
    expect(eventsOf(store, 2)).toEqual(events.slice(5));
  });

  test('thousands of events across segments (and one larger than a segment) read back exactly, from any cursor', () => {
    const store = new EventStore();
    const body = (conn: number) => `message ${conn} é `.repeat((conn % 7) * 40);
    const events = [];
    for (let conn = 1; conn <= 1400; conn++) events.push(...conversation(conn, body(conn)));
    events.push(...conversation(1401, 'x'.repeat(SEGMENT_BYTES * 2)));
    for (const event of events) store.add(event);
    expect(size(events)).toBeGreaterThan(5 * SEGMENT_BYTES);
    expect(readAll(store).events).toEqual(events);
    for (const from of [0, 1, 511, 512, 513, 1024, 1999, 2002]) {
      let cursor = from;
      const got: LiveEvent[] = [];
      while (cursor < store.head) {
        const { events: batch, next } = readAll(store, cursor, 5000);
        got.push(...batch);
        cursor = next;
      }
      expect(got).toEqual(events.slice(from));
    }
    expect(eventsOf(store, 300)).toEqual(conversation(300, body(300)));
  });

  test('past --keep, the oldest closed connections go; open ones stay; an evicted event says so', () => {
    const open = [connection(1), handshake(1)];
    const store = new EventStore(size(conversation(1)) * 3 + size(open) + 10);
    for (const event of open) store.add(event);
    for (let conn = 2; conn <= 4; conn++) for (const event of conversation(conn)) store.add(event);
    expect(store.stats().droppedConnections).toBe(0);
    for (const event of conversation(5)) store.add(event); // over the budget: 2 (oldest closed) must go, 1 is open
    const stats = store.stats();
    expect(stats.droppedConnections).toBeGreaterThanOrEqual(1);
    expect(stats.keptBytes).toBeLessThanOrEqual(stats.keepBytes);
    const kept = store.summaries().map((s) => s.conn);
    expect(kept).toContain(1);
    expect(kept).not.toContain(2);
    expect(kept).toContain(5);
    expect(eventsOf(store, 2)).toEqual([]);
    const { events } = readAll(store);
    const evicted = events.filter((e) => e.type === 'evicted');
    expect(evicted).toHaveLength(1); // one eviction so far
    expect(evicted[0]).toMatchObject({ conn: 0, droppedConnections: stats.droppedConnections });
    expect((evicted[0] as { conns: number[] }).conns).toContain(2);
    // A cursor from before the eviction skips what went.
    expect(readAll(store, 0).events.some((e) => e.conn === 2)).toBe(false);
  });

  test('open connections alone over budget: their oldest frames and messages go, their handshake stays', () => {
    const store = new EventStore(20_000);
    store.add(connection(1));
    store.add(handshake(1));
    for (let i = 0; i < 500; i++) {
      store.add(frame(1, 'client', 1, 64));
      store.add(text(1, 'client', 'x'.repeat(64)));
    }
    const stats = store.stats();
    expect(stats.droppedEvents).toBeGreaterThan(0);
    expect(stats.keptBytes).toBeLessThanOrEqual(20_000 * 1.1);
    const types = eventsOf(store, 1).map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['connection', 'handshake-request']);
    expect(types.length).toBeLessThan(1002);
  });

  test('slices handed out stay intact through evictions while in use; evicted memory is reused once they are not', () => {
    const store = new EventStore(SEGMENT_BYTES * 4);
    let inUse = true;
    store.slicesInUse(() => inUse);
    const flood = (from: number, to: number) => {
      for (let conn = from; conn <= to; conn++) for (const event of conversation(conn, `message ${conn} `.repeat(400))) store.add(event);
    };
    flood(1, 200);
    const { slices } = store.readSince(0, SEGMENT_BYTES * 8);
    const copies = slices.map((slice) => Buffer.from(slice));
    flood(201, 2000); // many evictions: the first connections are long gone
    expect(store.stats().droppedConnections).toBeGreaterThan(1000);
    expect(slices.map((slice) => slice.equals(copies[slices.indexOf(slice)]!))).not.toContain(false);
    // Once nothing is in use, what later segments write into is memory let go by evictions.
    inUse = false;
    const before = new Set(slices.map((slice) => slice.buffer));
    let reused = false;
    for (let conn = 2001; conn <= 4000 && !reused; conn += 10) {
      flood(conn, conn + 9);
      reused = store.readSince(0, Infinity).slices.some((slice) => before.has(slice.buffer));
    }
    expect(reused).toBe(true);
  });

  test('after a spell of large events, small ones write into the memory the store already had (no new segment buffers)', () => {
    const store = new EventStore(SEGMENT_BYTES * 4);
    const seen = new Set<ArrayBufferLike>();
    const inUse = () => store.readSince(0, Infinity).slices.map((slice) => slice.buffer);
    const flood = (from: number, to: number, body: (conn: number) => string, record = true) => {
      for (let conn = from; conn <= to; conn++) {
        for (const event of conversation(conn, body(conn))) store.add(event);
        if (record) for (const buffer of inUse()) seen.add(buffer);
      }
    };
    const small = (conn: number) => `message ${conn} `.repeat(20);
    flood(1, 3000, small);
    flood(3001, 3100, (conn) => `${conn} `.repeat(30_000)); // ~100 KB events, like a 1 MiB message's preview
    const dropped = store.stats().droppedConnections;
    flood(3101, 9000, small, false);
    expect(store.stats().droppedConnections).toBeGreaterThan(dropped + 100); // the large ones were evicted...
    const segmentBuffers = inUse().filter((buffer) => buffer.byteLength === SEGMENT_BYTES);
    expect(segmentBuffers.length).toBeGreaterThanOrEqual(3);
    // ...and the small ones that replaced them use no buffer first seen after the large spell.
    const fresh = new Set(segmentBuffers);
    for (const buffer of seen) fresh.delete(buffer);
    expect(fresh.size).toBe(0);
  });

  test('an eviction that drops some of the connections sharing segments packs the rest into memory the store already had', () => {
    const store = new EventStore(SEGMENT_BYTES * 8);
    let conn = 1;
    const run = () => {
      // Four connections open at once, ~6 MB of events interleaved in the same segments, then closed.
      const conns = [conn++, conn++, conn++, conn++];
      for (const c of conns) store.add(connection(c));
      for (let i = 0; i < 16_000; i++) store.add(text(conns[i % 4]!, 'client', `${i} `.repeat(40)));
      for (const c of conns) store.add(end(c));
      store.flush();
    };
    for (let i = 0; i < 3; i++) run();
    const notices = () => readAll(store).events.filter((event): event is EvictedEvent => event.type === 'evicted');
    const before = notices().length;
    const allocations = vi.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      for (let i = 0; i < 6; i++) run();
      // Evictions took one or two of a run's connections at a time (a run is 4 connections, 6 MB)...
      const evictions = notices().slice(before);
      expect(evictions.length).toBeGreaterThan(10);
      expect(evictions.filter((notice) => notice.conns.length % 4 !== 0).length).toBeGreaterThan(evictions.length / 2);
      // ...and what stayed of those segments went into reused buffers: new memory only where an
      // eviction's last packed segment ended mostly empty (its events then copied to fit), at most a
      // segment each (copying what stayed into new memory took 24 MB here).
      const fresh = allocations.mock.calls.reduce((sum, [bytes]) => sum + bytes, 0);
      expect(fresh).toBeLessThanOrEqual(evictions.length * SEGMENT_BYTES);
    } finally {
      allocations.mockRestore();
    }
    expect(store.summaries().every((summary) => eventsOf(store, summary.conn).length === 4002)).toBe(true);
  });

  test.each([false, true])('writeNdjsonTo gets every event added as an NDJSON line, in order, across segments and evictions (never the evicted notices); doneOnReturn %s', (doneOnReturn) => {
    const store = new EventStore(SEGMENT_BYTES * 2);
    const out: Buffer[] = [];
    const memory = new Set<ArrayBufferLike>();
    store.writeNdjsonTo(
      (lines) => {
        memory.add(lines.buffer);
        out.push(Buffer.from(lines)); // a copy: done with the bytes on return
      },
      { doneOnReturn },
    );
    const events = [];
    for (let conn = 1; conn <= 900; conn++) events.push(...conversation(conn, `é ✓ ${conn} `.repeat(conn % 50)));
    events.push(...conversation(901, 'x'.repeat(SEGMENT_BYTES * 2)));
    for (const event of events) {
      store.add(event);
      if (event.type === 'connection-end') store.flush(); // as the event loop would, once in a while
    }
    store.flush();
    expect(store.stats().droppedConnections).toBeGreaterThan(0);
    expect(Buffer.concat(out).toString()).toBe(events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    // Done on return: every batch but the one of an event larger than a batch is copied into the same memory.
    expect(out.length).toBeGreaterThan(800);
    if (doneOnReturn) expect(memory.size).toBeLessThanOrEqual(2);
  });

  test('the last 64 evicted events stay, however many evictions there were', () => {
    const store = new EventStore(size(conversation(1)) * 2);
    for (let conn = 1; conn <= 300; conn++) for (const event of conversation(conn)) store.add(event);
    const notices = readAll(store).events.filter((e) => e.type === 'evicted') as EvictedEvent[];
    expect(store.stats().droppedConnections).toBeGreaterThan(200);
    expect(notices).toHaveLength(64);
    expect(notices.at(-1)!.droppedConnections).toBe(store.stats().droppedConnections);
  });

  test.each([
    { segments: 'many connections per segment (each event looked at)', keep: 400_000, conns: 600, repeat: 1 },
    { segments: 'a few connections per segment (segments decided whole)', keep: 2_000_000, conns: 200, repeat: 2000 },
  ])('evictions keep exactly the surviving connections, in order: $segments', ({ keep, conns, repeat }) => {
    const store = new EventStore(keep);
    const all: LiveEvent[] = [connection(1), handshake(1)];
    for (const event of all) store.add(event as never);
    for (let conn = 2; conn <= conns; conn++) {
      const events = [...conversation(conn, `text of ${conn} `.repeat(repeat)), frame(1, 'client', 1, 9)];
      for (const event of events) store.add(event);
      all.push(...events);
    }
    const stats = store.stats();
    expect(stats.droppedConnections).toBeGreaterThan(100);
    expect(stats.droppedEvents).toBe(0);
    const kept = new Set(store.summaries().map((s) => s.conn));
    expect(kept.has(1)).toBe(true);
    const read = readAll(store).events;
    expect(read.filter((e) => e.type !== 'evicted')).toEqual(all.filter((e) => kept.has(e.conn)));
    expect(read).toHaveLength(stats.events);
    expect(stats.keptBytes).toBe(size(read.filter((e) => e.type !== 'evicted')));
  });
});
