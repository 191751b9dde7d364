/**
 * `wsinspect proxy --json` writing to a reader that does not keep up (as
 * `| (sleep 5; cat)` would): the built CLI in a child process whose stdout
 * this test leaves unread for a while, a `ws` client and a `ws` echo server
 * over loopback.
 *
 * - By default the relay waits for the reader: once `--json-queue` of NDJSON
 *   is queued it stops reading its sockets, so the NDJSON produced while the
 *   reader sleeps stays within the queue (plus the pipe's own buffers and the
 *   batch being written), the client's echoes stall, and after the reader
 *   wakes up every event is there.
 * - With `--json-lossy` the relay does not wait: every echo comes back while
 *   the reader sleeps, events are dropped instead, and the `dropped` events
 *   account for every one of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { MAIN, proxyUrl, until } from '../helpers/cli.js';
import { onCleanup, once } from '../helpers/net.js';
import { wsEcho } from '../helpers/ws-echo.js';

const MESSAGES = 3000;
const PAYLOAD = 'j'.repeat(4096);
const KiB = 1024;
const MiB = 1024 * KiB;

interface SlowReader {
  child: ChildProcess;
  url: string;
  /** Starts reading the proxy's stdout (until then nothing is read: the pipe fills up). */
  wake(): void;
  lines(): string[];
}

/** The proxy CLI with its stdout left unread until wake(). */
async function slowReaderProxy(upstreamPort: number, extra: string[], ui = ['--no-ui']): Promise<SlowReader> {
  const args = ['proxy', '--listen', '127.0.0.1:0', ...ui, '--json', '--upstream', `ws://127.0.0.1:${upstreamPort}/`, ...extra];
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  let stdout = '';
  const url = await until(() => proxyUrl(stderr), 'the banner');
  return {
    child,
    url,
    wake: () => child.stdout!.on('data', (d) => (stdout += d)),
    lines: () => stdout.split('\n').filter((line) => line !== ''),
  };
}

/** A client that sends MESSAGES text messages at once and counts the echoes. */
async function flood(url: string): Promise<{ ws: WebSocket; echoes: () => number }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  let echoes = 0;
  ws.on('message', () => echoes++);
  for (let i = 0; i < MESSAGES; i++) ws.send(PAYLOAD);
  return { ws, echoes: () => echoes };
}

/** Waits until `count` stops changing for a second (or reaches `all`); returns it. */
async function settled(count: () => number, all: number): Promise<number> {
  let last = -1;
  let stableSince = Date.now();
  await until(() => {
    const now = count();
    if (now !== last) [last, stableSince] = [now, Date.now()];
    return now === all || Date.now() - stableSince > 1000;
  }, 'the echoes to stop or finish', 60_000);
  return count();
}

describe('proxy --json into a slow reader', () => {
  // With the inspector on, the NDJSON lines come from the inspector's store (ui/store-ndjson.ts): the same bound holds.
  test.each([
    ['', ['--no-ui']],
    [' (inspector on)', ['--ui', '127.0.0.1:0']],
  ])('by default the relay waits for the reader: the queue stays within --json-queue, and no event is lost%s', async (_, ui) => {
    const port = await wsEcho();
    const proxy = await slowReaderProxy(port, ['--json-queue', '1MiB'], ui);
    const client = await flood(proxy.url);

    const stalled = await settled(client.echoes, MESSAGES);
    expect(stalled).toBeLessThan(MESSAGES);

    const wokeAt = Date.now();
    proxy.wake();
    await until(() => client.echoes() === MESSAGES, 'every echo once the reader reads', 60_000);
    client.ws.close(1000);
    await until(() => proxy.lines().some((line) => line.includes('"connection-end"')), 'connection-end', 30_000);

    const lines = proxy.lines();
    const events = lines.map((line) => JSON.parse(line));
    expect(events.filter((e) => e.type === 'dropped')).toEqual([]);
    const messages = events.filter((e) => e.type === 'message');
    expect(messages.filter((m) => m.from === 'client')).toHaveLength(MESSAGES);
    expect(messages.filter((m) => m.from === 'server')).toHaveLength(MESSAGES);
    expect(messages.every((m) => m.text === PAYLOAD)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'connection-end', clean: true });

    // What was produced while the reader slept: the 1 MiB queue, the pipe's buffers (the
    // kernel's and this process's stream, 64 KiB each), the batch being written (64 KiB) and
    // the events of the chunk being read. Without backpressure it would be all ~26 MB.
    let bytes = 0;
    events.forEach((event, i) => {
      if (event.ts < wokeAt) bytes += lines[i]!.length + 1;
    });
    expect(bytes).toBeGreaterThan(MiB);
    expect(bytes).toBeLessThan(2 * MiB);
  });

  test('--json-lossy: the relay does not wait; each gap is a dropped event and the counts add up', async () => {
    const port = await wsEcho();
    const proxy = await slowReaderProxy(port, ['--json-lossy', '--json-queue', '256KiB']);
    const client = await flood(proxy.url);

    // Nobody reads stdout, and yet every echo comes back.
    await until(() => client.echoes() === MESSAGES, 'every echo with stdout unread', 60_000);

    proxy.wake();
    await until(() => proxy.lines().some((line) => line.includes('"type":"dropped"')), 'a dropped event once the queue drains', 30_000);
    client.ws.close(1000);
    await until(() => proxy.lines().some((line) => line.includes('"connection-end"')), 'connection-end', 30_000);

    const events = proxy.lines().map((line) => JSON.parse(line));
    const dropped = events.filter((e) => e.type === 'dropped');
    const shown = events.filter((e) => e.type !== 'dropped');
    expect(dropped.length).toBeGreaterThan(0);
    for (const gap of dropped) {
      expect(gap).toMatchObject({ conn: 1, events: expect.any(Number), since: expect.any(Number), ts: expect.any(Number) });
      expect(gap.events).toBeGreaterThan(0);
      expect(gap.since).toBeLessThanOrEqual(gap.ts);
    }
    // connection, handshake request and response, a frame and a message per message each way,
    // the two close frames, connection-end: what was shown and what was dropped make all of it.
    const total = 3 + 4 * MESSAGES + 2 + 1;
    expect(shown.length + dropped.reduce((sum, gap) => sum + gap.events, 0)).toBe(total);
    expect(shown.filter((e) => e.type === 'violation')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'connection-end', clean: true, stats: { client: { messages: MESSAGES } } });
  });
});
