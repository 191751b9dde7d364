/** An inspected proxy for the inspector's tests: echo server, proxy feeding a store, the inspector's server, all on free ports. */
import http from 'node:http';
import { WebSocket } from 'ws';
import { PcapngRecorder } from '../../src/capture/pcapng-recorder.js';
import { startEchoServer } from '../../src/echo/echo-server.js';
import { parseEndpoint } from '../../src/net/endpoint.js';
import type { Interceptor } from '../../src/proxy/interceptor.js';
import { startProxy, type RunningProxy } from '../../src/proxy/proxy-server.js';
import { EventStore } from '../../src/ui/event-store.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { startInspectorServer, type InspectorServer } from '../../src/ui/server.js';
import { EventLog, onCleanup, once } from '../helpers/net.js';

export interface Inspected {
  proxy: RunningProxy;
  store: EventStore;
  inspector: InspectorServer;
  /** Every event the proxy emitted (what the NDJSON sink would get). */
  log: EventLog;
}

export async function startInspected(
  options: { keep?: number; host?: string; token?: string | null; uiDir?: string; deflate?: boolean; upstream?: string; interceptor?: Interceptor; pcap?: string } = {},
): Promise<Inspected> {
  // The echo server, unless the test brings its own upstream.
  const echo = options.upstream ? null : await startEchoServer({ deflate: options.deflate ?? false });
  onCleanup(() => echo?.close());
  const store = new EventStore(options.keep);
  const log = new EventLog();
  const recorder = options.pcap === undefined ? undefined : new PcapngRecorder(options.pcap);
  onCleanup(() => recorder?.close());
  const proxy = await startProxy({
    pcap: recorder,
    host: '127.0.0.1',
    port: 0,
    upstream: parseEndpoint(options.upstream ?? echo!.url),
    payloadHeads: true,
    interceptor: options.interceptor,
    onEvent: (event) => {
      store.add(event);
      log.push(event);
    },
  });
  onCleanup(() => proxy.close());
  const act = {
    inject: proxy.inject,
    known: (conn: number) => store.has(conn),
    intercept: proxy.interceptor,
    events: (conn: number) => (store.has(conn) ? store.jsonOf(conn).map((text) => JSON.parse(text) as WireEvent) : null),
    replayVia: () => parseEndpoint(proxy.url),
  };
  const pcapng = recorder && ((conn?: number) => recorder.export(conn));
  const inspector = await startInspectorServer({ host: options.host ?? '127.0.0.1', port: 0, store, token: options.token, uiDir: options.uiDir, act, pcapng });
  onCleanup(() => inspector.close());
  return { proxy, store, inspector, log };
}

/** One client through the proxy: sends each text and waits for its echo, then closes cleanly. */
export async function converse(proxyUrl: string, texts: string[], path = '/'): Promise<void> {
  const ws = new WebSocket(proxyUrl.replace(/\/$/, path), { perMessageDeflate: false });
  await once(ws, 'open');
  for (const text of texts) {
    ws.send(text);
    await once(ws, 'message');
  }
  ws.close(1000, 'done');
  await once(ws, 'close');
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request to the inspector (so the Host, Origin and Cookie headers are exactly as given). */
export function request(inspector: InspectorServer, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: inspector.port, path, method: options.method ?? 'GET', headers: { host: `127.0.0.1:${inspector.port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The live feed as a page sees it: every WebSocket message, parsed. */
export async function follow(inspector: InspectorServer, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; batches: unknown[][] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${inspector.port}/api/events`, { headers });
  const batches: unknown[][] = [];
  ws.on('message', (data) => batches.push(JSON.parse(String(data))));
  await once(ws, 'open');
  onCleanup(() => ws.terminate());
  return { ws, batches };
}
