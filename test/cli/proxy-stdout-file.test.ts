/**
 * `wsinspect proxy --json > FILE`: stdout that is a file (or a device) is
 * written from a reused buffer, synchronously (cli/stdout-file.ts), not
 * through process.stdout. The built CLI in a child process with its stdout
 * opened on a file, a `ws` client and a `ws` echo server over loopback.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { MAIN, proxyUrl, tempDir, until } from '../helpers/cli.js';
import { onCleanup, once } from '../helpers/net.js';
import { wsEcho } from '../helpers/ws-echo.js';

/** The proxy with stdout on `path`; its stderr, its exit code and its URL once it listens. */
async function proxyInto(path: string, upstreamPort: number) {
  const fd = openSync(path, 'w');
  const child = spawn(process.execPath, [MAIN, 'proxy', '--listen', '127.0.0.1:0', '--no-ui', '--json', '--upstream', `ws://127.0.0.1:${upstreamPort}/`], {
    stdio: ['ignore', fd, 'pipe'],
  });
  closeSync(fd);
  onCleanup(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await until(() => proxyUrl(stderr), 'the banner');
  return { child, url, exited, stderr: () => stderr };
}

/** Sends `count` texts through `url` and waits for their echoes. */
async function echoThrough(url: string, count: number): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  let echoes = 0;
  ws.on('message', () => echoes++);
  for (let i = 0; i < count; i++) ws.send(`message ${i}`);
  await until(() => echoes === count, 'the echoes');
  ws.close(1000);
  await once(ws, 'close');
}

test('into a file: every event, in order, as the lines process.stdout would have written', async () => {
  const file = join(tempDir(), 'events.ndjson');
  const proxy = await proxyInto(file, await wsEcho());
  await echoThrough(proxy.url, 500);
  await until(() => readFileSync(file, 'utf8').includes('"connection-end"'), 'connection-end in the file');
  proxy.child.kill('SIGTERM');
  expect(await proxy.exited).toBe(0);
  const events = readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; from?: string; text?: string });
  expect(events[0]!.type).toBe('connection');
  const messages = events.filter((e) => e.type === 'message');
  expect(messages.filter((m) => m.from === 'client').map((m) => m.text)).toEqual(Array.from({ length: 500 }, (_, i) => `message ${i}`));
  expect(messages.filter((m) => m.from === 'server')).toHaveLength(500);
  expect(events.at(-1)!.type).toBe('connection-end');
});

test.skipIf(!existsSync('/dev/full'))('into a full device: one line on stderr, exit 1, no stack trace', async () => {
  const proxy = await proxyInto('/dev/full', await wsEcho());
  // The first event (the connection) cannot be written: the proxy stops as it would on a closed stdout.
  const ws = new WebSocket(proxy.url, { perMessageDeflate: false });
  ws.on('error', () => {});
  onCleanup(() => ws.terminate());
  expect(await proxy.exited).toBe(1);
  expect(proxy.stderr()).toMatch(/^wsinspect: cannot write to stdout: .*ENOSPC/m);
  expect(proxy.stderr()).not.toMatch(/\n\s+at /);
});
