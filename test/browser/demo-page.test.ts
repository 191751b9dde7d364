/**
 * A real browser through the proxy: headless Debian Chromium loads the demo
 * page via the proxy, presses Send, and the NDJSON-level events must show
 * Chromium's handshake passing every check, its masked text frame, and the echo.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { startEchoServer, type EchoServer } from '../../src/echo/echo-server.js';
import { startProxy, type RunningProxy } from '../../src/proxy/proxy-server.js';
import { parseEndpoint } from '../../src/net/endpoint.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { haveChromium, launchChromium, type Chromium } from '../helpers/chromium.js';

describe.runIf(haveChromium)('demo page in headless Chromium through the proxy', () => {
  let chromium: Chromium;
  let browser: BrowserContext;

  beforeAll(async () => {
    chromium = await launchChromium();
    browser = chromium.context;
  });

  afterAll(async () => {
    await chromium?.close();
  });

  /** `closeCode`: what is typed in the close-code box ('' = empty); the log line the close must end with. */
  async function sendThroughProxy(deflate: boolean, close = { code: '1000', logged: /^CLOSED: code=1000/ }): Promise<WireEvent[]> {
    const echo: EchoServer = await startEchoServer({ port: 0, deflate });
    const events: WireEvent[] = [];
    const proxy: RunningProxy = await startProxy({
      host: '127.0.0.1',
      port: 0,
      upstream: parseEndpoint(echo.url),
      onEvent: (event) => events.push(event),
    });
    const page = await browser.newPage();
    try {
      await page.goto(proxy.url.replace(/^ws/, 'http'));
      await page.locator('#log').getByText('OPEN', { exact: true }).waitFor();
      await page.click('#send');
      await page.locator('#log').getByText('RECEIVED: Hello, world!').waitFor();
      await page.fill('#close-code', close.code);
      await page.click('#close');
      await page.locator('#log').getByText(close.logged).waitFor();
    } finally {
      await page.close();
      await proxy.close();
      await echo.close();
    }
    return events;
  }

  function websocketConnection(events: WireEvent[]): WireEvent[] {
    const request = events.find((e) => e.type === 'handshake-request');
    expect(request, 'the browser made a WebSocket request through the proxy').toBeDefined();
    return events.filter((e) => e.conn === request!.conn);
  }

  test('Chromium handshake passes every check; its masked text frame is echoed', async () => {
    const events = await sendThroughProxy(false);
    expect(events).toContainEqual(expect.objectContaining({ type: 'http', method: 'GET', path: '/', status: 200 }));
    const ws = websocketConnection(events);
    const request = ws.find((e) => e.type === 'handshake-request')!;
    const response = ws.find((e) => e.type === 'handshake-response')!;
    expect(ws.filter((e) => e.type === 'violation')).toEqual([]);
    // What Chromium offers: permessage-deflate with client_max_window_bits.
    const offered = request.type === 'handshake-request' ? request.headers.find(([n]) => n.toLowerCase() === 'sec-websocket-extensions') : undefined;
    expect(offered?.[1]).toMatch(/permessage-deflate; client_max_window_bits/);
    expect(response).toMatchObject({ status: 101, ok: true, accept: { valid: true }, extensions: [] });

    const clientFrame = ws.find((e) => e.type === 'frame' && e.from === 'client' && e.opcodeName === 'text');
    expect(clientFrame).toMatchObject({ masked: true, fin: true, rsv1: false, payloadLength: 13 });
    expect(ws).toContainEqual(expect.objectContaining({ type: 'message', from: 'client', kind: 'text', text: 'Hello, world!' }));
    const serverFrame = ws.find((e) => e.type === 'frame' && e.from === 'server' && e.opcodeName === 'text');
    expect(serverFrame).toMatchObject({ masked: false, rsv1: false });
    expect(ws).toContainEqual(expect.objectContaining({ type: 'message', from: 'server', kind: 'text', text: 'Hello, world!' }));
    expect(ws.at(-1)).toMatchObject({ type: 'connection-end', clean: true, closeCode: 1000, by: 'client' });
  });

  test('an empty close-code box sends a close frame without a status code', async () => {
    const events = await sendThroughProxy(false, { code: '', logged: /^CLOSED: code=1005/ });
    const ws = websocketConnection(events);
    expect(ws).toContainEqual(expect.objectContaining({ type: 'frame', from: 'client', opcodeName: 'close', payloadLength: 0, close: expect.objectContaining({ code: null }) }));
    expect(ws.at(-1)).toMatchObject({ type: 'connection-end', clean: true, closeCode: null, by: 'client' });
  });

  test('with the echo server compressing, server frames carry RSV1 and inflate to the same text', async () => {
    const events = await sendThroughProxy(true);
    const ws = websocketConnection(events);
    expect(ws.filter((e) => e.type === 'violation')).toEqual([]);
    const response = ws.find((e) => e.type === 'handshake-response')!;
    expect(response).toMatchObject({ ok: true, extensions: [expect.objectContaining({ name: 'permessage-deflate' })] });
    const serverFrame = ws.find((e) => e.type === 'frame' && e.from === 'server' && e.opcodeName === 'text');
    expect(serverFrame).toMatchObject({ rsv1: true, masked: false });
    expect(ws).toContainEqual(
      expect.objectContaining({ type: 'message', from: 'server', compressed: true, text: 'Hello, world!', size: 13 }),
    );
    expect(ws.at(-1)).toMatchObject({ type: 'connection-end', clean: true });
  });
});
