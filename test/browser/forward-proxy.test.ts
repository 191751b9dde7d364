/**
 * Headless Chromium pointed at the forward proxy (--proxy-server) loads a page
 * from a local http:// origin whose script opens a ws:// WebSocket to another
 * local port and a wss:// one to a local TLS server. The page is unchanged;
 * the proxy shows both handshakes and their frames with the real hosts.
 * Chromium trusts wsinspect's CA by its key's hash only
 * (--ignore-certificate-errors-spki-list), never by ignoring certificate errors.
 */
import { createHash, X509Certificate } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEchoServer, type EchoServer } from '../../src/echo/echo-server.js';
import { haveChromium, launchChromium, type Chromium } from '../helpers/chromium.js';
import { serverCert, startForwardProxy, startWssEcho } from '../helpers/forward.js';
import { checkWireOrder, onCleanup, once } from '../helpers/net.js';

/** The test origin's page: one WebSocket per URL given, each sends its name and shows the echo. */
function page(urls: string[]): string {
  return `<!doctype html><meta charset="utf-8"><title>forward</title><ul id="log"></ul>
<script>
  const log = (text) => { const li = document.createElement('li'); li.textContent = text; document.getElementById('log').append(li); };
  for (const url of ${JSON.stringify(urls)}) {
    const ws = new WebSocket(url);
    ws.onopen = () => ws.send('hello ' + url);
    ws.onmessage = (e) => { log('echo ' + e.data); ws.close(1000, 'done'); };
    ws.onerror = () => log('error ' + url);
  }
</script>`;
}

async function startPageServer(html: string): Promise<number> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
  return (server.address() as net.AddressInfo).port;
}

describe.runIf(haveChromium)('Chromium through the forward proxy', () => {
  let chromium: Chromium;
  let echo: EchoServer;

  beforeAll(async () => {
    // Started outside a test: cleaned up in afterAll, not per test.
    echo = await startEchoServer({ port: 0 });
  });

  afterAll(async () => {
    await chromium?.close();
    await echo?.close();
  });

  test('a page on one local origin opens ws:// and wss:// WebSockets to others: both inspected, with their real hosts', async () => {
    const proxy = await startForwardProxy({ upstreamCa: serverCert });
    const caKeyHash = createHash('sha256')
      .update(new X509Certificate(proxy.ca.certificatePem).publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
    chromium = await launchChromium({}, [
      `--proxy-server=${proxy.httpUrl}`,
      '--proxy-bypass-list=<-loopback>', // Chromium skips proxies for loopback unless told not to
      `--ignore-certificate-errors-spki-list=${caKeyHash}`,
    ]);
    const wssPort = await startWssEcho();
    const wsUrl = echo.url;
    const wssUrl = `wss://localhost:${wssPort}/secure`;
    const pagePort = await startPageServer(page([wsUrl, wssUrl]));

    const tab = await chromium.context.newPage();
    await tab.goto(`http://127.0.0.1:${pagePort}/`);
    await tab.locator('#log').getByText(`echo hello ${wsUrl}`).waitFor();
    await tab.locator('#log').getByText(`echo hello ${wssUrl}`).waitFor();
    await tab.close();

    const { log } = proxy;
    const upstreams = log.of('connection').map((c) => c.upstream);
    expect(upstreams).toContain(`ws://127.0.0.1:${pagePort}/`); // the page itself, absolute-form
    expect(upstreams).toContain(wsUrl);
    expect(upstreams).toContain(`wss://localhost:${wssPort}/`);
    for (const url of [wsUrl, wssUrl]) {
      const request = await log.next('handshake-request', (r) => r.path === new URL(url).pathname);
      const conn = request.conn;
      await log.end(conn);
      const events = log.forConn(conn);
      expect(events.find((e) => e.type === 'handshake-response')).toMatchObject({ status: 101, ok: true });
      expect(events).toContainEqual(expect.objectContaining({ type: 'message', from: 'client', text: `hello ${url}` }));
      expect(events).toContainEqual(expect.objectContaining({ type: 'message', from: 'server', text: `hello ${url}` }));
      expect(events.filter((e) => e.type === 'violation' && e.severity === 'error')).toEqual([]);
      checkWireOrder(events);
    }
  });
});
