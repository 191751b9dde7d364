/**
 * `wsinspect replay`: a session recorded by the real proxy (`--json --full`,
 * or a HAR) is replayed by the built CLI against the echo server (exit 0),
 * against a server that answers differently (exit 1, first difference shown),
 * and refused when its payloads were truncated (exit 2); the inspector's
 * replay route (the page's button). Plus the pure parts:
 * which headers a recording repeats, and the comparison.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { startEchoServer } from '../../src/echo/echo-server.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { compareMessages } from '../../src/replay/compare.js';
import { recordingOf } from '../../src/replay/recording.js';
import { proxyUrl, run, until } from '../helpers/cli.js';
import { onCleanup, once } from '../helpers/net.js';
import { request, startInspected } from '../ui/support.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');

function wsinspect(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

const BIG = 'x'.repeat(100 * 1024); // past the 64 KiB preview

/** Records one session through `wsinspect proxy --json` (+ extra flags): the NDJSON it printed. */
async function record(extra: string[], close: [number, string] = [1000, '']): Promise<string> {
  const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--json', ...extra]);
  const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
  const ws = new WebSocket(url.replace(/\/$/, '/chat?room=1'), ['chat.v1'], { headers: { origin: 'http://app.example' } });
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  for (const message of ['hello', Buffer.from([1, 2, 3]), BIG]) {
    const echoed = once(ws, 'message');
    ws.send(message);
    await echoed;
  }
  ws.close(...close);
  await once(ws, 'close');
  proxy.child.kill('SIGTERM');
  await proxy.exited;
  return proxy.stdout();
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-replay-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Replays `capture` against a fresh echo server: it must match (exit 0); the events it showed. */
async function replayMatches(capture: string): Promise<WireEvent[]> {
  const echo = await startEchoServer({ port: 0 });
  onCleanup(() => echo.close());
  const same = await wsinspect(['replay', capture, '--upstream', echo.url, '--no-timing', '--json']);
  expect(same.stderr).toBe('replay: 3 server messages match the recording (exact)\n');
  expect(same.code).toBe(0);
  return same.stdout.trim().split('\n').map((line) => JSON.parse(line) as WireEvent);
}

/** Replays `capture` against an echo server that prefixes its answers: exit 1 with the first difference. */
async function replayDiffers(capture: string, pacing: string[]): Promise<string> {
  const prefixing = await startEchoServer({ port: 0, prefix: 'Received: ' });
  onCleanup(() => prefixing.close());
  const differs = await wsinspect(['replay', capture, '--upstream', prefixing.url, ...pacing]);
  expect(differs.code).toBe(1);
  expect(differs.stderr).toBe(
    'wsinspect: replay differs at server message 1 of 3 recorded\n' +
      '  expected: text "hello"\n' +
      '  actual:   text "Received: hello"\n' +
      '  first difference at byte 0: - "hello"  + "Received: hello"\n',
  );
  return prefixing.url;
}

describe('wsinspect replay (CLI)', () => {
  test('a --full NDJSON recording replays against the echo server (exit 0) and differs against a prefixing one (exit 1)', async () => {
    const dir = tempDir();
    const capture = join(dir, 'session.ndjson');
    writeFileSync(capture, await record(['--full']));
    const events = await replayMatches(capture);
    const request = events.find((e) => e.type === 'handshake-request');
    // The recorded path, subprotocol and Origin; a fresh key.
    expect(request).toMatchObject({ path: '/chat?room=1' });
    const headers = new Map((request as Extract<WireEvent, { type: 'handshake-request' }>).headers.map(([n, v]) => [n.toLowerCase(), v]));
    expect(headers.get('origin')).toBe('http://app.example');
    expect(headers.get('sec-websocket-protocol')).toBe('chat.v1');
    expect(events.filter((e) => e.type === 'message' && e.from === 'server')).toHaveLength(3);

    const prefixing = await replayDiffers(capture, ['--speed', '100']);
    expect((await wsinspect(['replay', capture, '--upstream', prefixing, '--no-timing', '--compare', 'count'])).code).toBe(0);
  }, 90_000);

  test('a preview-only recording is refused for exact (exit 2) and replays with --compare count', async () => {
    const dir = tempDir();
    const capture = join(dir, 'preview.ndjson');
    writeFileSync(capture, await record([]));
    const echo = await startEchoServer({ port: 0 });
    onCleanup(() => echo.close());
    const refused = await wsinspect(['replay', capture, '--upstream', echo.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/truncated payloads .*--full/);
    const counted = await wsinspect(['replay', capture, '--upstream', echo.url, '--no-timing', '--compare', 'count']);
    expect(counted.code).toBe(0);
  }, 90_000);

  test('a HAR written with --full replays too; usage errors exit 2', async () => {
    const dir = tempDir();
    const har = join(dir, 'session.har');
    await record(['--full', '--har', har]);
    JSON.parse(readFileSync(har, 'utf8'));
    const echo = await startEchoServer({ port: 0 });
    onCleanup(() => echo.close());
    const replayed = await wsinspect(['replay', har, '--upstream', echo.url, '--no-timing']);
    expect(replayed.stderr).toContain('match the recording (exact)');
    expect(replayed.code).toBe(0);

    expect((await wsinspect(['replay', har, '--conn', '7', '--upstream', echo.url])).stderr).toMatch(/no WebSocket connection 7/);
    expect((await wsinspect(['replay', har, '--speed', '2', '--no-timing'])).code).toBe(2);
    expect((await wsinspect(['replay', har, '--compare', 'fuzzy'])).code).toBe(2);
    expect((await wsinspect(['replay', join(dir, 'missing.ndjson')])).code).toBe(2);
  }, 90_000);
});

describe('wsinspect replay from a pcapng written by proxy --pcap', () => {
  test('the capture replays against the echo server (exit 0) and differs against a prefixing one (exit 1, first difference)', async () => {
    const dir = tempDir();
    const capture = join(dir, 'session.pcapng');
    await record(['--pcap', capture], [4002, 'from the pcap']);
    const events = await replayMatches(capture);
    // Decoded from the packets: the recorded path and subprotocol, the whole 100 KiB message, the recorded close.
    expect(events.find((e) => e.type === 'handshake-request')).toMatchObject({ path: '/chat?room=1' });
    expect(events.find((e) => e.type === 'handshake-response')).toMatchObject({ subprotocol: 'chat.v1' });
    const sent = events.filter((e) => e.type === 'message' && e.from === 'client');
    expect(sent.map((e) => e.type === 'message' && e.size)).toEqual([5, 3, BIG.length]);
    expect(events.find((e) => e.type === 'frame' && e.from === 'client' && e.opcodeName === 'close')).toMatchObject({ close: { code: 4002, reason: 'from the pcap' } });

    await replayDiffers(capture, ['--no-timing']);
  }, 90_000);
});

describe('wsinspect replay closes as the recorded client did', () => {
  test('the recorded close code and reason go out at the end of the replay', async () => {
    const dir = tempDir();
    const capture = join(dir, 'session.ndjson');
    writeFileSync(capture, await record(['--full'], [4001, 'see you']));
    const echo = await startEchoServer({ port: 0 });
    onCleanup(() => echo.close());
    const replayed = await wsinspect(['replay', capture, '--upstream', echo.url, '--no-timing', '--json']);
    expect(replayed.code).toBe(0);
    const events = replayed.stdout.trim().split('\n').map((line) => JSON.parse(line) as WireEvent);
    const closes = events.filter((e) => e.type === 'frame' && e.opcodeName === 'close');
    expect(closes.map((e) => e.type === 'frame' && [e.from, e.close?.code, e.close?.reason])).toEqual([
      ['client', 4001, 'see you'],
      ['server', 4001, 'see you'], // the echo server answers with the same code
    ]);
    expect(events.find((e) => e.type === 'connection-end')).toMatchObject({ clean: true, closeCode: 4001, by: 'client' });
  }, 90_000);
});

describe('replay parts', () => {
  test('a recording repeats Origin, Cookie, Authorization, subprotocols and the extension offer; injected messages are not the client\'s', () => {
    const at = { conn: 2, ts: 0 };
    const events = [
      { type: 'connection', client: '127.0.0.1:1', upstream: 'ws://127.0.0.1:9001/', ...at },
      {
        type: 'handshake-request',
        method: 'GET',
        path: '/socket?v=2',
        httpVersion: '1.1',
        key: 'k',
        headers: [
          ['Host', 'h'],
          ['Origin', 'o'],
          ['Cookie', 'c=1'],
          ['Authorization', 'Bearer t'],
          ['Sec-WebSocket-Protocol', 'p'],
          ['Sec-WebSocket-Extensions', 'permessage-deflate'],
          ['Sec-WebSocket-Key', 'k'],
          ['User-Agent', 'ua'],
        ],
        ...at,
      },
      { type: 'message', from: 'client', kind: 'text', text: 'mine', truncated: false, frames: 1, compressed: false, wireBytes: 10, size: 4, ...at, ts: 5 },
      { type: 'message', from: 'client', kind: 'text', text: 'injected', injected: true, truncated: false, frames: 1, compressed: false, wireBytes: 14, size: 8, ...at },
      { type: 'message', from: 'server', kind: 'binary', base64: 'AQI=', truncated: false, frames: 1, compressed: false, wireBytes: 4, size: 2, ...at },
    ] as WireEvent[];
    const recording = recordingOf(events)!;
    expect(recording.url).toBe('ws://127.0.0.1:9001/socket?v=2');
    expect(recording.headers.map(([name]) => name)).toEqual(['Origin', 'Cookie', 'Authorization', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions']);
    expect(recording.messages.client).toEqual([{ kind: 'text', payload: Buffer.from('mine'), truncated: false, ts: 5 }]);
    expect(recording.messages.server[0]!.payload).toEqual(Buffer.from([1, 2]));
    expect(recordingOf(events, 3)).toBeNull();
    expect(recording.close).toBeNull(); // no close frame recorded: the replay closes with 1000
  });

  test("the client's first own close frame is the recording's close (an empty one has code null); an injected close is not the client's", () => {
    const at = { conn: 1, ts: 0 };
    const close = (code: number | null, reason: string, injected?: true) =>
      ({ type: 'frame', from: 'client', opcode: 8, opcodeName: 'close', close: { code, codeName: null, reason }, ...(injected && { injected }), ...at }) as unknown as WireEvent;
    const request = { type: 'handshake-request', method: 'GET', path: '/', httpVersion: '1.1', key: 'k', headers: [], ...at } as WireEvent;
    expect(recordingOf([request, close(4000, 'injected', true), close(null, ''), close(1001, 'later')])!.close).toEqual({ code: null, reason: '' });
    expect(recordingOf([request, close(3000, 'bye')])!.close).toEqual({ code: 3000, reason: 'bye' });
  });

  test('compare: exact, count, none; the first difference with a short diff', () => {
    const t = (text: string) => ({ kind: 'text' as const, payload: Buffer.from(text) });
    expect(compareMessages([t('a'), t('b')], [t('a'), t('b')], 'exact')).toBeNull();
    expect(compareMessages([t('a'), t('b')], [t('a'), t('B')], 'exact')).toMatchObject({ index: 1, diff: 'first difference at byte 0: - "b"  + "B"' });
    expect(compareMessages([t('a')], [], 'exact')).toMatchObject({ index: 0, actual: '(no message)' });
    expect(compareMessages([t('a')], [{ kind: 'binary', payload: Buffer.from('a') }], 'exact')!.diff).toMatch(/kind differs/);
    expect(compareMessages([t('a')], [t('zzz')], 'count')).toBeNull();
    expect(compareMessages([t('a')], [t('a'), t('b')], 'count')).toMatchObject({ diff: '1 more than recorded' });
    expect(compareMessages([t('a')], [], 'none')).toBeNull();
    const long = compareMessages([t(`${'x'.repeat(100)}A`)], [t(`${'x'.repeat(100)}B`)], 'exact')!;
    expect(long.diff).toBe(`first difference at byte 100: - "…${'x'.repeat(10)}A"  + "…${'x'.repeat(10)}B"`);
  });
});

describe('POST /api/connections/:conn/replay (the page\'s Replay button)', () => {
  test('replays a kept connection through the proxy and compares; 403 for a foreign Origin; 404, 400', async () => {
    const { proxy, inspector, log } = await startInspected();
    const ws = new WebSocket(proxy.url, { perMessageDeflate: false });
    await once(ws, 'open');
    for (const text of ['one', 'two']) {
      const echoed = once(ws, 'message');
      ws.send(text);
      await echoed;
    }
    ws.close(1000);
    await log.end(1);
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => request(inspector, path, { method: 'POST', headers, body: JSON.stringify(body) });
    expect((await post('/api/connections/1/replay', {}, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/api/connections/9/replay', {})).status).toBe(404);
    expect((await post('/api/connections/1/replay', { compare: 'fuzzy' })).status).toBe(400);
    const replayed = await post('/api/connections/1/replay', { compare: 'exact' });
    expect(replayed.status).toBe(200);
    expect(JSON.parse(replayed.body)).toEqual({
      conn: 1,
      compare: 'exact',
      match: true,
      expected: [{ kind: 'text', text: 'one' }, { kind: 'text', text: 'two' }],
      actual: [{ kind: 'text', text: 'one' }, { kind: 'text', text: 'two' }],
      difference: null,
    });
    // It went through the proxy: connection 2, with the same messages.
    await log.end(2);
    expect(log.of('message', 2).filter((m) => m.from === 'client').map((m) => m.text)).toEqual(['one', 'two']);
  });

  test('a replay whose handshake the server refuses is a 409 saying why', async () => {
    // A server that lets one connection in, then refuses every other (ws answers 401).
    let admitted = 0;
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: () => admitted++ === 0 });
    onCleanup(() => server.close());
    await once(server, 'listening');
    server.on('connection', (peer) => peer.on('message', (data) => peer.send(String(data))));
    const { proxy, inspector, log } = await startInspected({ upstream: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/` });
    const ws = new WebSocket(proxy.url, { perMessageDeflate: false });
    await once(ws, 'open');
    ws.send('once');
    await once(ws, 'message');
    ws.close(1000);
    await log.end(1);
    const refused = await request(inspector, '/api/connections/1/replay', { method: 'POST', body: '{}' });
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.body)).toEqual({ error: expect.stringMatching(/^the replay's handshake failed: server answered 401 Unauthorized$/) });
  });
});
