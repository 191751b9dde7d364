/**
 * The page's store: messages grouped with their frames, violations on the
 * frame or message that caused them (handshake ones on the handshake), live
 * connection states and counters, and memory bounded however much arrives.
 */
import { describe, expect, test } from 'vitest';
import { stamp as stampEvent, type InspectorEvent, type WireEvent } from '../../src/inspector/events.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { MAX_PAYLOAD_CHARS, MAX_ROWS, Store, type FrameRow, type MessageRow } from '../../web/src/model/store.js';
import { RowView } from '../../web/src/model/view.js';
import { decode } from '../helpers/decode.js';

let clock = 0;
function stamp(events: InspectorEvent[], conn = 1): WireEvent[] {
  return events.map((event) => stampEvent(event, conn, ++clock));
}

const MASK = Uint8Array.from([1, 2, 3, 4]);

describe('Store', () => {
  test('a fragmented message groups its frames; a ping between them stays in place, outside the message', () => {
    const wire = Buffer.concat([
      encodeFrame({ opcode: 0x1, fin: false, payload: 'Hel', maskKey: MASK }),
      encodeFrame({ opcode: 0x9, payload: 'hb', maskKey: MASK }),
      encodeFrame({ opcode: 0x0, fin: true, payload: 'lo', maskKey: MASK }),
    ]);
    const store = new Store();
    store.ingest(stamp(decode(wire, { side: 'client' })));
    const kinds = store.rows.map((r) => (r.kind === 'frame' ? r.event.opcodeName : r.kind));
    expect(kinds).toEqual(['text', 'ping', 'continuation', 'message']);
    const message = store.rows[3] as MessageRow;
    expect(message.frames.map((f) => f.event.opcodeName)).toEqual(['text', 'continuation']);
    expect((store.rows[1] as FrameRow).message).toBeNull();
    expect((store.rows[2] as FrameRow).message).toBe(message);
    const c = store.connections.get(1)!;
    expect(c.counts.client).toEqual({ frames: 3, messages: 1, wireBytes: wire.length });
  });

  test('violations land on the frame that caused them; handshake ones on the handshake; all are listed', () => {
    const store = new Store();
    store.ingest(stamp(decode(encodeFrame({ opcode: 0x1, payload: 'x' }), { side: 'client' })));
    store.ingest(stamp([{ type: 'violation', from: 'client', rule: 'handshake-version', severity: 'error', section: 'RFC6455 4.1', message: 'v' }]));
    const frame = store.rows[0] as FrameRow;
    expect(frame.violations.map((v) => v.rule)).toEqual(['client-frame-unmasked']);
    const c = store.connections.get(1)!;
    expect(c.handshakeViolations.map((v) => v.rule)).toEqual(['handshake-version']);
    expect(c.violations).toBe(2);
    expect(store.violations.map((v) => [v.event.rule, v.row?.seq ?? null])).toEqual([
      ['client-frame-unmasked', frame.seq],
      ['handshake-version', null],
    ]);
  });

  test('connection state follows the handshake, the first close frame and the end', () => {
    const store = new Store();
    const c = () => store.connections.get(1)!;
    store.ingest(stamp([{ type: 'connection', client: '127.0.0.1:5', upstream: 'ws://127.0.0.1:9/' }]));
    expect(c().state).toBe('handshaking');
    store.ingest(stamp([{ type: 'handshake-response', status: 101, reason: 'Switching Protocols', headers: [], accept: { expected: 'a', actual: 'a', valid: true }, subprotocol: null, extensions: [], ok: true }]));
    expect(c().state).toBe('open');
    store.ingest(stamp(decode(encodeFrame({ opcode: 0x8, payload: Uint8Array.from([0x03, 0xe9]) }), { side: 'server' })));
    expect([c().state, c().closeCode, c().closedBy]).toEqual(['closing', 1001, 'server']);
    store.ingest(stamp([{ type: 'connection-end', clean: false, closeCode: 1001, by: 'server', durationMs: 5, stats: { client: { frames: 0, messages: 0, wireBytes: 0 }, server: { frames: 1, messages: 0, wireBytes: 4 } } }]));
    expect(c().state).toBe('closed');
  });

  test('a HAR-read message (frames unknown) groups nothing and counts as a message', () => {
    const store = new Store();
    store.ingest(stamp([{ type: 'message', from: 'server', kind: 'text', frames: null, compressed: null, wireBytes: null, size: 2, text: 'hi', truncated: false }]));
    expect((store.rows[0] as MessageRow).frames).toEqual([]);
    expect(store.connections.get(1)!.counts.server.messages).toBe(1);
  });

  test('the server letting connections go (evicted) lets them go here too', () => {
    const store = new Store();
    store.ingest([...stamp([{ type: 'http', method: 'GET', path: '/', status: 200 }], 1), ...stamp([{ type: 'http', method: 'GET', path: '/', status: 200 }], 2)]);
    store.ingest([{ type: 'evicted', conn: 0, ts: 1, conns: [1], droppedConnections: 1, droppedEvents: 0 }]);
    expect([...store.connections.keys()]).toEqual([2]);
    expect(store.serverDropped).toEqual({ connections: 1, events: 0 });
  });

  test('memory is bounded: past MAX_ROWS the oldest rows go, counters stay exact, views follow', () => {
    const store = new Store();
    const frame = stamp(decode(encodeFrame({ opcode: 0x9, payload: 'p', maskKey: MASK }), { side: 'client' }))[0]!;
    const view = new RowView(store, { conn: 1, mode: 'frames', predicate: null });
    const total = MAX_ROWS * 2 + 123;
    for (let sent = 0; sent < total; sent += 10_000) {
      store.ingest(Array.from({ length: Math.min(10_000, total - sent) }, () => frame));
      view.update();
      expect(store.rows.length).toBeLessThanOrEqual(MAX_ROWS);
    }
    expect(store.rows.length + store.evicted).toBe(total);
    expect(store.connections.get(1)!.counts.client.frames).toBe(total);
    expect(view.length).toBe(store.rows.length);
    expect(view.at(0)!.seq).toBe(store.firstSeq);
  });

  test('memory is bounded by payload too: past MAX_PAYLOAD_CHARS of message text the oldest messages go', () => {
    const store = new Store();
    const big = 'y'.repeat(1 << 20);
    for (let i = 0; i < (MAX_PAYLOAD_CHARS >> 20) * 2; i++) {
      store.ingest(stamp([{ type: 'message', from: 'server', kind: 'text', frames: null, compressed: false, wireBytes: big.length, size: big.length, text: big, truncated: false }]));
    }
    const kept = store.rows.reduce((sum, row) => sum + (row.kind === 'message' ? row.event.text!.length : 0), 0);
    expect(kept).toBeLessThanOrEqual(MAX_PAYLOAD_CHARS);
    expect(store.evicted).toBeGreaterThan(0);
  });
});

describe('Store: what wsinspect did to the traffic', () => {
  const text = (payload: string, side: 'client' | 'server', injected = false) => {
    const events = decode(encodeFrame({ opcode: 0x1, payload, maskKey: side === 'client' ? MASK : null }), { side });
    for (const event of events) if (injected && (event.type === 'frame' || event.type === 'message')) event.injected = true;
    return events;
  };
  const messageRow = (store: Store, payload: string) => store.rows.find((r): r is MessageRow => r.kind === 'message' && r.event.text === payload)!;

  test('a held message carries its hold, then how it was let go; an edit links the injected message that replaced it', () => {
    const store = new Store();
    store.ingest(stamp([...text('keep', 'client'), { type: 'held', id: 7, from: 'client', kind: 'text', size: 4 }]));
    store.ingest(stamp([...text('change', 'client'), { type: 'held', id: 8, from: 'client', kind: 'text', size: 6 }]));
    store.ingest(stamp([...text('answer', 'server')]));
    expect(messageRow(store, 'keep').hold).toEqual({ id: 7, state: 'held' });
    expect(messageRow(store, 'change').hold).toEqual({ id: 8, state: 'held' });
    expect(messageRow(store, 'answer').hold).toBeNull();
    expect(store.heldCount).toBe(2); // what the intercept panel counts, open or not
    // The frames show their message's hold (the frames view marks them from it).
    expect(messageRow(store, 'keep').frames[0]!.message!.hold?.id).toBe(7);

    store.ingest(stamp([{ type: 'released', id: 7, action: 'forward' }]));
    store.ingest(stamp([{ type: 'released', id: 8, action: 'edit' }, ...text('changed', 'client', true), ...text('injected later', 'client', true)]));
    expect(messageRow(store, 'keep').hold).toEqual({ id: 7, state: 'forward' });
    expect(store.heldCount).toBe(0);
    expect(messageRow(store, 'change').hold).toEqual({ id: 8, state: 'edit' });
    const edit = messageRow(store, 'changed');
    expect(edit.editOf).toBe(8);
    expect(edit.frames.map((f) => f.editOf)).toEqual([8]);
    expect(messageRow(store, 'injected later').editOf).toBeNull(); // an edit is one message
    expect(messageRow(store, 'injected later').event.injected).toBe(true);
    // A release of something unknown (let go already) changes nothing.
    store.ingest(stamp([{ type: 'released', id: 99, action: 'drop' }]));
  });

  test('dropped, timed out, and still held when the connection ended', () => {
    const store = new Store();
    store.ingest(stamp([...text('gone', 'server'), { type: 'held', id: 1, from: 'server', kind: 'text', size: 4 }]));
    store.ingest(stamp([...text('late', 'server'), { type: 'held', id: 2, from: 'server', kind: 'text', size: 4 }]));
    store.ingest(stamp([...text('stuck', 'server'), { type: 'held', id: 3, from: 'server', kind: 'text', size: 5 }]));
    store.ingest(stamp([...text('elsewhere', 'server'), { type: 'held', id: 4, from: 'server', kind: 'text', size: 9 }], 2));
    store.ingest(stamp([{ type: 'released', id: 1, action: 'drop' }, { type: 'released', id: 2, action: 'timeout' }]));
    store.ingest(stamp([{ type: 'connection-end', clean: false, closeCode: null, by: null, durationMs: 5, stats: { client: { frames: 0, messages: 0, wireBytes: 0 }, server: { frames: 3, messages: 3, wireBytes: 30 } } }]));
    expect(['gone', 'late', 'stuck', 'elsewhere'].map((t) => messageRow(store, t).hold?.state)).toEqual(['drop', 'timeout', 'unsent', 'held']);
    expect(store.heldCount).toBe(1); // connection 2's
  });
});

describe('RowView', () => {
  test('kept up to date incrementally, it shows what a fresh view over the same rows shows', () => {
    const store = new Store();
    const predicate = (row: { event: WireEvent }) => row.event.ts % 3 !== 0;
    const views = [new RowView(store, { conn: 1, mode: 'frames', predicate }), new RowView(store, { conn: null, mode: 'messages', predicate: null })];
    for (let round = 0; round < 20; round++) {
      const wire = Buffer.concat([encodeFrame({ opcode: 0x1, fin: false, payload: `a${round}`, maskKey: MASK }), encodeFrame({ opcode: 0xa, maskKey: MASK }), encodeFrame({ opcode: 0x0, payload: 'b', maskKey: MASK })]);
      store.ingest(stamp(decode(wire, { side: 'client' }), 1 + (round % 2)));
      for (const view of views) {
        view.update();
        const fresh = new RowView(store, view.spec);
        expect(Array.from({ length: view.length }, (_, i) => view.at(i)!.seq)).toEqual(Array.from({ length: fresh.length }, (_, i) => fresh.at(i)!.seq));
      }
    }
    const messages = views[1]!;
    expect(messages.at(0)!.kind).toBe('frame'); // the pong, in place
    expect(messages.at(1)!.kind).toBe('message');
    expect(messages.indexOf(messages.at(5)!.seq)).toBe(5);
  });
});
