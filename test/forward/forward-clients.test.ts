/**
 * Forward mode with real clients: `ws` through http-proxy-agent (absolute-form
 * GET with Upgrade) and https-proxy-agent (CONNECT), to ws:// and wss://
 * servers on loopback; every connection names the real upstream.
 */
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { expect, test } from 'vitest';
import WebSocket from 'ws';
import { startEchoServer } from '../../src/echo/echo-server.js';
import { onCleanup, once } from '../helpers/net.js';
import { serverCert, startForwardProxy, startWssEcho } from '../helpers/forward.js';

async function echo(url: string, options: WebSocket.ClientOptions): Promise<string> {
  const ws = new WebSocket(url, options);
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  const reply = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
  ws.send('through the forward proxy');
  const text = await reply;
  ws.close(1000);
  await once(ws, 'close');
  return text;
}

async function embeddedEcho(): Promise<string> {
  const server = await startEchoServer({ port: 0 });
  onCleanup(() => server.close());
  return server.url;
}

test('ws:// through http-proxy-agent: an absolute-form Upgrade, relayed to its host and inspected', async () => {
  const url = await embeddedEcho();
  const { log, httpUrl } = await startForwardProxy();
  expect(await echo(url, { agent: new HttpProxyAgent(httpUrl) })).toBe('through the forward proxy');
  const conn = (await log.next('connection')).conn;
  expect(log.of('connection')[0]!.upstream).toBe(url);
  // The event shows the request as the client sent it (the server gets origin-form: forward-http.test.ts).
  expect((await log.next('handshake-request')).path).toBe(url.replace(/^ws:/, 'http:'));
  expect((await log.next('handshake-response')).ok).toBe(true);
  expect(await log.next('message', (m) => m.from === 'server')).toMatchObject({ text: 'through the forward proxy' });
  expect(await log.end(conn)).toMatchObject({ clean: true });
});

test('ws:// through https-proxy-agent: CONNECT, plain HTTP inside the tunnel inspected', async () => {
  const url = await embeddedEcho();
  const { log, httpUrl } = await startForwardProxy();
  expect(await echo(url, { agent: new HttpsProxyAgent(httpUrl) })).toBe('through the forward proxy');
  expect(log.of('connection')[0]).toMatchObject({ upstream: url });
  expect(log.of('connection')[0]!.tunnel).toBeUndefined();
  expect(await log.next('message', (m) => m.from === 'client')).toMatchObject({ text: 'through the forward proxy' });
  expect(await log.end(1)).toMatchObject({ clean: true });
});

test('wss:// through CONNECT: intercepted with a leaf from the CA, the real server verified against the trusted certificate', async () => {
  const port = await startWssEcho();
  const { log, httpUrl, ca } = await startForwardProxy({ upstreamCa: serverCert });
  const text = await echo(`wss://localhost:${port}/chat`, { agent: new HttpsProxyAgent(httpUrl), ca: ca.certificatePem });
  expect(text).toBe('through the forward proxy');
  expect(log.of('connection')[0]).toMatchObject({ upstream: `wss://localhost:${port}/` });
  expect(await log.next('handshake-request')).toMatchObject({ path: '/chat' });
  expect(await log.next('message', (m) => m.from === 'server')).toMatchObject({ text: 'through the forward proxy' });
  expect(await log.end(1)).toMatchObject({ clean: true });
});

test('wss:// to a server whose certificate is not trusted: 502 with the reason; accepted with insecure', async () => {
  const port = await startWssEcho();
  const strict = await startForwardProxy();
  const refused = await new Promise<{ status: number; body: string }>((resolve) => {
    const ws = new WebSocket(`wss://localhost:${port}/`, { agent: new HttpsProxyAgent(strict.httpUrl), ca: strict.ca.certificatePem });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    ws.on('error', () => {});
  });
  expect(refused.status).toBe(502);
  expect(refused.body).toMatch(/TLS: self-signed certificate/);
  expect((await strict.log.next('error')).message).toMatch(/^upstream wss:\/\/localhost:\d+\/: TLS: self-signed certificate/);

  const lenient = await startForwardProxy({ insecure: true });
  expect(await echo(`wss://localhost:${port}/`, { agent: new HttpsProxyAgent(lenient.httpUrl), ca: lenient.ca.certificatePem })).toBe('through the forward proxy');
});
