/** `wsinspect proxy --mode forward` as a user runs it: the built CLI, NDJSON on stdout, refusals with exit 2. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { expect, test } from 'vitest';
import WebSocket from 'ws';
import { startEchoServer } from '../../src/echo/echo-server.js';
import { onCleanup, once, waitUntil } from '../helpers/net.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');

function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-forward-cli-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const env = (dir: string) => ({ ...process.env, WSINSPECT_HOME: dir, NO_COLOR: '1' });

test('forward mode relays a ws:// client through CONNECT and reports the real upstream in NDJSON', async () => {
  const echo = await startEchoServer({ port: 0 });
  onCleanup(() => echo.close());
  const dir = home();
  const child = spawn(process.execPath, [MAIN, 'proxy', '--mode', 'forward', '--listen', '127.0.0.1:0', '--no-ui', '--json'], { env: env(dir) });
  onCleanup(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  await waitUntil(() => /listening on http:\/\/\S+/.test(stderr), 'the banner');
  const proxyUrl = /listening on (http:\/\/\S+)/.exec(stderr)![1]!;
  expect(stderr).toContain(join(dir, 'ca', 'wsinspect-ca.pem'));

  const ws = new WebSocket(echo.url, { agent: new HttpsProxyAgent(proxyUrl) });
  await once(ws, 'open');
  ws.send('hello');
  await once(ws, 'message');
  ws.close(1000);
  await once(ws, 'close');
  await waitUntil(() => stdout.includes('"connection-end"'), 'the connection-end');
  const events = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; upstream?: string });
  expect(events[0]).toMatchObject({ type: 'connection', upstream: echo.url });
  expect(events.map((e) => e.type)).toContain('handshake-response');
  child.kill('SIGTERM');
  expect(await new Promise((r) => child.once('exit', r))).toBe(0);
});

test.each([
  [['--mode', 'forward', '--listen', '0.0.0.0:0'], /would be an open proxy: add --allow-hosts PATTERN or --proxy-auth USER:PASS/],
  [['--allow-hosts', 'example'], /--allow-hosts needs --mode forward/],
  [['--mode', 'forward', '--upstream', 'ws://127.0.0.1:1/'], /--upstream is for reverse mode/],
  [['--mode', 'sideways'], /invalid --mode "sideways"/],
  [['--mode', 'forward', '--ignore-hosts', '('], /invalid host pattern "\("/],
  [['--mode', 'forward', '--proxy-auth', 'nocolon'], /invalid --proxy-auth: expected USER:PASS/],
])('proxy %j is a usage error (exit 2, one line)', (args, message) => {
  const result = spawnSync(process.execPath, [MAIN, 'proxy', '--no-ui', ...args], { env: env(home()), encoding: 'utf8', timeout: 10_000 });
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
});

test('proxy --help says which mode is the default and when', () => {
  const help = spawnSync(process.execPath, [MAIN, 'proxy', '--help'], { encoding: 'utf8' }).stdout;
  expect(help).toMatch(/reverse \(the default, and what --upstream means\)/);
  expect(help).toMatch(/forward \(--mode forward\)/);
});
