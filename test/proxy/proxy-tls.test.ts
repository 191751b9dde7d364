/**
 * TLS on both sides of the proxy: wss:// served to clients with --tls-cert/--tls-key,
 * and a wss:// upstream verified by default (a self-signed one only with insecure).
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startEchoServer } from '../../src/echo/echo-server.js';
import { onCleanup, once, startTestProxy } from '../helpers/net.js';

const TLS_DIR = join(import.meta.dirname, '../../fixtures/tls');
const cert = readFileSync(join(TLS_DIR, 'localhost.crt'));
const key = readFileSync(join(TLS_DIR, 'localhost.key'));

async function wssEcho(): Promise<number> {
  const server = https.createServer({ cert, key });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => (wss.close(), server.close(() => r()), server.closeAllConnections())));
  return (server.address() as net.AddressInfo).port;
}

async function echoThrough(url: string, options: WebSocket.ClientOptions = {}): Promise<string> {
  const ws = new WebSocket(url, options);
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  const reply = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
  ws.send('over TLS');
  const text = await reply;
  ws.close(1000);
  await once(ws, 'close');
  return text;
}

test('the proxy serves wss:// with --tls-cert/--tls-key and inspects inside the TLS', async () => {
  const echo = await startEchoServer({ port: 0 });
  onCleanup(() => echo.close());
  const { proxy, log } = await startTestProxy(echo.url, { tls: { cert, key } });
  expect(proxy.url).toMatch(/^wss:\/\//);
  expect(await echoThrough(proxy.url, { ca: cert })).toBe('over TLS');
  expect(await log.next('message')).toMatchObject({ from: 'client', text: 'over TLS' });
  expect(await log.end(1)).toMatchObject({ clean: true });
});

test('a wss:// upstream: verified by default (self-signed → 502 naming TLS), accepted with insecure', async () => {
  const port = await wssEcho();
  const strict = await startTestProxy(`wss://localhost:${port}`);
  const status = await new Promise<number>((resolve) => {
    const ws = new WebSocket(strict.proxy.url);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
    ws.on('error', () => {});
  });
  expect(status).toBe(502);
  expect((await strict.log.next('error')).message).toMatch(/^upstream wss:\/\/localhost:\d+\/: TLS: self-signed certificate/);

  const lenient = await startTestProxy(`wss://localhost:${port}`, { insecure: true });
  expect(await echoThrough(lenient.proxy.url)).toBe('over TLS');
  expect(await lenient.log.next('message', (e) => e.from === 'server')).toMatchObject({ text: 'over TLS' });
});
