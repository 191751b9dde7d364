/**
 * Interception in the sans-IO Connection, from byte tables: what is held,
 * what goes on (byte for byte when nothing is held, however the input is
 * cut), where control frames go, and what forward / edit / drop put on the wire.
 */
import { describe, expect, test } from 'vitest';
import { Connection, type Output } from '../../src/inspector/connection.js';
import type { InspectorEvent, MessageEvent } from '../../src/inspector/events.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { upgradeRequest, upgradeResponse } from '../helpers/net.js';

let keys = 0;
/** A client frame (masked, a fresh key each). */
const c = (opcode: number, payload: string, fin = true) => encodeFrame({ opcode, payload, fin, maskKey: Buffer.from([9, 9, 9, ++keys]) });

/** An open connection whose client messages containing `secret` are held (while `on.active`). */
function intercepted(on = { active: true }) {
  let ids = 0;
  const connection = new Connection({
    intercept: {
      active: () => on.active,
      matches: (message: MessageEvent) => (message.text ?? '').includes('secret'),
      nextId: () => ++ids,
    },
  });
  connection.push('client', upgradeRequest('x'));
  connection.push('server', upgradeResponse());
  return connection;
}

interface Seen {
  events: InspectorEvent[];
  wire: Buffer;
}

function collect(outputs: Output[]): Seen {
  return { events: outputs.flatMap((o) => o.events), wire: Buffer.concat(outputs.flatMap((o) => o.forward)) };
}

function feed(connection: Connection, bytes: Buffer, cut: number | null = null): Seen {
  const pieces = cut === null || cut >= bytes.length ? [bytes] : [bytes.subarray(0, cut), bytes.subarray(cut)];
  return collect(pieces.map((piece) => connection.push('client', piece)));
}

const types = (events: InspectorEvent[]) => events.map((e) => e.type + (e.type === 'held' ? `#${e.id}` : e.type === 'released' ? `#${e.id}:${e.action}` : ''));

describe('intercepting a direction', () => {
  const plain = [c(1, 'one '), c(1, 'frag', false), c(9, 'ping'), c(0, 'ment'), c(2, 'bin')];

  test('nothing held: every byte goes on unchanged and in order, however the input is cut', () => {
    const bytes = Buffer.concat(plain);
    for (let cut = 1; cut <= bytes.length; cut++) {
      const seen = feed(intercepted(), bytes, cut);
      expect(seen.wire.equals(bytes), `cut at ${cut}`).toBe(true);
      expect(seen.events.filter((e) => e.type === 'held')).toEqual([]);
    }
  });

  test('a matching message is held; a ping inside it goes on at once; later messages wait; control frames do not', () => {
    const connection = intercepted();
    const [start, ping, end] = [c(1, 'a secret ', false), c(9, 'inside'), c(0, 'plan')];
    const after = c(1, 'after');
    const laterPing = c(9, 'later');
    const seen = feed(connection, Buffer.concat([start, ping, end, after, laterPing]));
    expect(seen.wire.equals(Buffer.concat([ping, laterPing]))).toBe(true);
    expect(types(seen.events)).toEqual(['frame', 'frame', 'frame', 'message', 'held#1', 'frame', 'message', 'frame']);
    expect(connection.held()).toMatchObject([{ id: 1, from: 'client', kind: 'text', size: 13 }]);
    expect(connection.held()[0]!.payload.toString()).toBe('a secret plan');
    expect(connection.holding('client')).toBe(true);
    expect(connection.holdBacklog('client')).toBe(start.length + end.length + after.length);
    expect(connection.holding('server')).toBe(false);

    const released = connection.release(1, 'forward', null, Buffer.alloc(4))!;
    expect(Buffer.concat(released.forward).equals(Buffer.concat([start, end, after]))).toBe(true);
    expect(types(released.events)).toEqual(['released#1:forward']);
    expect(connection.holding('client')).toBe(false);
    expect(connection.release(1, 'forward', null, Buffer.alloc(4))).toBeNull();
  });

  test('drop: the message never goes; the next one does', () => {
    const connection = intercepted();
    const next = c(1, 'next');
    feed(connection, Buffer.concat([c(1, 'secret'), next]));
    const out = connection.release(1, 'drop', null, Buffer.alloc(4))!;
    expect(types(out.events)).toEqual(['released#1:drop']);
    expect(Buffer.concat(out.forward).equals(next)).toBe(true);
    const third = c(1, 'third');
    expect(feed(connection, third).wire.equals(third)).toBe(true);
  });

  test('edit: one new frame, masked with the given key toward the server, reported as injected', () => {
    const connection = intercepted();
    feed(connection, c(1, 'my secret'));
    const key = Buffer.from('a1b2c3d4', 'hex');
    const out = connection.release(1, 'edit', { kind: 'text', payload: Buffer.from('edited') }, key)!;
    expect(Buffer.concat(out.forward).equals(encodeFrame({ opcode: 1, payload: 'edited', maskKey: key }))).toBe(true);
    expect(out.events).toMatchObject([
      { type: 'released', id: 1, action: 'edit' },
      { type: 'frame', injected: true, maskKey: 'a1b2c3d4' },
      { type: 'message', text: 'edited', injected: true },
    ]);
  });

  test('held messages release in any order but go out in order', () => {
    const connection = intercepted();
    feed(connection, Buffer.concat([c(1, 'secret 1'), c(1, 'plain'), c(1, 'secret 2')]));
    expect(connection.held().map((m) => m.id)).toEqual([1, 2]);
    expect(connection.release(2, 'forward', null, Buffer.alloc(4))!.forward).toEqual([]); // still behind #1
    const out = connection.release(1, 'forward', null, Buffer.alloc(4))!;
    expect(out.forward.map((f) => f.length)).toHaveLength(3);
  });

  test('an injection goes after what waits, never inside a held message', () => {
    const connection = intercepted();
    const held = c(1, 'secret');
    feed(connection, held);
    const injected = c(1, 'injected');
    expect(connection.inject('client', injected).forward).toEqual([]);
    const out = connection.release(1, 'forward', null, Buffer.alloc(4))!;
    expect(Buffer.concat(out.forward).equals(Buffer.concat([held, injected]))).toBe(true);
  });

  test('an injected control frame does not wait behind a held message; a data frame does', () => {
    const connection = intercepted();
    const held = c(1, 'secret');
    feed(connection, held);
    const ping = c(9, 'now');
    const injected = c(1, 'injected');
    expect(connection.inject('client', injected).forward).toEqual([]);
    const out = connection.inject('client', ping);
    expect(out.forward).toEqual([ping]);
    expect(out.events).toMatchObject([{ type: 'frame', opcodeName: 'ping', injected: true }]);
    const released = connection.release(1, 'forward', null, Buffer.alloc(4))!;
    expect(Buffer.concat(released.forward).equals(Buffer.concat([held, injected]))).toBe(true);
  });

  test('interception starts and stops at message boundaries', () => {
    const on = { active: false };
    const connection = intercepted(on);
    const first = c(1, 'secret one, ', false);
    expect(feed(connection, first).wire.equals(first)).toBe(true); // not intercepting yet
    on.active = true;
    const rest = c(0, 'unheld');
    expect(feed(connection, rest).wire.equals(rest)).toBe(true); // it began before: it streams on
    expect(types(feed(connection, c(1, 'secret two')).events)).toContain('held#1');
    on.active = false;
    const out = connection.release(1, 'forward', null, Buffer.alloc(4))!;
    expect(out.forward).toHaveLength(1);
    const plainAgain = c(1, 'secret three');
    expect(feed(connection, plainAgain).wire.equals(plainAgain)).toBe(true);
  });
});
