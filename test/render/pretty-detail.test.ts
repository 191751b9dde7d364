/** `--detail 0-4`: what the pretty view shows at each level, from events the real inspector makes of real frames. */
import { Chalk } from 'chalk';
import { describe, expect, test } from 'vitest';
import { computeAccept } from '../../src/accept-calc/accept.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { stamp, type InspectorEvent, type WireEvent } from '../../src/inspector/events.js';
import { createPrettySink } from '../../src/render/pretty.js';
import type { DetailLevel } from '../../src/render/pretty-detail.js';
import { decode, key } from '../helpers/decode.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const JSON_TEXT = '{"user":"ada","tags":["x","y"]}';
const HOSTILE = `line one\nline two \x1b[2J\u202e evil ${'long '.repeat(30)}end`;
const BINARY = Buffer.from(Array.from({ length: 20 }, (_, i) => i));

function connectionEvents(): WireEvent[] {
  const client = Buffer.concat([
    encodeFrame({ opcode: 1, payload: Buffer.from(JSON_TEXT), maskKey: key('37fa213d') }),
    encodeFrame({ opcode: 1, payload: Buffer.from(HOSTILE), maskKey: key('01020304') }),
    encodeFrame({ opcode: 2, payload: BINARY, maskKey: key('0a0b0c0d') }),
    encodeFrame({ opcode: 9, payload: Buffer.from('hi'), maskKey: key('11223344') }),
  ]);
  const inspected: InspectorEvent[] = [
    { type: 'connection', client: '127.0.0.1:50000', upstream: 'ws://127.0.0.1:9001/' },
    { type: 'handshake-request', method: 'GET', path: '/chat', httpVersion: '1.1', key: KEY, headers: [['Host', '127.0.0.1:9001'], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', KEY], ['Sec-WebSocket-Version', '13']] },
    { type: 'handshake-response', status: 101, reason: 'Switching Protocols', headers: [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Accept', computeAccept(KEY)]], accept: { expected: computeAccept(KEY), actual: computeAccept(KEY), valid: true }, subprotocol: null, extensions: [], ok: true },
    ...decode(client, { side: 'client' }),
    { type: 'connection-end', clean: false, closeCode: null, by: null, durationMs: 5, stats: { client: { frames: 4, messages: 3, wireBytes: client.length }, server: { frames: 0, messages: 0, wireBytes: 0 } } },
  ];
  let ts = 1_700_000_000_000;
  return inspected.map((event) => stamp(event, 3, ts++));
}

async function render(detail: DetailLevel | undefined, width = 80): Promise<string> {
  let text = '';
  const sink = createPrettySink({ write: (s) => ((text += s), true) }, { chalk: new Chalk({ level: 0 }), width, detail });
  for (const event of connectionEvents()) sink.write(event);
  await sink.close();
  return text;
}

describe('--detail', () => {
  test('0: connections only', async () => {
    const lines = (await render(0)).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^#3 ▶ 127\.0\.0\.1:50000 → ws:\/\/127\.0\.0\.1:9001\/$/);
    expect(lines.slice(1).every((line) => /^#3 closed|^ {3}/.test(line))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/GET|text|message|ping/);
  });

  test('1: handshakes, control frames and one line per message, no data frames', async () => {
    const out = await render(1);
    expect(out).toContain('C→S GET /chat HTTP/1.1');
    expect(out).toContain('S→C 101 Switching Protocols');
    expect(out).toContain('C→S message text 1 frame 31 B "{"user":"ada","tags":["x","y"]}"');
    expect(out).toMatch(/C→S message binary 1 frame 20 B 00 01 02/);
    expect(out).toMatch(/C→S ping +FIN/);
    expect(out).not.toMatch(/C→S (text|binary) +FIN/);
  });

  test('2 is the default view: every frame', async () => {
    const out = await render(2);
    expect(out).toBe(await render(undefined));
    expect(out).toMatch(/C→S text +FIN +mask 37fa213d/);
  });

  test('3: whole bodies, JSON pretty-printed, text wrapped and escaped, binary as a hex dump', async () => {
    const width = 60;
    const out = await render(3, width);
    expect(out).toContain('   │ {\n   │   "user": "ada",\n   │   "tags": [\n   │     "x",');
    expect(out).toContain('   │ line one\n   │ line two \\x1b[2J\\u{202e} evil long');
    expect(out).not.toMatch(/[\x1b\u202e]/);
    expect(out).toContain('   │ 0000  00 01 02 03 04 05 06 07  |........|');
    expect(out).toMatch(/ {3}│ 0010 {2}10 11 12 13 +\|\.\.\.\.\|/);
    const bodyRows = out.split('\n').filter((line) => line.startsWith('   │ '));
    expect(bodyRows.length).toBeGreaterThan(10);
    expect(bodyRows.filter((line) => line.length > width)).toEqual([]);
    expect(out).toMatch(/C→S text +FIN +mask 37fa213d/);
  });

  test('4: the bytes of every frame too, header exactly as sent', async () => {
    const out = await render(4);
    expect(out).toContain('   │ header   81 9f 37 fa 21 3d');
    expect(out).toContain('   │ unmasked 68 69');
    // 184 bytes, of which the event kept the first 32: the rest is counted.
    expect(out).toContain('   │ header   81 fe 00 b8 01 02 03 04\n   │ unmasked 6c 69 6e 65');
    expect(out).toContain('… (184 bytes in all)');
    expect(out).toContain('   │ header   89 82 11 22 33 44\n   │ unmasked 68 69\n');
  });
});

describe('the closing summary', () => {
  test('names the answer when it differs from the close it answers', async () => {
    let text = '';
    const sink = createPrettySink({ write: (s) => ((text += s), true) }, { chalk: new Chalk({ level: 0 }), width: 100 });
    const end = (replyCode: number | null): WireEvent => ({
      type: 'connection-end', conn: 7, ts: 1, clean: true, closeCode: 1005, by: 'client', replyCode, durationMs: 12,
      stats: { client: { frames: 1, messages: 0, wireBytes: 8 }, server: { frames: 1, messages: 0, wireBytes: 43 } },
    });
    sink.write({ type: 'frame', conn: 7, ts: 0, from: 'client', fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 8, opcodeName: 'close', masked: true, maskKey: '00000000', payloadLength: 2, headerLength: 6, wireLength: 8, offset: 0, lengthBits: 7 });
    sink.write(end(1002));
    await sink.close();
    expect(text).toContain('#7 closed by client: 1005 No Status Rcvd; server answered 1002 Protocol Error · 12 ms');
    expect(text).not.toContain('cleanly');
  });
});
