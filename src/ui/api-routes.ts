/**
 * The inspector's HTTP API (contract: "Inspector API"), reading the store:
 * connections, one connection's events as NDJSON, exports. JSON errors
 * `{"error": "..."}` with a 4xx status. The live WebSocket is in server.ts.
 */
import type { ServerResponse } from 'node:http';
import { connNumber } from '../act/api.js';
import type { WireEvent } from '../inspector/events.js';
import { harOf } from '../render/har.js';
import type { EventStore } from './event-store.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, error: string): void {
  sendJson(res, status, { error });
}

/**
 * The wire bytes behind the events, as pcapng (the store keeps events, not
 * bytes): the proxy's --pcap recording, or read's --pcap OUT. The whole
 * file, or connection `conn`'s packets; null when `conn` is not in it.
 */
export type PcapngSource = (conn?: number) => AsyncIterable<Uint8Array> | null;

/** What the reading routes serve. */
export interface ApiSource {
  store: EventStore;
  pcapng?: PcapngSource;
  /** A running proxy (false: `read --ui`, a saved capture); `GET /api/stats` tells the page, which then offers no acting controls. */
  live: boolean;
}

/** Answers an /api/ GET; false when no route matches. */
export async function serveApi({ store, pcapng, live }: ApiSource, pathname: string, url: URL, res: ServerResponse): Promise<boolean> {
  if (pathname === '/api/connections') {
    sendJson(res, 200, store.summaries());
    return true;
  }
  if (pathname === '/api/stats') {
    sendJson(res, 200, { ...store.stats(), live });
    return true;
  }
  const eventsOf = /^\/api\/connections\/([^/]+)\/events$/.exec(pathname);
  if (eventsOf) {
    const conn = connNumber(eventsOf[1]!);
    if (conn === null) sendError(res, 400, `"${eventsOf[1]}" is not a connection number`);
    else if (!store.has(conn)) sendError(res, 404, `no connection ${conn} (it may have been dropped to stay within --keep)`);
    else await sendNdjson(res, store.jsonOf(conn));
    return true;
  }
  const exported = /^\/api\/export\.(har|ndjson|pcapng)$/.exec(pathname);
  if (exported) {
    await serveExport(store, exported[1]!, url, res, pcapng);
    return true;
  }
  return false;
}

async function serveExport(store: EventStore, format: string, url: URL, res: ServerResponse, pcapng?: PcapngSource): Promise<void> {
  const param = url.searchParams.get('conn');
  let conn: number | undefined;
  if (param !== null) {
    const parsed = connNumber(param);
    if (parsed === null) return sendError(res, 400, `conn must be a connection number, not "${param}"`);
    // The recording outlives the store's history: a pcapng export asks the recording instead.
    if (format !== 'pcapng' && !store.has(parsed)) return sendError(res, 404, `no connection ${parsed} (it may have been dropped to stay within --keep)`);
    conn = parsed;
  }
  const name = conn === undefined ? `wsinspect.${format}` : `wsinspect-conn-${conn}.${format}`;
  const disposition = { 'content-disposition': `attachment; filename="${name}"` };
  if (format === 'pcapng') return sendPcapng(res, pcapng, conn, disposition);
  const texts = store.jsonOf(conn);
  if (format === 'har') return sendJson(res, 200, harOf(texts.map((text) => JSON.parse(text) as WireEvent)), disposition);
  await sendNdjson(res, texts, disposition);
}

/** NDJSON in ~64 KiB writes, waiting for the socket to drain between them (a kept history can be large). */
async function sendNdjson(res: ServerResponse, texts: string[], headers: Record<string, string> = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', ...headers });
  let chunk = '';
  for (const text of texts) {
    chunk += `${text}\n`;
    if (chunk.length < 64 * 1024) continue;
    const more = res.write(chunk);
    chunk = '';
    if (!more && !(await drained(res))) return;
  }
  res.end(chunk);
}

async function sendPcapng(res: ServerResponse, source: PcapngSource | undefined, conn: number | undefined, headers: Record<string, string>): Promise<void> {
  if (!source) {
    return sendError(res, 409, 'no wire bytes are kept (the inspector keeps events): start the proxy with --pcap FILE, or read with --pcap OUT, to export pcapng');
  }
  const packets = source(conn);
  if (!packets) return sendError(res, 404, `connection ${conn} is not in the pcapng recording`);
  res.writeHead(200, { 'content-type': 'application/x-pcapng', 'cache-control': 'no-store', ...headers });
  for await (const chunk of packets) {
    if (!res.write(chunk) && !(await drained(res))) return;
  }
  res.end();
}

/** Resolves true on 'drain', false when the client went away first. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain).off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.on('drain', onDrain).on('close', onClose);
  });
}
