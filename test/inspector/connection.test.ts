/**
 * The sans-IO Connection from tables of bytes, no sockets: what each side
 * sends goes in, the events and the bytes to pass on come out. Each table is
 * also replayed split at every offset (or in small random pieces), which must
 * give the same events and forward the same bytes.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { computeAccept } from '../../src/accept-calc/accept.js';
import { Connection, MAX_WAITING_INJECTIONS, type ConnectionOptions, type Output } from '../../src/inspector/connection.js';
import type { FrameEvent, InspectorEvent, Side } from '../../src/inspector/events.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { fuzzParams } from '../helpers/fuzz.js';

/** A side's bytes, the end of its stream, or a gap in it (a capture lost bytes: offset, bytes missing). */
type Row = [Side, string | Uint8Array] | [Side, 'end'] | [Side, 'lost', number, number];

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const MASK = Buffer.from('37fa213d', 'hex');

const UPGRADE = [
  'GET /chat HTTP/1.1',
  'Host: localhost:8080',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${KEY}`,
  'Sec-WebSocket-Version: 13',
  '',
  '',
].join('\r\n');

const SWITCHED = [
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Accept: ${computeAccept(KEY)}`,
  '',
  '',
].join('\r\n');

const text = (payload: string, from: Side, more: Partial<Parameters<typeof encodeFrame>[0]> = {}) =>
  encodeFrame({ opcode: 1, payload, maskKey: from === 'client' ? MASK : undefined, ...more });

interface Run {
  events: InspectorEvent[];
  forwarded: Record<Side, Buffer>;
}

/** Feeds the rows in order (each row's bytes split at `cuts` within it), then finishes. */
function run(rows: Row[], options: ConnectionOptions = {}, split: (bytes: Uint8Array) => Uint8Array[] = (b) => [b]): Run {
  const connection = new Connection(options);
  const events: InspectorEvent[] = [];
  const forwarded: Record<Side, Buffer[]> = { client: [], server: [] };
  for (const row of rows) {
    const [side, data] = row;
    if (data === 'end') {
      events.push(...connection.end(side));
      continue;
    }
    if (row.length === 4) {
      events.push(...connection.lost(side, row[2], row[3]));
      continue;
    }
    for (const piece of split(typeof data === 'string' ? Buffer.from(data, 'latin1') : data)) {
      const out = connection.push(side, piece);
      events.push(...out.events);
      forwarded[side].push(...out.forward.map((bytes) => Buffer.from(bytes)));
    }
  }
  events.push(...connection.finish(0));
  return { events, forwarded: { client: Buffer.concat(forwarded.client), server: Buffer.concat(forwarded.server) } };
}

const sent = (rows: Row[], side: Side) =>
  Buffer.concat(rows.flatMap((row) => (row[0] === side && isBytes(row) ? [typeof row[1] === 'string' ? Buffer.from(row[1], 'latin1') : Buffer.from(row[1])] : [])));

function isBytes(row: Row): row is [Side, string | Uint8Array] {
  return row.length === 2 && row[1] !== 'end';
}

const typesOf = (events: InspectorEvent[]) => events.map((e) => (e.type === 'violation' ? `violation:${e.rule}` : e.type));

/** Every way of cutting a row's bytes once. */
function everySplit(rows: Row[], options: ConnectionOptions = {}): Run[] {
  const total = rows.reduce((n, row) => n + (isBytes(row) ? row[1].length : 0), 0);
  const runs: Run[] = [];
  for (let cut = 1; cut < Math.min(total, 400); cut += 3) runs.push(run(rows, options, (b) => (cut < b.length ? [b.subarray(0, cut), b.subarray(cut)] : [b])));
  return runs;
}

const WEBSOCKET: Row[] = [
  ['client', UPGRADE],
  ['server', SWITCHED],
  ['client', text('Hello', 'client')],
  ['server', text('Hello', 'server')],
  ['client', encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]), maskKey: Buffer.from('0badc0de', 'hex') })],
  ['server', encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]) })],
  ['server', 'end'],
  ['client', 'end'],
];

describe('a WebSocket connection from the first byte', () => {
  test('handshake, frames both ways, clean close: events in wire order, every byte forwarded unchanged', () => {
    const { events, forwarded } = run(WEBSOCKET);
    expect(typesOf(events)).toEqual([
      'handshake-request',
      'handshake-response',
      'frame',
      'message',
      'frame',
      'message',
      'frame',
      'frame',
      'connection-end',
    ]);
    expect(forwarded.client.equals(sent(WEBSOCKET, 'client'))).toBe(true);
    expect(forwarded.server.equals(sent(WEBSOCKET, 'server'))).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'connection-end', clean: true, closeCode: 1000, by: 'client', replyCode: 1000 });
  });

  test('an answer with another code than the close it answers is reported too (replyCode)', () => {
    const rows: Row[] = WEBSOCKET.map((row) =>
      row[0] === 'server' && row[1] instanceof Uint8Array && row[1][0] === 0x88
        ? ['server', encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xea]) })]
        : row,
    );
    expect(run(rows).events.at(-1)).toMatchObject({ type: 'connection-end', clean: true, closeCode: 1000, by: 'client', replyCode: 1002 });
  });

  test('the same events and bytes however the input is cut', () => {
    const whole = run(WEBSOCKET);
    for (const split of everySplit(WEBSOCKET)) {
      expect(split.events).toEqual(whole.events);
      expect(split.forwarded).toEqual(whole.forwarded);
    }
  });

  test('hostRewrite changes the Host value of the request head and nothing else', () => {
    const { forwarded } = run(WEBSOCKET, { hostRewrite: 'upstream.test:9001' });
    const expected = sent(WEBSOCKET, 'client').toString('latin1').replace('Host: localhost:8080', 'Host: upstream.test:9001');
    expect(forwarded.client.toString('latin1')).toBe(expected);
    expect(forwarded.server.equals(sent(WEBSOCKET, 'server'))).toBe(true);
  });

  test('an interim 103 before the 101 is relayed and skipped', () => {
    const rows: Row[] = [
      ['client', UPGRADE],
      ['server', 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n' + SWITCHED],
      ['server', text('hi', 'server')],
    ];
    const { events, forwarded } = run(rows);
    expect(typesOf(events)).toEqual(['handshake-request', 'handshake-response', 'frame', 'message', 'violation:abnormal-closure', 'connection-end']);
    expect(events[1]).toMatchObject({ status: 101, ok: true });
    expect(forwarded.server.equals(sent(rows, 'server'))).toBe(true);
  });

  test('client frames sent before the 101 are decoded once it arrives', () => {
    const rows: Row[] = [
      ['client', Buffer.concat([Buffer.from(UPGRADE), text('early', 'client')])],
      ['server', SWITCHED],
    ];
    const { events } = run(rows);
    expect(events.filter((e) => e.type === 'message')).toMatchObject([{ from: 'client', text: 'early' }]);
  });

  test('a refused upgrade: the response body is relayed, nothing after it is decoded as frames', () => {
    const rows: Row[] = [
      ['client', UPGRADE],
      ['server', 'HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope'],
      ['client', text('ignored', 'client')],
    ];
    const { events, forwarded } = run(rows);
    expect(typesOf(events)).toEqual(['handshake-request', 'handshake-response', 'connection-end']);
    expect(forwarded.client.equals(sent(rows, 'client'))).toBe(true);
    expect(forwarded.server.equals(sent(rows, 'server'))).toBe(true);
  });
});

describe('a gap in a direction (Connection.lost, for captures that lost bytes)', () => {
  const hello = text('hello', 'client');
  // A ping claiming 200 bytes: its header already breaks a rule, shown when the frame ends (or is cut).
  const longPing = encodeFrame({ opcode: 9, payload: Buffer.alloc(200), maskKey: Buffer.from('5ac1e0f7', 'hex') }).subarray(0, 10);
  const serverClose = encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]) });
  const gapAt = UPGRADE.length + hello.length + longPing.length;
  const rows: Row[] = [
    ['client', UPGRADE],
    ['server', SWITCHED],
    ['client', Buffer.concat([hello, longPing])],
    ['client', 'lost', gapAt, 196],
    ['client', text('after the gap', 'client')],
    ['server', text('ok', 'server')],
    ['server', serverClose],
    ['client', 'end'],
    ['server', 'end'],
  ];

  test('the cut frame shows what its header broke, then undecodable at the offset; the other side goes on', () => {
    const { events, forwarded } = run(rows);
    expect(typesOf(events)).toEqual([
      'handshake-request',
      'handshake-response',
      'frame',
      'message',
      'violation:control-frame-too-long',
      'undecodable',
      'frame',
      'message',
      'frame',
      'violation:abnormal-closure',
      'connection-end',
    ]);
    expect(events[5]).toEqual({
      type: 'undecodable',
      from: 'client',
      message: `the client's stream has a gap: 196 bytes at byte ${gapAt} were never seen; the rest of it is not decoded`,
    });
    // How the client's side ended is not known: no claim that it broke mid-frame.
    expect(events.at(-2)).toMatchObject({ rule: 'abnormal-closure', message: 'the TCP connection ended before both close frames were seen (close code 1006)' });
    expect(events.at(-1)).toMatchObject({ type: 'connection-end', clean: false, by: 'server', stats: { client: { frames: 1, messages: 1 } } });
    // Nothing of the client's after the gap is passed on either.
    expect(forwarded.client.equals(Buffer.concat([Buffer.from(UPGRADE), hello, longPing]))).toBe(true);
  });

  test('the same however it is cut; a second report of the same gap adds nothing', () => {
    const whole = run(rows);
    for (const split of everySplit(rows)) expect(split.events).toEqual(whole.events);
    expect(run([...rows.slice(0, 4), ['client', 'lost', gapAt + 5, 0], ...rows.slice(4)]).events).toEqual(whole.events);
  });

  test('a gap before the 101: the client frames before it are decoded when the 101 comes, none after', () => {
    const early: Row[] = [
      ['client', Buffer.concat([Buffer.from(UPGRADE), hello])],
      ['client', 'lost', UPGRADE.length + hello.length, 0],
      ['client', text('lost in the gap', 'client')],
      ['server', SWITCHED],
      ['server', text('ok', 'server')],
    ];
    const { events } = run(early);
    expect(typesOf(events)).toEqual(['handshake-request', 'undecodable', 'handshake-response', 'frame', 'message', 'frame', 'message', 'violation:abnormal-closure', 'connection-end']);
    expect(events[1]).toMatchObject({ from: 'client', message: `the client's stream has a gap: bytes at byte ${UPGRADE.length + hello.length} were never seen; the rest of it is not decoded` });
    expect(events.filter((e) => e.type === 'message').map((e) => [e.from, e.text])).toEqual([
      ['client', 'hello'],
      ['server', 'ok'],
    ]);
  });

  test('a gap in the server before its response head: no response is made up, the request stays unanswered', () => {
    const { events } = run([
      ['client', UPGRADE],
      ['server', SWITCHED.slice(0, 20)],
      ['server', 'lost', 20, 0],
      ['server', SWITCHED.slice(20)],
    ]);
    expect(typesOf(events)).toEqual(['handshake-request', 'undecodable', 'connection-end']);
  });
});

describe('HTTP/1.1 keep-alive', () => {
  const rows: Row[] = [
    ['client', 'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello'],
    ['server', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
    ['client', 'GET /two HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n'],
    ['server', 'HTTP/1.1 304 Not Modified\r\n\r\n'],
    ['client', 'HEAD /three HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'],
    ['client', UPGRADE],
    ['server', SWITCHED],
    ['client', text('after keep-alive', 'client')],
  ];

  test('each exchange is an http event; bodies are delimited and forwarded; the upgrade still works', () => {
    const { events, forwarded } = run(rows);
    expect(events.filter((e) => e.type === 'http')).toEqual([
      { type: 'http', method: 'POST', path: '/upload', status: 200 },
      { type: 'http', method: 'GET', path: '/two', status: 304 },
      { type: 'http', method: 'HEAD', path: '/three', status: 200 },
    ]);
    expect(events.filter((e) => e.type === 'message')).toMatchObject([{ text: 'after keep-alive' }]);
    expect(forwarded.client.equals(sent(rows, 'client'))).toBe(true);
    expect(forwarded.server.equals(sent(rows, 'server'))).toBe(true);
  });

  test('the same however it is cut', () => {
    const whole = run(rows);
    for (const split of everySplit(rows)) expect(split).toEqual(whole);
  });

  test('a response head is awaited only while no body is streaming', () => {
    const connection = new Connection();
    expect(connection.awaitingResponse).toBe(false);
    connection.push('client', Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n'));
    expect(connection.awaitingResponse).toBe(true);
    connection.push('server', Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'));
    expect([connection.awaitingResponse, connection.responseHeads]).toEqual([true, 1]);
    connection.push('server', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab'));
    expect(connection.awaitingResponse).toBe(false); // the first body is streaming
    connection.push('server', Buffer.from('cd'));
    expect(connection.awaitingResponse).toBe(true); // the pipelined request waits now
  });

  test('a malformed request head: an error, and the bytes are relayed as they came', () => {
    const rows: Row[] = [['client', 'GET / HTTP/1.1\r\nBad Header\r\n\r\nmore bytes']];
    const { events, forwarded } = run(rows);
    expect(events[0]).toMatchObject({ type: 'error', message: expect.stringContaining('malformed request head') });
    expect(forwarded.client.equals(sent(rows, 'client'))).toBe(true);
  });

  test('a server that speaks unasked is relayed, not parsed', () => {
    const rows: Row[] = [['server', 'SSH-2.0-OpenSSH\r\n']];
    const { events, forwarded } = run(rows);
    expect(typesOf(events)).toEqual(['connection-end']);
    expect(forwarded.server.toString()).toBe('SSH-2.0-OpenSSH\r\n');
  });
});

describe('a refused upgrade: the start of its body is kept for the client commands', () => {
  const refusedBody = (answer: string, split?: (bytes: Uint8Array) => Uint8Array[], end = false) => {
    const connection = new Connection();
    connection.push('client', Buffer.from(UPGRADE, 'latin1'));
    for (const piece of split ? split(Buffer.from(answer, 'latin1')) : [Buffer.from(answer, 'latin1')]) connection.push('server', piece);
    if (end) connection.end('server');
    const body = connection.refusalBody;
    return body && { text: Buffer.from(body.bytes).toString('latin1'), size: body.size, full: body.full };
  };

  test('Content-Length, chunked (de-chunked, however cut), until close, and no body', () => {
    expect(refusedBody('HTTP/1.1 403 Forbidden\r\nContent-Length: 13\r\n\r\nbad token\r\nxx')).toEqual({ text: 'bad token\r\nxx', size: 13, full: true });
    const chunked = 'HTTP/1.1 426 Upgrade Required\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nuse \r\n5;x=1\r\nv13\r\n\r\n0\r\n\r\n';
    const whole = refusedBody(chunked);
    expect(whole).toEqual({ text: 'use v13\r\n', size: 9, full: true });
    for (let cut = 1; cut < chunked.length; cut++) {
      expect(refusedBody(chunked, (b) => [b.subarray(0, cut), b.subarray(cut)])).toEqual(whole);
    }
    expect(refusedBody('HTTP/1.1 500 Oops\r\n\r\nstack trace')).toEqual({ text: 'stack trace', size: 11, full: false });
    expect(refusedBody('HTTP/1.1 500 Oops\r\n\r\nstack trace', undefined, true)).toEqual({ text: 'stack trace', size: 11, full: true });
    expect(refusedBody('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')).toEqual({ text: '', size: 0, full: true });
  });

  test('at most 4 KiB is kept; the size counts it all', () => {
    const body = refusedBody(`HTTP/1.1 403 Forbidden\r\nContent-Length: 10000\r\n\r\n${'x'.repeat(6000)}`);
    expect(body).toEqual({ text: 'x'.repeat(4096), size: 6000, full: true });
  });

  test('a 101 keeps nothing', () => {
    expect(refusedBody(SWITCHED)).toBeNull();
  });
});

describe('frame events carry what renderers need', () => {
  test('messageKind and compressed on data frames, the whole payload of control frames', () => {
    const ping = Buffer.alloc(125, 0x61);
    const rows: Row[] = [
      ['client', UPGRADE],
      ['server', SWITCHED],
      ['server', encodeFrame({ opcode: 2, payload: 'ab', fin: false })],
      ['server', encodeFrame({ opcode: 9, payload: ping })],
      ['server', encodeFrame({ opcode: 0, payload: 'cd' })],
      ['server', encodeFrame({ opcode: 0, payload: 'orphan' })],
      ['server', encodeFrame({ opcode: 10, payload: Buffer.alloc(130, 0x62) })],
    ];
    const frames = run(rows).events.filter((e): e is FrameEvent => e.type === 'frame');
    expect(frames.map((f) => [f.opcodeName, f.messageKind, f.compressed])).toEqual([
      ['binary', 'binary', false],
      ['ping', undefined, undefined],
      ['continuation', 'binary', false],
      ['continuation', null, false],
      ['pong', undefined, undefined],
    ]);
    expect(frames[1]!.payloadHex).toBe(ping.toString('hex'));
    expect(frames[4]!.payloadHex).toBe('62'.repeat(125)); // longer than valid: the first 125 bytes
    expect(frames[0]!.payloadHex).toBeUndefined();
  });

  test('control payloads come out whole however the bytes are cut; a masked server control frame is unmasked', () => {
    const payload = Buffer.from('p'.repeat(125));
    const stream = Buffer.concat([
      encodeFrame({ opcode: 1, payload: 'x'.repeat(300) }),
      encodeFrame({ opcode: 9, payload }),
      encodeFrame({ opcode: 10, payload: 'hello', maskKey: Buffer.from([1, 2, 3, 4]) }),
      encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe9, ...Buffer.from('bye')]) }),
    ]);
    const rows: Row[] = [['client', UPGRADE], ['server', SWITCHED], ['server', stream]];
    const bytewise = run(rows, {}, (b) => Array.from(b, (byte) => Buffer.from([byte])));
    const controls = bytewise.events.filter((e): e is FrameEvent => e.type === 'frame' && e.opcode >= 8);
    expect(controls.map((f) => Buffer.from(f.payloadHex!, 'hex').toString('latin1'))).toEqual([
      payload.toString('latin1'),
      'hello',
      '\x03\xe9bye',
    ]);
  });

  test('a compressed message: every frame of it says so', () => {
    const request = UPGRADE.replace('\r\n\r\n', '\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n');
    const response = SWITCHED.replace('\r\n\r\n', '\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n');
    const rows: Row[] = [
      ['client', request],
      ['server', response],
      // "Hello" deflated (RFC 7692 7.2.3.1), in two fragments.
      ['server', encodeFrame({ opcode: 1, rsv1: true, fin: false, payload: Buffer.from('f248cd', 'hex') })],
      ['server', encodeFrame({ opcode: 0, payload: Buffer.from('c9c90700', 'hex') })],
    ];
    const events = run(rows).events;
    expect(events.filter((e): e is FrameEvent => e.type === 'frame').map((f) => [f.messageKind, f.compressed])).toEqual([
      ['text', true],
      ['text', true],
    ]);
    expect(events.find((e) => e.type === 'message')).toMatchObject({ text: 'Hello', compressed: true });
  });
});

describe('robustness', () => {
  test('client bytes past the 1 MiB held before the 101: undecodable from there, no garbage frames', () => {
    const big = text('x'.repeat(1024 * 1024), 'client');
    const rows: Row[] = [
      ['client', UPGRADE],
      ['client', text('kept', 'client')],
      ['client', big], // past the hold: dropped from inspection (but forwarded)
      ['client', Buffer.from([0x7e, 0x00])], // a small chunk would fit, but follows a gap
      ['server', SWITCHED],
    ];
    const { events, forwarded } = run(rows);
    const client = events.filter((e) => 'from' in e && e.from === 'client');
    expect(typesOf(client)).toEqual(['frame', 'message', 'undecodable']);
    expect(client[2]).toMatchObject({ message: expect.stringContaining('more than 1 MiB before the 101') });
    expect(forwarded.client.equals(sent(rows, 'client'))).toBe(true);
  });

  test('random bytes after a handshake never throw, and any chunking gives the same outcome', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (c, s, size) => {
        const rows: Row[] = [
          ['client', UPGRADE],
          ['server', SWITCHED],
          ['client', c],
          ['server', s],
          ['client', 'end'],
        ];
        const whole = run(rows);
        const pieces = run(rows, {}, (b) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));
        expect(pieces).toEqual(whole);
        expect(whole.forwarded.client.equals(sent(rows, 'client'))).toBe(true);
      }),
      fuzzParams(100),
    );
  });
});

describe('the relay ending the connection itself', () => {
  test('endedByProxy: no abnormal-closure blamed on a peer; connection-end says why', () => {
    const connection = new Connection();
    connection.push('client', Buffer.from(UPGRADE));
    connection.push('server', Buffer.from(SWITCHED));
    connection.endedByProxy('the proxy stopped');
    connection.end('server');
    connection.end('client');
    const events = connection.finish(5);
    expect(events).toEqual([expect.objectContaining({ type: 'connection-end', clean: false, by: null, endedByProxy: 'the proxy stopped' })]);
  });

  test('without it, the side that ended first is blamed', () => {
    const { events } = run([['client', UPGRADE], ['server', SWITCHED], ['server', 'end'], ['client', 'end']]);
    expect(events[events.length - 2]).toMatchObject({ type: 'violation', rule: 'abnormal-closure', from: 'server' });
    expect(events.at(-1)).not.toHaveProperty('endedByProxy');
  });

  test('strict: after a handshake violation nothing past the 101 is read or forwarded', () => {
    const rows: Row[] = [
      ['client', UPGRADE.replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 8')],
      ['server', SWITCHED + text('hi', 'server').toString('latin1')],
    ];
    const connection = new Connection({ strict: true });
    connection.push('client', Buffer.from(rows[0]![1] as string, 'latin1'));
    expect(connection.violated).toBe(true);
    const out = connection.push('server', Buffer.from(rows[1]![1] as string, 'latin1'));
    expect(Buffer.concat(out.forward).toString('latin1')).toBe(SWITCHED);
    expect(typesOf(out.events)).toEqual(['handshake-response']);
    expect(connection.upgraded).toBe(true);
  });
});

describe('injection points', () => {
  const open = () => {
    const connection = new Connection();
    connection.push('client', Buffer.from(UPGRADE));
    connection.push('server', Buffer.from(SWITCHED));
    return connection;
  };

  test('a frame may go in only between whole messages of that direction', () => {
    const connection = new Connection();
    expect(connection.canInject('client')).toBe(false); // no WebSocket yet
    expect(connection.injectRefusal('client')).toMatch(/not open/);
    connection.push('client', Buffer.from(UPGRADE));
    expect(connection.injectRefusal('client')).toMatch(/not open/); // no 101 yet
    connection.push('server', Buffer.from(SWITCHED));
    expect(connection.canInject('client')).toBe(true);
    expect(connection.injectRefusal('client')).toBeNull();
    const first = text('frag', 'client', { fin: false });
    connection.push('client', first.subarray(0, 3));
    expect(connection.canInject('client')).toBe(false); // inside a frame
    connection.push('client', first.subarray(3));
    expect(connection.canInject('client')).toBe(false); // inside a fragmented message
    connection.push('client', encodeFrame({ opcode: 9, payload: 'p', maskKey: MASK }));
    expect(connection.canInject('server')).toBe(true); // the other direction is free
    expect(connection.canInject('client')).toBe(false); // a ping does not end the message
    connection.push('client', encodeFrame({ opcode: 0, payload: 'ment', maskKey: MASK }));
    expect(connection.canInject('client')).toBe(true);
    expect(connection.canInject('server')).toBe(true);
  });

  test('an injected frame is checked apart from the peer\'s stream and marked injected', () => {
    const connection = open();
    const frame = text('injected', 'client');
    const out = connection.inject('client', frame);
    expect(out.forward).toEqual([frame]);
    expect(out.events).toMatchObject([
      { type: 'frame', from: 'client', injected: true },
      { type: 'message', text: 'injected', injected: true },
    ]);
    // The peer's own next frame decodes as before.
    expect(connection.push('client', text('mine', 'client')).events).toMatchObject([{ type: 'frame' }, { type: 'message', text: 'mine' }]);
    expect(connection.push('client', text('mine', 'client')).events[0]).not.toHaveProperty('injected');
  });

  // The peer sends a fragmented message, then starts another; the injection asked for in the
  // middle of the first must land exactly between the two, however the bytes arrive.
  let keys = 0;
  const masked = (opcode: number, payload: string, fin = true) =>
    encodeFrame({ opcode, payload, fin, maskKey: Buffer.from([1, 2, 3, ++keys]) });
  const first = [masked(1, 'one-', false), masked(9, 'p'), masked(0, 'end')];
  const second = [masked(1, 'two-', false), masked(0, 'end')];
  const injected = masked(1, 'INJ');

  /** Everything a connection's outputs said, in order. */
  function outputs() {
    const events: InspectorEvent[] = [];
    const forwarded: Uint8Array[] = [];
    const take = (out: { events: InspectorEvent[]; forward: Uint8Array[] }) => {
      events.push(...out.events);
      forwarded.push(...out.forward.map((b) => Buffer.from(b)));
    };
    return { events, forwarded, take };
  }

  function injectMidMessage(split: (bytes: Uint8Array) => Uint8Array[]) {
    const connection = open();
    const { events, forwarded, take } = outputs();
    take(connection.push('client', first[0]!));
    take(connection.inject('client', injected));
    expect(connection.waitingInjections('client')).toBe(1);
    for (const piece of split(Buffer.concat([first[1]!, first[2]!, ...second]))) take(connection.push('client', piece));
    return { events, forwarded: Buffer.concat(forwarded), waiting: connection.waitingInjections('client') };
  }

  test('an injection inside a peer\'s fragmented message waits for its end, then goes in between the messages', () => {
    const whole = injectMidMessage((b) => [b]);
    expect(whole.waiting).toBe(0);
    expect(whole.forwarded.equals(Buffer.concat([...first, injected, ...second]))).toBe(true);
    expect(whole.events.map((e) => `${e.type}${'injected' in e ? '*' : ''}${e.type === 'message' ? `:${e.text}` : ''}`)).toEqual([
      'frame',
      'frame',
      'frame',
      'message:one-end',
      'frame*',
      'message*:INJ',
      'frame',
      'frame',
      'message:two-end',
    ]);
    const total = whole.forwarded.length;
    for (let cut = 1; cut < total; cut++) {
      const split = injectMidMessage((b) => (cut < b.length ? [b.subarray(0, cut), b.subarray(cut)] : [b]));
      expect(split.forwarded.equals(whole.forwarded)).toBe(true);
      expect(split.events).toEqual(whole.events);
    }
  });

  test('an injected control frame goes in at the next frame boundary, between the frames of a message; a data frame still waits for the message to end', () => {
    const stream = Buffer.concat([...first, ...second]);
    const frameEnds = [0];
    for (const frame of [...first, ...second]) frameEnds.push(frameEnds.at(-1)! + frame.length);
    const messageEnds = [0, Buffer.concat(first).length, stream.length];
    const ping = masked(9, 'now');
    const data = masked(1, 'INJ');
    /** The peer's events for its first `n` bytes (what comes before an injection placed there). */
    const peerEvents = (n: number) => {
      const connection = open();
      return connection.push('client', stream.subarray(0, n)).events.length;
    };
    for (let at = 0; at <= stream.length; at++) {
      for (const pieces of ['whole', 'bytes'] as const) {
        const connection = open();
        const { events, forwarded, take } = outputs();
        take(connection.push('client', stream.subarray(0, at)));
        take(connection.inject('client', ping));
        take(connection.inject('client', data));
        const rest = stream.subarray(at);
        if (pieces === 'whole') take(connection.push('client', rest));
        else for (let i = 0; i < rest.length; i++) take(connection.push('client', rest.subarray(i, i + 1)));

        const frameAt = frameEnds.find((end) => end >= at)!;
        const messageAt = messageEnds.find((end) => end >= at)!;
        const expected = Buffer.concat([stream.subarray(0, frameAt), ping, stream.subarray(frameAt, messageAt), data, stream.subarray(messageAt)]);
        expect(Buffer.concat(forwarded).equals(expected), `injected at byte ${at}, ${pieces}`).toBe(true);
        // In the events too: the ping's frame right after the peer's events up to that frame boundary, the data message after the message's end.
        const pingAt = events.findIndex((e) => e.type === 'frame' && e.injected && e.opcodeName === 'ping');
        const dataAt = events.findIndex((e) => e.type === 'frame' && e.injected && e.opcodeName === 'text');
        expect(pingAt, `at ${at}`).toBe(peerEvents(frameAt));
        expect(dataAt, `at ${at}`).toBe(peerEvents(messageAt) + 1);
        expect(connection.waitingInjections('client')).toBe(0);
      }
    }
  });

  test('injections queue in order; past the bound they are refused; a lost framing refuses them', () => {
    const connection = open();
    connection.push('client', first[0]!);
    connection.inject('client', masked(1, 'a'));
    connection.inject('client', masked(1, 'b'));
    const big = new Uint8Array(MAX_WAITING_INJECTIONS);
    expect(connection.injectRefusal('client', big.length)).toMatch(/already wait/);
    expect(() => connection.inject('client', big)).toThrow(/cannot inject/);
    const out = connection.push('client', first[2]!);
    expect(out.events.filter((e) => e.type === 'message').map((e) => (e as { text: string }).text)).toEqual(['one-end', 'a', 'b']);
    // A 64-bit length with its top bit set: nobody knows where the client's frames are any more.
    connection.push('client', Buffer.from('827f8000000000000000', 'hex'));
    expect(connection.injectRefusal('client')).toMatch(/framing .* lost/);
    expect(connection.injectRefusal('server')).toBeNull();
  });
});

describe('memory: what a connection keeps between calls', () => {
  /** Every object reachable from `root` through properties, array items and collection entries (bytes are leaves). */
  function reachable(root: object): Set<object> {
    const seen = new Set<object>();
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const value = stack.pop();
      if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
      seen.add(value);
      if (ArrayBuffer.isView(value) || typeof value === 'function') continue;
      if (value instanceof Map || value instanceof Set) for (const entry of value) stack.push(entry);
      else stack.push(...Object.values(value));
    }
    return seen;
  }

  // Thousands of idle connections: anything a call makes and the connection keeps until the next
  // call lives long enough to reach V8's old generation, and keeps what the next call puts in it.
  const exchanges: [string, (connection: Connection, round: number) => Output[]][] = [
    ['a message each way', (connection, round) => [
      connection.push('client', encodeFrame({ opcode: 1, payload: 'Hello', maskKey: Buffer.from([9, 8, 7, round]) })),
      connection.push('server', text('Hello', 'server')),
    ]],
    ['a message each way breaking a rule (the same masking key each time)', (connection) => [
      connection.push('client', text('Hello', 'client')),
      connection.push('server', text('Hello', 'server')),
    ]],
    ['a frame injected each way between messages', (connection, round) => [
      connection.inject('client', encodeFrame({ opcode: 1, payload: 'mine', maskKey: Buffer.from([1, 2, 3, round]) })),
      connection.inject('server', text('mine', 'server')),
    ]],
  ];
  test.each(exchanges)('once open, %s leaves the connection\'s objects as they were: nothing made per call is kept', (_, exchange) => {
    const connection = new Connection();
    connection.push('client', Buffer.from(UPGRADE));
    connection.push('server', Buffer.from(SWITCHED));
    exchange(connection, 1); // the first of each kind may set things up once
    const before = reachable(connection);
    const outputs = exchange(connection, 2);
    for (const out of outputs) expect(out.events.some((event) => event.type === 'message')).toBe(true);
    const after = reachable(connection);
    expect([...after].filter((object) => !before.has(object))).toEqual([]);
    for (const out of outputs) for (const object of [out, out.events, out.forward, ...out.events, ...out.forward]) expect(after.has(object)).toBe(false);
  });

  test('after small messages and before any control frame, a connection holds no byte buffer of its own', () => {
    const exchanged = () => {
      const connection = new Connection();
      connection.push('client', Buffer.from(UPGRADE));
      connection.push('server', Buffer.from(SWITCHED));
      connection.push('client', text('Hello', 'client'));
      connection.push('server', text('Hello', 'server'));
      return connection;
    };
    const connection = exchanged();
    const shared = reachable(exchanged()); // scratch buffers every connection uses
    const own = () => [...reachable(connection)].filter((object) => ArrayBuffer.isView(object) && !shared.has(object));
    expect(own()).toEqual([]);
    connection.push('server', encodeFrame({ opcode: 9, payload: 'ping' }));
    expect(own()).toHaveLength(1); // a control frame's payload is kept from then on (it may come in pieces)
  });

  test('the head of the 101 is kept for upgradeResponse only when asked (the client reports it; a proxy does not)', () => {
    for (const keep of [false, true]) {
      const connection = new Connection({ keepUpgradeResponse: keep });
      connection.push('client', Buffer.from(UPGRADE));
      connection.push('server', Buffer.from(SWITCHED));
      expect(connection.upgraded).toBe(true);
      expect(connection.upgradeResponse?.status ?? null).toBe(keep ? 101 : null);
    }
  });
});
