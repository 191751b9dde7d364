import { Chalk } from 'chalk';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, test } from 'vitest';
import { computeAccept } from '../../src/accept-calc/accept.js';
import type { FrameEvent, Header, InspectorEvent, Side, WireEvent } from '../../src/inspector/events.js';
import { violation } from '../../src/inspector/events.js';
import { createPrettySink } from '../../src/render/pretty.js';
import { stamp } from '../../src/inspector/events.js';
import { columns } from '../../src/render/pretty-text.js';

// A fixed local time, so the clock column is predictable in any time zone.
const START = new Date(2024, 4, 6, 14, 2, 11, 100).getTime();
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Stamps events of one connection 1 ms apart. */
function conn(id = 3, start = START) {
  let ts = start;
  return (event: InspectorEvent, step = 1): WireEvent => stamp(event, id, (ts += step));
}

const REQUEST_HEADERS: Header[] = [
  ['Host', '127.0.0.1:9001'],
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', KEY],
  ['Sec-WebSocket-Version', '13'],
  ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'],
];

function request(headers = REQUEST_HEADERS): InspectorEvent {
  return { type: 'handshake-request', method: 'GET', path: '/chat', httpVersion: '1.1', headers, key: KEY };
}

function response(actual = computeAccept(KEY), extra: Header[] = []): InspectorEvent {
  const expected = computeAccept(KEY);
  return {
    type: 'handshake-response',
    status: 101,
    reason: 'Switching Protocols',
    headers: [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Accept', actual], ...extra],
    accept: { expected, actual, valid: actual === expected },
    subprotocol: null,
    extensions: [],
    ok: actual === expected,
  };
}

interface FrameSpec {
  from?: Side;
  opcode?: number;
  payload?: Buffer | string;
  fin?: boolean;
  rsv1?: boolean;
  maskKey?: string | null;
  length?: number;
  lengthBits?: 7 | 16 | 64;
  close?: FrameEvent['close'];
  /** A continuation's message, as the inspector tracks it (text and binary frames say it themselves). */
  messageKind?: 'text' | 'binary' | null;
  compressed?: boolean;
}

const OPCODE_NAMES: Record<number, FrameEvent['opcodeName']> = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

function frame(spec: FrameSpec = {}): FrameEvent {
  const from = spec.from ?? 'client';
  const payload = Buffer.from(spec.payload ?? '');
  const payloadLength = spec.length ?? payload.length;
  const lengthBits = spec.lengthBits ?? (payloadLength < 126 ? 7 : payloadLength < 65536 ? 16 : 64);
  const maskKey = spec.maskKey === undefined ? (from === 'client' ? '37fa213d' : null) : spec.maskKey;
  const headerLength = 2 + (lengthBits === 16 ? 2 : lengthBits === 64 ? 8 : 0) + (maskKey ? 4 : 0);
  const opcode = spec.opcode ?? 1;
  return {
    type: 'frame', from, fin: spec.fin ?? true, rsv1: spec.rsv1 ?? false, rsv2: false, rsv3: false,
    opcode, opcodeName: OPCODE_NAMES[opcode] ?? 'reserved', masked: maskKey !== null, maskKey,
    payloadLength, headerLength, wireLength: headerLength + payloadLength, offset: 0, lengthBits,
    payloadHead: payload.subarray(0, 32).toString('hex'),
    ...(opcode >= 8
      ? { payloadHex: payload.subarray(0, 125).toString('hex') }
      : {
          messageKind: spec.messageKind ?? (opcode === 1 ? 'text' : opcode === 2 ? 'binary' : null),
          compressed: spec.compressed ?? (spec.rsv1 ?? false),
        }),
    ...(spec.close ? { close: spec.close } : {}),
  };
}

function render(events: WireEvent[], options: { level?: 0 | 1; width?: number; verbose?: boolean; headerTables?: boolean } = {}): Promise<string> {
  let text = '';
  const sink = createPrettySink(
    { write: (s) => ((text += s), true) },
    { chalk: new Chalk({ level: options.level ?? 0 }), width: options.width, verbose: options.verbose, headerTables: options.headerTables },
  );
  for (const event of events) sink.write(event);
  return sink.close().then(() => text);
}

function closeInfo(code: number | null, codeName: string | null, reason = ''): FrameEvent['close'] {
  return { code, codeName, reason };
}

function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code);
  payload.write(reason, 2);
  return payload;
}

function stats(frames: number, messages: number, wireBytes: number) {
  return { frames, messages, wireBytes };
}

/** A whole session: the handshake, a few frames both ways, a violation, a clean close. */
function typicalSession(): WireEvent[] {
  const at = conn();
  return [
    at({ type: 'connection', client: '127.0.0.1:51234', upstream: 'ws://127.0.0.1:9001/' }),
    at(request([...REQUEST_HEADERS, ['Cookie', `session=${'x'.repeat(200)}; theme=dark; a very long value with many words in it`]])),
    at(response()),
    at(frame({ payload: 'Hello, this is a rather long message that will not fit on one line' })),
    at(frame({ from: 'server', payload: 'Hello, this is a rather long message that will not fit on one line' })),
    at(frame({ opcode: 2, payload: Buffer.alloc(300, 0xab), maskKey: null })),
    at(violation('client-frame-unmasked', 'client', 'a client frame must be masked (MASK bit is 0), and this one says so in a long sentence')),
    at(frame({ opcode: 9, payload: 'ping-payload' })),
    at(frame({ opcode: 8, payload: closePayload(1000, 'done here, thank you'), close: closeInfo(1000, 'Normal Closure', 'done here, thank you') })),
    at(frame({ from: 'server', opcode: 8, payload: closePayload(1000), close: closeInfo(1000, 'Normal Closure') })),
    at({ type: 'connection-end', clean: true, closeCode: 1000, by: 'client', durationMs: 12_345, stats: { client: stats(4, 2, 1234), server: stats(2, 1, 90) } }),
  ];
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

describe('frame lines', () => {
  test('a masked text frame: every header field and the text', async () => {
    const at = conn();
    expect(await render([at(frame({ payload: 'Hello' }))])).toBe(
      '#3 14:02:11.101 C→S text   FIN    mask 37fa213d 5 B (7-bit)  "Hello"\n',
    );
  });

  test('an unmasked binary frame shows hex', async () => {
    const at = conn();
    expect(await render([at(frame({ from: 'server', opcode: 2, payload: Buffer.from([1, 2, 3, 0xff]) }))])).toBe(
      '#3 14:02:11.101 S→C binary FIN    unmasked      4 B (7-bit)  01 02 03 ff\n',
    );
  });

  test('close frames: code, name and reason; or no status code', async () => {
    const at = conn();
    const out = lines(
      await render([
        at(frame({ from: 'server', opcode: 8, payload: closePayload(1001, 'bye'), close: closeInfo(1001, 'Going Away', 'bye') })),
        at(frame({ opcode: 8, close: closeInfo(null, null) })),
      ], { width: 100 }),
    );
    expect(out[0]).toBe('#3 14:02:11.101 S→C close  FIN    unmasked      5 B (7-bit)  1001 Going Away "bye"');
    expect(out[1]).toBe('#3 14:02:11.102 C→S close  FIN    mask 37fa213d 0 B (7-bit)  (no status code)');
  });

  test("short of room, a close frame's reason wins over its code's name", async () => {
    const at = conn();
    const reason = 'server shutting down for maintenance';
    const out = lines(
      await render([
        at(frame({ opcode: 8, payload: closePayload(1001, reason), close: closeInfo(1001, 'Going Away', reason) })),
        at(frame({ opcode: 8, payload: closePayload(1000), close: closeInfo(1000, 'Normal Closure') })),
      ]),
    );
    expect(out[0]).toMatch(/ 38 B \(7-bit\) 1001 "server shut"…$/);
    // `1000 Normal Closure` just fits at 80 columns up to connection #9; from #10 the name gives way.
    expect(out[1]).toMatch(/ 2 B \(7-bit\)  1000 Normal Closure$/);
    const twelve = conn(12);
    expect(lines(await render([twelve(frame({ opcode: 8, close: closeInfo(1000, 'Normal Closure') }))]))[0]).toMatch(
      /^#12 .* 0 B \(7-bit\)  1000$/,
    );
  });

  test('ping and pong payloads: text when printable, hex otherwise', async () => {
    const at = conn();
    const out = lines(
      await render([at(frame({ opcode: 9, payload: 'are you there' })), at(frame({ from: 'server', opcode: 10, payload: Buffer.from([0, 1, 0x1b]) }))]),
    );
    expect(out[0]).toMatch(/ ping   FIN .* 13 B \(7-bit\) "are you there"$/);
    expect(out[1]).toMatch(/ pong   FIN .* 3 B \(7-bit\)  00 01 1b$/);
  });

  test('16- and 64-bit lengths, and a preview cut with … (the payload goes on)', async () => {
    const at = conn();
    const out = lines(
      await render([
        at(frame({ payload: 'a'.repeat(32), length: 300 })),
        at(frame({ from: 'server', opcode: 2, payload: Buffer.alloc(32, 0xab), length: 70_000 })),
      ]),
    );
    expect(out[0]).toMatch(/ 300 B \(16-bit\) "a+"…$/);
    expect(out[1]).toMatch(/ 70000 B \(64-bit\) (ab ?)+…$/);
    for (const line of out) expect(columns(line)).toBeLessThanOrEqual(80);
  });

  test('RSV bits, fragments and a compressed message', async () => {
    const at = conn();
    const out = lines(
      await render([
        at(frame({ payload: Buffer.from('f248cdc9', 'hex'), fin: false, rsv1: true })),
        at(frame({ opcode: 0, payload: Buffer.from('c90700', 'hex'), messageKind: 'text', compressed: true })),
        at({ type: 'message', from: 'client', kind: 'text', frames: 2, compressed: true, wireBytes: 7, size: 5, text: 'Hello', truncated: false }),
      ]),
    );
    expect(out[0]).toMatch(/C→S text   ··· R1 mask 37fa213d 4 B \(7-bit\)  \(compressed\)$/);
    expect(out[1]).toMatch(/C→S cont   FIN    mask 37fa213d 3 B \(7-bit\)  \(compressed\)$/);
    expect(out[2]).toBe('#3 14:02:11.103 C→S message text 2 frames 7 B → 5 B inflated "Hello"');
  });

  test('a text continuation shows its text, without the half of a code point its fragment began', async () => {
    const at = conn();
    const euro = Buffer.from('€uro'); // e2 82 ac 75 72 6f
    const out = lines(
      await render([at(frame({ payload: Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]), fin: false })), at(frame({ opcode: 0, payload: euro.subarray(1), messageKind: 'text' }))]),
    );
    expect(out[0]).toMatch(/ "a"$/);
    expect(out[1]).toMatch(/ cont .* "uro"$/);
  });

  test('a message line only when it adds something, or with verbose', async () => {
    const at = conn();
    const events = [
      at(frame({ payload: 'Hi' })),
      at({ type: 'message', from: 'client', kind: 'text', frames: 1, compressed: false, wireBytes: 2, size: 2, text: 'Hi', truncated: false }),
    ];
    expect(lines(await render(events))).toHaveLength(1);
    expect(lines(await render(events, { verbose: true }))[1]).toBe('#3 14:02:11.102 C→S message text 1 frame 2 B "Hi"');
  });

  test('violations hang under their frame: ✘ for errors, ⚠ for warnings', async () => {
    const at = conn();
    const out = lines(
      await render([
        at(frame({ maskKey: null, payload: 'x' })),
        at(violation('client-frame-unmasked', 'client', 'client frame is not masked')),
        at(violation('mask-key-weak', 'client', 'masking key is all zeros')),
      ]),
    );
    expect(out[1]).toBe('   ✘ client-frame-unmasked (RFC6455 5.1) client frame is not masked');
    expect(out[2]).toBe('   ⚠ mask-key-weak (RFC6455 5.3) masking key is all zeros');
  });
});

test('wide characters count two columns, so CJK and emoji text still fits', async () => {
  const at = conn();
  const [line] = lines(await render([at(frame({ payload: '漢字😀'.repeat(4) }))]));
  const columns = [...line!].length + [...line!].filter((ch) => /[漢字😀]/u.test(ch)).length;
  expect(line).toMatch(/ "[漢字😀]+"…$/u);
  expect(columns).toBeLessThanOrEqual(80);
  expect(columns).toBeGreaterThanOrEqual(79);
});

describe('escaping', () => {
  test('ESC and RLO in payload text are shown as escapes, never sent raw', async () => {
    const at = conn();
    const out = await render([at(frame({ payload: '\x1b[2Jevil\u202etxt.exe' }))], { width: 120 });
    expect(out).toContain('"\\x1b[2Jevil\\u{202e}txt.exe"');
    expect(out).not.toMatch(/[\x1b\u202e]/);
  });

  test('ESC and RLO in header values and close reasons are escaped too', async () => {
    const at = conn();
    const out = await render([
      at(request([...REQUEST_HEADERS, ['X-Evil', 'a\x1b]0;pwned\x07b\u202ec']])),
      at(frame({ opcode: 8, close: closeInfo(1000, 'Normal Closure', 'bye\x1b[31m') })),
    ], { width: 120 });
    expect(out).toContain('a\\x1b]0;pwned\\x07b\\u{202e}c');
    expect(out).toContain('"bye\\x1b[31m"');
    expect(out).not.toMatch(/[\x1b\x07\u202e]/);
  });

  test('no ANSI codes at all with a level-0 chalk; colours with level 1', async () => {
    expect(await render(typicalSession(), { level: 0 })).not.toContain('\x1b');
    expect(await render(typicalSession(), { level: 1 })).toContain('\x1b[');
  });
});

describe('the handshake', () => {
  test('request and response: line, headers table, ✔ verdicts and the accept computation', async () => {
    const at = conn();
    const out = await render([at(request()), at(response())]);
    expect(out).toContain('#3 14:02:11.101 C→S GET /chat HTTP/1.1');
    expect(out).toMatch(/│ Sec-WebSocket-Key +│ dGhlIHNhbXBsZSBub25jZQ== +│/);
    expect(out).toMatch(/│ Sec-WebSocket-Extensions │ permessage-deflate; client_max_window_bits +│/);
    expect(out).toContain('#3 14:02:11.102 S→C 101 Switching Protocols');
    expect(out).toMatch(/│ Sec-WebSocket-Accept │ s3pPLMBiTxaQ9kYGzzhZRbK\+xOo= +│/);
    for (const check of ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key is base64 of 16 bytes', 'Sec-WebSocket-Version: 13']) {
      expect(out).toContain(`   ✔ ${check}\n`);
    }
    expect(out).toContain('base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11))');
    expect(out).toContain('= s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(out).toContain('   ✔ Sec-WebSocket-Accept matches\n');
    expect(out).toContain('   ✔ subprotocol: none\n');
    expect(out).toContain('   ✔ extensions: none\n');
    expect(out).not.toContain('✘');
  });

  test('headerTables: false leaves the tables out and keeps every verdict', async () => {
    const at = conn();
    const out = await render([at(request()), at(response())], { headerTables: false });
    expect(out).not.toMatch(/[┌│└]/);
    expect(out).toContain('#3 14:02:11.101 C→S GET /chat HTTP/1.1');
    expect(out).toContain('   ✔ Sec-WebSocket-Accept matches\n');
  });

  test('a wrong accept: ✘ with both values, from the violation that follows the response', async () => {
    const at = conn();
    const out = await render([
      at(request()),
      at(response('bm90IHRoZSByaWdodCBhY2NlcHQ=')),
      at(violation('handshake-accept-mismatch', 'server', 'Sec-WebSocket-Accept is "bm90…", expected "s3pP…"')),
    ]);
    expect(out.replace(/\n +/g, ' ')).toContain(
      '✘ handshake-accept-mismatch (RFC6455 4.1) Sec-WebSocket-Accept expected s3pPLMBiTxaQ9kYGzzhZRbK+xOo=, got bm90IHRoZSByaWdodCBhY2NlcHQ=',
    );
    expect(out).not.toContain('Accept matches');
    // The computation still shows, so the expected value can be checked by hand.
    expect(out).toContain('= s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  test('request violations fail their own checks; negotiated subprotocol and extensions are listed', async () => {
    const at = conn();
    const negotiated: InspectorEvent = {
      ...(response() as Extract<InspectorEvent, { type: 'handshake-response' }>),
      subprotocol: 'chat',
      extensions: [{ name: 'permessage-deflate', params: { client_max_window_bits: '15', server_no_context_takeover: true } }],
    };
    const out = await render([
      at(request(REQUEST_HEADERS.filter(([name]) => name !== 'Upgrade'))),
      at(violation('handshake-upgrade-header', 'client', 'request has no Upgrade header')),
      at(negotiated),
    ]);
    expect(out).toContain('   ✘ handshake-upgrade-header (RFC6455 4.1, 4.2.2) request has no Upgrade header\n');
    expect(out).toContain('   ✔ subprotocol: chat\n');
    expect(out).toContain('   ✔ extensions: permessage-deflate; client_max_window_bits=15;\n');
    expect(out).toContain('server_no_context_takeover');
  });

  test('a refused upgrade says so', async () => {
    const at = conn();
    const refused: InspectorEvent = { ...(response() as Extract<InspectorEvent, { type: 'handshake-response' }>), status: 403, reason: 'Forbidden', ok: false };
    expect(await render([at(request()), at(refused)])).toContain('✘ no upgrade: the server answered 403 Forbidden, not 101 Switching Protocols');
  });

  test('shown at the end of the tick even when nothing follows (an idle connection)', async () => {
    let text = '';
    const sink = createPrettySink({ write: (s) => ((text += s), true) }, { chalk: new Chalk({ level: 0 }) });
    const at = conn();
    sink.write(at(request()));
    sink.write(at(response()));
    expect(text).toContain('GET /chat');
    await new Promise((resolve) => setImmediate(resolve));
    expect(text).toContain('✔ Sec-WebSocket-Accept matches');
  });

  test("another connection's events do not steal a pending handshake's violations", async () => {
    const three = conn(3);
    const four = conn(4);
    const out = await render([
      three(request()),
      three(response('bm90IHRoZSByaWdodCBhY2NlcHQ=')),
      four(frame({ payload: 'meanwhile' })),
      three(violation('handshake-accept-mismatch', 'server', 'mismatch')),
    ]);
    const mismatch = out.indexOf('✘ handshake-accept-mismatch');
    expect(mismatch).toBeGreaterThan(out.indexOf('#3 14:02:11.102 S→C 101'));
    expect(out.indexOf('"meanwhile"')).toBeLessThan(mismatch);
  });
});

describe('connection lines', () => {
  test('header, http, error and undecodable lines', async () => {
    const at = conn(4);
    const out = lines(
      await render([
        at({ type: 'connection', client: '[::1]:51234', upstream: 'ws://127.0.0.1:9001/' }),
        at({ type: 'http', method: 'GET', path: '/index.html', status: 200 }),
        at({ type: 'undecodable', from: 'server', message: 'framing lost after length-msb-set' }),
        at({ type: 'error', message: 'upstream refused the connection' }),
      ]),
    );
    expect(out).toEqual([
      '#4 ▶ [::1]:51234 → ws://127.0.0.1:9001/',
      '#4 GET /index.html → 200',
      '#4 ✘ S→C undecodable: framing lost after length-msb-set',
      '#4 ✘ error: upstream refused the connection',
    ]);
  });

  test('the closing summary: how it closed, duration, both directions, compression ratio', async () => {
    const at = conn();
    const out = await render([
      at(frame({ from: 'server', rsv1: true, payload: Buffer.alloc(100) })),
      at({ type: 'message', from: 'server', kind: 'text', frames: 1, compressed: true, wireBytes: 100, size: 310, text: 'x', truncated: false }),
      at({ type: 'connection-end', clean: true, closeCode: 1000, by: 'client', durationMs: 12_345, stats: { client: stats(4, 2, 1234), server: stats(3, 1, 100) } }),
    ]);
    expect(out.replace(/\n +/g, ' · ').split('\n').at(-2)).toBe(
      '#3 closed cleanly by client: 1000 Normal Closure · 12.3 s · C→S 4 frames 2 msgs 1.2 kB · S→C 3 frames 1 msg 100 B · compression 3.1:1',
    );
  });

  test('unclean and abnormal endings', async () => {
    const end = { type: 'connection-end', durationMs: 800, stats: { client: stats(1, 1, 7), server: stats(0, 0, 0) } } as const;
    const three = conn(3);
    const four = conn(4);
    const five = conn(5);
    const out = await render([
      three(frame({ payload: 'x' })),
      three({ ...end, clean: false, closeCode: 1001, by: 'server' }),
      four(frame({ payload: 'x' })),
      four({ ...end, clean: false, closeCode: null, by: null }),
      five(frame({ payload: 'x' })),
      five({ ...end, clean: false, closeCode: null, by: null, endedByProxy: 'the proxy stopped' }),
    ]);
    expect(out).toContain('#3 closed uncleanly: server sent 1001 Going Away, client never answered · 800 ms');
    expect(out).toContain('#4 closed abnormally: no close frame (1006) · 800 ms');
    expect(out).toContain('#5 closed by the proxy (the proxy stopped) · 800 ms');
  });

  test('a connection that never spoke WebSocket just closes', async () => {
    const at = conn(5);
    const out = await render([
      at({ type: 'http', method: 'GET', path: '/', status: 200 }),
      at({ type: 'connection-end', clean: false, closeCode: null, by: null, durationMs: 1500, stats: { client: stats(0, 0, 0), server: stats(0, 0, 0) } }),
    ]);
    expect(lines(out)).toEqual(['#5 GET / → 200', '#5 closed · 1.5 s']);
  });
});

test('a typical session fits in 80 columns', async () => {
  const out = await render(typicalSession(), { level: 1 });
  const shown = stripVTControlCharacters(out);
  for (const line of lines(shown)) expect(columns(line), line).toBeLessThanOrEqual(80);
  // Nothing was lost to the width: the long cookie wrapped inside the table.
  expect(shown).toContain('theme=dark;');
});

test('the session renders as documented', async () => {
  expect(await render(typicalSession())).toMatchInlineSnapshot(`
    "#3 ▶ 127.0.0.1:51234 → ws://127.0.0.1:9001/
    #3 14:02:11.102 C→S GET /chat HTTP/1.1
    ┌──────────────────────────┬───────────────────────────────────────────────────┐
    │ Host                     │ 127.0.0.1:9001                                    │
    │ Upgrade                  │ websocket                                         │
    │ Connection               │ Upgrade                                           │
    │ Sec-WebSocket-Key        │ dGhlIHNhbXBsZSBub25jZQ==                          │
    │ Sec-WebSocket-Version    │ 13                                                │
    │ Sec-WebSocket-Extensions │ permessage-deflate; client_max_window_bits        │
    │ Cookie                   │ session=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx │
    │                          │ xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx │
    │                          │ xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx │
    │                          │ xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx │
    │                          │ xxxxxxxxxxxx; theme=dark; a very long value with  │
    │                          │ many words in it                                  │
    └──────────────────────────┴───────────────────────────────────────────────────┘
       ✔ Upgrade: websocket
       ✔ Connection: Upgrade
       ✔ Sec-WebSocket-Key is base64 of 16 bytes
       ✔ Sec-WebSocket-Version: 13
    #3 14:02:11.103 S→C 101 Switching Protocols
    ┌──────────────────────┬───────────────────────────────────────────────────────┐
    │ Upgrade              │ websocket                                             │
    │ Connection           │ Upgrade                                               │
    │ Sec-WebSocket-Accept │ s3pPLMBiTxaQ9kYGzzhZRbK+xOo=                          │
    └──────────────────────┴───────────────────────────────────────────────────────┘
       ✔ Upgrade: websocket
       ✔ Connection: Upgrade
         base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11))
           = s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
       ✔ Sec-WebSocket-Accept matches
       ✔ subprotocol: none
       ✔ extensions: none
    #3 14:02:11.104 C→S text   FIN    mask 37fa213d 66 B (7-bit) "Hello, this is a"…
    #3 14:02:11.105 S→C text   FIN    unmasked      66 B (7-bit) "Hello, this is a"…
    #3 14:02:11.106 C→S binary FIN    unmasked      300 B (16-bit) ab ab ab ab ab…
       ✘ client-frame-unmasked (RFC6455 5.1) a client frame must be masked (MASK bit
         is 0), and this one says so in a long sentence
    #3 14:02:11.108 C→S ping   FIN    mask 37fa213d 12 B (7-bit) "ping-payload"
    #3 14:02:11.109 C→S close  FIN    mask 37fa213d 22 B (7-bit) 1000 "done here, "…
    #3 14:02:11.110 S→C close  FIN    unmasked      2 B (7-bit)  1000 Normal Closure
    #3 closed cleanly by client: 1000 Normal Closure · 12.3 s
       C→S 4 frames 2 msgs 1.2 kB · S→C 2 frames 1 msg 90 B
    "
  `);
});

test('whatever a peer sends, every pretty line fits 80 columns and carries no raw control character', async () => {
  const { DirectionInspector } = await import('../../src/inspector/direction.js');
  let seed = 0x51ed;
  const random = (n: number) => Buffer.from(Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
  let total = 0;
  for (const side of ['client', 'server', 'client', 'server', 'client', 'server'] as const) {
    const events: WireEvent[] = [];
    const inspector = new DirectionInspector({ side });
    for (let i = 0; i < 40; i++) for (const e of inspector.push(random(97))) events.push(stamp(e, 12345, 1_795_000_000_000 + i));
    const out = await render(events);
    total += events.length;
    for (const line of out.split('\n')) {
      // Terminal columns: combining marks take none, wide characters two.
      expect(columns(line), line).toBeLessThanOrEqual(80);
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
  }
  expect(total).toBeGreaterThan(30); // the bytes did make frames to show
});

test('hostile handshake heads (huge names and values, controls, a long path) stay within 80 columns', async () => {
  const at = conn();
  const long = 'x'.repeat(300);
  const headers: Header[] = [
    [long, 'v'],
    ['X-Long', `${long}\u001b[2J\u202e${long}`],
    ['Host', 'example.com'],
  ];
  const hostile = { ...request(headers), path: `/${long}\u0007` } as InspectorEvent;
  const out = await render([at(hostile), at(response(computeAccept(KEY), [[long, long]]))]);
  for (const line of out.split('\n')) {
    expect(columns(line), line).toBeLessThanOrEqual(80);
    expect(line).not.toMatch(/[\u0000-\u001f\u202e]/);
  }
  expect(out).toContain('\\x1b[2J');
});

describe('what the user did to the traffic', () => {
  test('an injected frame is marked; held and released lines say what happened and how to release', async () => {
    const text = await render([
      stamp({ ...frame({ payload: 'hi' }), injected: true }, 3, START),
      stamp({ type: 'held', id: 7, from: 'client', kind: 'text', size: 14 }, 3, START),
      stamp({ type: 'released', id: 7, action: 'drop' }, 3, START),
      stamp({ type: 'released', id: 8, action: 'timeout' }, 3, START),
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[1]).toBe('   ↳ injected by wsinspect');
    expect(lines[2]).toBe('#3 ⏸ C→S held #7: text message, 14 B (release it from the inspector or with');
    expect(lines.slice(3)).toEqual(['     wsinspect send --release 7)', '#3 ▶ released #7: dropped', '#3 ▶ released #8: forwarded unchanged (intercept timeout)']);
  });
});

test("batched: a tick's lines go out in one write, the same text as unbatched; close writes what is left", async () => {
  const events = (() => {
    const c = conn(4);
    return [
      c({ type: 'connection', client: '127.0.0.1:50000', upstream: 'ws://127.0.0.1:9001/' }),
      c({ type: 'error', message: 'one' }),
      c({ type: 'error', message: 'two' }),
    ];
  })();
  const render = (batched: boolean) => {
    const writes: string[] = [];
    const sink = createPrettySink({ write: (text) => writes.push(text) > 0 }, { chalk: new Chalk({ level: 0 }), batched });
    for (const event of events) sink.write(event);
    return { writes, sink };
  };
  const each = render(false);
  const batched = render(true);
  expect(each.writes.length).toBe(3);
  expect(batched.writes).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(batched.writes).toEqual([each.writes.join('')]);
  const closing = render(true);
  await closing.sink.close();
  expect(closing.writes).toEqual([each.writes.join('')]);
});

test('wire text is fitted as escaping and measuring it character by character would', async () => {
  const fc = (await import('fast-check')).default;
  const { escapeForTerminal } = await import('../../src/render/escape.js');
  const { fitText, quotePreview } = await import('../../src/render/pretty-text.js');
  // The definition, one character at a time.
  const fit = (raw: string, budget: number) => {
    let text = '';
    let used = 0;
    for (const ch of raw) {
      const shown = escapeForTerminal(ch);
      if (used + columns(shown) > budget) return { text, cut: true };
      text += shown;
      used += columns(shown);
    }
    return { text, cut: false };
  };
  const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: fc.constantFrom('a', ' ', '\\', '\x1b', '日', '\u202e', '"'), maxLength: 30 }));
  fc.assert(
    fc.property(text, fc.integer({ min: -2, max: 40 }), fc.boolean(), (raw, budget, more) => {
      const whole = fit(raw, budget);
      expect(fitText(raw, budget)).toBe(whole.cut ? `${fit(raw, budget - 1).text}…` : whole.text);
      const quoted = fit(raw, budget - 2);
      expect(quotePreview(raw, budget, more)).toBe(!quoted.cut && !more ? `"${quoted.text}"` : `"${fit(raw, budget - 3).text}"…`);
    }),
    { numRuns: 500 },
  );
});

test('a frame whose preview ends inside a code point leaves nothing behind for the next frame line', async () => {
  const c = conn(5);
  const cut = Buffer.from('ab€').subarray(0, 4); // "ab" and the first two bytes of €
  const out = await render([
    c(frame({ payload: cut, fin: false })),
    c(frame({ opcode: 0, payload: 'cd', messageKind: 'text' })),
    c(frame({ payload: 'ef' })),
  ]);
  const lines = out.trimEnd().split('\n');
  expect(lines[0]).toMatch(/"ab"…?$/);
  expect(lines[1]).toMatch(/"cd"$/);
  expect(lines[2]).toMatch(/"ef"$/);
});
