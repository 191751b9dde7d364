/** The proxy as a user runs it: the built CLI in a child process, NDJSON on stdout, HAR on SIGTERM. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { proxyUrl, run, until } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('wsinspect proxy (CLI)', () => {
  test('--json --har: NDJSON events on stdout, the banner on stderr, HAR written on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-har-'));
    dirs.push(dir);
    const har = join(dir, 'session.har');
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--json', '--har', har]);
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');

    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((r) => ws.once('open', r));
    for (const text of ['one', 'two']) {
      ws.send(text);
      await new Promise((r) => ws.once('message', r));
    }
    ws.send(Buffer.from([0xde, 0xad]));
    await new Promise((r) => ws.once('message', r));
    ws.close(1000);
    await new Promise((r) => ws.once('close', r));
    await until(() => proxy.stdout().includes('"connection-end"'), 'connection-end');

    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
    const events = proxy.stdout().trim().split('\n').map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual([
      'connection', 'handshake-request', 'handshake-response',
      'frame', 'message', 'frame', 'message', 'frame', 'message', 'frame', 'message',
      'frame', 'message', 'frame', 'message', 'frame', 'frame', 'connection-end',
    ]);
    expect(events.every((e) => e.conn === 1 && typeof e.ts === 'number')).toBe(true);
    // Every frame carries its first payload bytes (unmasked), so a --json file can rebuild the inspector's byte views.
    const frames = events.filter((e) => e.type === 'frame');
    expect(frames.filter((f) => f.opcodeName === 'text').map((f) => f.payloadHead)).toEqual(['6f6e65', '6f6e65', '74776f', '74776f']);
    expect(frames.filter((f) => f.opcodeName === 'close').every((f) => f.payloadHead === '03e8')).toBe(true);

    const log = JSON.parse(readFileSync(har, 'utf8')).log;
    expect(log.version).toBe('1.2');
    const entry = log.entries.find((e: { _resourceType?: string }) => e._resourceType === 'websocket');
    const request = events.find((e) => e.type === 'handshake-request');
    const response = events.find((e) => e.type === 'handshake-response');
    expect(entry.request.headers).toEqual(request.headers.map(([name, value]: string[]) => ({ name, value })));
    expect(entry.response.headers).toEqual(response.headers.map(([name, value]: string[]) => ({ name, value })));
    expect(entry.response.status).toBe(101);
    // The URL the client used, not the embedded echo server's random port, which is kept aside.
    expect(entry.request.url).toBe(url);
    expect(entry._upstream).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(entry._upstream).not.toBe(url);
    expect(entry._webSocketMessages.map((m: { type: string; opcode: number; data: string }) => [m.type, m.opcode, m.data])).toEqual([
      ['send', 1, 'one'], ['receive', 1, 'one'], ['send', 1, 'two'], ['receive', 1, 'two'],
      ['send', 2, Buffer.from([0xde, 0xad]).toString('base64')], ['receive', 2, Buffer.from([0xde, 0xad]).toString('base64')],
    ]);
  });

  test('SIGTERM with 100 open connections: each ends with an event, the HAR holds all of them, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-har-'));
    dirs.push(dir);
    const har = join(dir, 'many.har');
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--json', '--har', har]);
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
    const sockets = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const ws = new WebSocket(url);
        ws.on('error', () => {});
        await new Promise((r) => ws.once('open', r));
        ws.send(`hello ${i}`);
        await new Promise((r) => ws.once('message', r));
        return ws;
      }),
    );
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
    for (const ws of sockets) ws.terminate();
    const events = proxy.stdout().trim().split('\n').map((line) => JSON.parse(line));
    const ends = events.filter((e) => e.type === 'connection-end');
    expect(new Set(ends.map((e) => e.conn))).toEqual(new Set(Array.from({ length: 100 }, (_, i) => i + 1)));
    const entries = JSON.parse(readFileSync(har, 'utf8')).log.entries.filter((e: { _resourceType?: string }) => e._resourceType === 'websocket');
    expect(entries).toHaveLength(100);
    expect(entries.every((e: { _webSocketMessages: unknown[] }) => e._webSocketMessages.length === 2)).toBe(true);
  });

  test('pretty view by default: the banner names the page to open and the inspector, and frames are printed', async () => {
    const proxy = run(['--listen', '127.0.0.1:0', '--ui', '127.0.0.1:0', '--no-color']);
    const url = await until(() => proxyUrl(proxy.stdout()), 'the banner');
    expect(proxy.stdout()).toMatch(/open http:\/\/127\.0\.0\.1:\d+\/ in a browser/);
    expect(proxy.stdout()).toMatch(/inspector: http:\/\/127\.0\.0\.1:\d+\/\n/);
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once('open', r));
    ws.send('Hello, world!');
    await new Promise((r) => ws.once('message', r));
    ws.close(1000);
    await until(() => proxy.stdout().includes('closed cleanly'), 'the summary');
    expect(proxy.stdout()).toContain('✔ Sec-WebSocket-Accept matches');
    expect(proxy.stdout()).toMatch(/C→S text .*"Hello, world!"/);
    expect(proxy.stdout()).not.toMatch(/\x1b\[/);
  });

  test('an upstream that refuses: the client gets 502 with the cause, and an error event', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));

    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--upstream', `ws://127.0.0.1:${port}`, '--json']);
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('error', () => {});
    });
    expect(status).toBe(502);
    const line = await until(() => proxy.stdout().split('\n').find((l) => l.includes('"error"')), 'the error event');
    expect(JSON.parse(line)).toMatchObject({ type: 'error', conn: 1, message: expect.stringContaining('connection refused') });
  });

  test('a port in use is a usage error: exit 2, one line naming --listen', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const proxy = run(['proxy', '--listen', `127.0.0.1:${port}`, '--no-ui']);
      expect(await proxy.exited).toBe(2);
      expect(proxy.stderr().trim().split('\n')).toHaveLength(1);
      expect(proxy.stderr()).toMatch(/already in use.*--listen/);
    } finally {
      taken.close();
    }
  });

  test('bad flags and URLs are usage errors with one line', async () => {
    for (const args of [['proxy', '--bogus'], ['proxy', '--upstream', 'ftp://x'], ['proxy', '--listen', 'nonsense'], ['proxy', '--detail', '5']]) {
      const proxy = run(args);
      expect(await proxy.exited, args.join(' ')).toBe(2);
      expect(proxy.stderr().trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
