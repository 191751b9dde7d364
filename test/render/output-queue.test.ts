/** stdout's bounded queue (output-queue.ts) and --json-lossy's dropping sink (lossy.ts), on a stdout whose flushes the test releases; the pretty view's line for a gap. */
import { Chalk } from 'chalk';
import { expect, test } from 'vitest';
import { stamp, type WireEvent } from '../../src/inspector/events.js';
import { OutputQueue } from '../../src/render/output-queue.js';
import { createLossySink } from '../../src/render/lossy.js';
import { createPrettySink } from '../../src/render/pretty.js';
import type { EventSink } from '../../src/render/sink.js';

/** A stdout that flushes only when told: `flush(n)` lets the oldest n writes out. */
function heldStdout() {
  const pending: (() => void)[] = [];
  const written: string[] = [];
  return {
    written,
    write(text: string, flushed: () => void) {
      written.push(text);
      pending.push(flushed);
      return true;
    },
    flush(n = pending.length) {
      for (const flushed of pending.splice(0, n)) flushed();
    },
  };
}

test('the queue is full from its limit until it has drained to half of it', () => {
  const out = heldStdout();
  const queue = new OutputQueue(out, 100);
  const changes: boolean[] = [];
  queue.onChange((full) => changes.push(full));
  expect(queue.write('a'.repeat(60))).toBe(true);
  expect(queue.full).toBe(false);
  expect(queue.write('b'.repeat(40))).toBe(false);
  expect(queue.full).toBe(true);
  expect(queue.backlog).toBe(100);
  out.flush(1); // 40 left: under half
  expect(queue.full).toBe(false);
  expect(queue.backlog).toBe(40);
  expect(changes).toEqual([true, false]);
  expect(out.written.join('')).toBe('a'.repeat(60) + 'b'.repeat(40));
});

test('a queue drained only to above half stays full', () => {
  const out = heldStdout();
  const queue = new OutputQueue(out, 100);
  for (let i = 0; i < 10; i++) queue.write('x'.repeat(15));
  out.flush(6); // 60 of 150 left
  expect(queue.full).toBe(true);
  out.flush(1); // 45 left
  expect(queue.full).toBe(false);
});

const event = (conn: number, ts: number): WireEvent => stamp({ type: 'error', message: `e${ts}` }, conn, ts);

function recordingSink(): EventSink & { events: WireEvent[]; closed: boolean } {
  const sink = {
    events: [] as WireEvent[],
    closed: false,
    write: (e: WireEvent) => void sink.events.push(e),
    close: async () => void (sink.closed = true),
  };
  return sink;
}

test('--json-lossy: events are dropped while the queue is full, and each connection gets its gap reported once it drains', () => {
  const out = heldStdout();
  const queue = new OutputQueue(out, 10);
  const inner = recordingSink();
  const sink = createLossySink(inner, queue);
  sink.write(event(1, 1));
  queue.write('x'.repeat(10)); // full
  sink.write(event(1, 2));
  sink.write(event(2, 3));
  sink.write(event(1, 4));
  expect(inner.events.map((e) => e.ts)).toEqual([1]);
  out.flush();
  sink.write(event(2, 5));
  expect(inner.events.map((e) => [e.type, e.conn])).toEqual([['error', 1], ['dropped', 1], ['dropped', 2], ['error', 2]]);
  expect(inner.events[1]).toMatchObject({ events: 2, since: 2 });
  expect(inner.events[2]).toMatchObject({ events: 1, since: 3 });
});

test('--json-lossy: a gap still open when the sink closes is reported then', async () => {
  const out = heldStdout();
  const queue = new OutputQueue(out, 10);
  const inner = recordingSink();
  const sink = createLossySink(inner, queue);
  queue.write('x'.repeat(10));
  sink.write(event(3, 7));
  await sink.close();
  expect(inner.events).toMatchObject([{ type: 'dropped', conn: 3, events: 1, since: 7 }]);
  expect(inner.closed).toBe(true);
});

test('the pretty view shows a gap as one line on its connection', async () => {
  let text = '';
  const sink = createPrettySink({ write: (chunk) => ((text += chunk), true) }, { chalk: new Chalk({ level: 0 }), width: 100 });
  sink.write({ type: 'dropped', conn: 4, ts: 2, events: 120, since: 1 });
  await sink.close();
  expect(text).toBe('#4 … 120 events not shown: stdout could not keep up (--json-lossy)\n');
});
