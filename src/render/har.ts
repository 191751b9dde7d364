/**
 * The `--har FILE` output: HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/)
 * with one entry per WebSocket connection, its messages in Chrome DevTools'
 * `_webSocketMessages` form (so DevTools and HAR viewers show them), and one
 * entry per plain HTTP request the proxy relayed. Events are collected as
 * they come; the file is written once, atomically, on close().
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type {
  HandshakeRequestEvent,
  HandshakeResponseEvent,
  Header,
  HttpEvent,
  MessageEvent,
  WireEvent,
} from '../inspector/events.js';
import type { EventSink, Stamped } from './sink.js';

interface HarNameValue {
  name: string;
  value: string;
}

interface HarWebSocketMessage {
  type: 'send' | 'receive';
  /** Seconds since the epoch, with a fraction (Chrome's unit here, unlike the rest of HAR). */
  time: number;
  opcode: 1 | 2;
  /** The text, or the base64 of a binary message: the event's preview, which may be a prefix. */
  data: string;
}

interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: HarNameValue[];
    headers: HarNameValue[];
    queryString: HarNameValue[];
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: HarNameValue[];
    headers: HarNameValue[];
    content: { size: number; mimeType: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
  };
  cache: Record<string, never>;
  timings: { blocked: number; dns: number; connect: number; send: number; wait: number; receive: number; ssl: number };
  _resourceType?: 'websocket';
  /** Custom field: the upstream URL the proxy relayed to (request.url is what the client asked for). */
  _upstream?: string;
  _webSocketMessages?: HarWebSocketMessage[];
}

/** A WebSocket entry being filled in, until its connection ends. */
interface OpenEntry {
  entry: HarEntry;
  requestTs: number;
}

export interface HarSinkOptions {
  /**
   * The file could not be written at `path` (its directory went away, the disk
   * is full...), so the recording went to `written` instead: the current
   * directory, else the temporary one. Without this option the failure throws.
   */
  onFallback?(written: string, reason: string): void;
  /** The clients connected with TLS (wss://); unknown, URLs take the upstream's scheme. */
  clientTls?: boolean;
}

export function createHarSink(path: string, options: HarSinkOptions = {}): EventSink {
  const har = new HarBuilder(options.clientTls);
  let closing: Promise<void> | null = null;
  return {
    write: (event) => har.write(event),
    // Writes the file; a second call (a second SIGINT) waits for the first write instead of writing again.
    close: () => (closing ??= writeNeverLost(path, `${JSON.stringify(har.har(), null, 2)}\n`, options)),
  };
}

/** A recording is never lost: when the named file fails, it goes to a fresh file in a directory that works. */
async function writeNeverLost(path: string, text: string, options: HarSinkOptions): Promise<void> {
  try {
    await writeAtomically(path, text);
  } catch (err) {
    if (!options.onFallback) throw err;
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'its directory is gone' : (err as Error).message;
    for (const dir of [process.cwd(), tmpdir()]) {
      const fallback = join(dir, `wsinspect-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.har`);
      const written = await writeFile(fallback, text, { flag: 'wx' }).then(() => true, () => false);
      if (written) return options.onFallback(fallback, reason);
    }
    throw err;
  }
}

/** The HAR of a list of events (the inspector's export). */
export function harOf(events: Iterable<WireEvent>): object {
  const har = new HarBuilder();
  for (const event of events) har.write(event);
  return har.har();
}

class HarBuilder {
  /** `clientTls`: clients connected with TLS (the proxy's --tls-cert); unknown: as the upstream. */
  constructor(private readonly clientTls?: boolean) {}

  private readonly entries: HarEntry[] = [];
  private readonly upstreams = new Map<number, string>();
  private readonly open = new Map<number, OpenEntry>();

  write(event: WireEvent): void {
    switch (event.type) {
      case 'connection':
        this.upstreams.set(event.conn, event.upstream);
        break;
      case 'handshake-request':
        this.request(event);
        break;
      case 'handshake-response':
        this.response(event);
        break;
      case 'message':
        this.open.get(event.conn)?.entry._webSocketMessages?.push(webSocketMessage(event));
        break;
      case 'http':
        this.entries.push(httpEntry(event, this.upstreams.get(event.conn)));
        break;
      case 'connection-end':
        // Finished entries stay in `entries`; the per-connection lookups go.
        this.upstreams.delete(event.conn);
        this.open.delete(event.conn);
        break;
    }
  }

  private request(event: Stamped<HandshakeRequestEvent>): void {
    const upstream = this.upstreams.get(event.conn);
    const url = webSocketUrl(event, upstream, this.clientTls);
    const entry: HarEntry = {
      startedDateTime: new Date(event.ts).toISOString(),
      time: 0,
      request: {
        method: event.method,
        url,
        httpVersion: `HTTP/${event.httpVersion}`,
        cookies: [],
        headers: nameValues(event.headers),
        queryString: queryString(url),
        headersSize: headSize(`${event.method} ${event.path} HTTP/${event.httpVersion}`, event.headers),
        bodySize: 0,
      },
      // Until a response comes, the entry reads as a failed request (status 0, as browsers record one).
      response: emptyResponse(0, -1),
      cache: {},
      timings: timings(0),
      _resourceType: 'websocket',
      _webSocketMessages: [],
    };
    // The server the proxy really talked to (the embedded echo server's port, say), beside what the client asked.
    if (upstream !== undefined && event.path.startsWith('/')) entry._upstream = absoluteUrl(new URL(upstream), event.path, 'ws');
    this.entries.push(entry);
    this.open.set(event.conn, { entry, requestTs: event.ts });
  }

  private response(event: Stamped<HandshakeResponseEvent>): void {
    const open = this.open.get(event.conn);
    if (!open) return;
    const wait = Math.max(0, event.ts - open.requestTs);
    open.entry.response = {
      ...emptyResponse(event.status, headSize(`HTTP/1.1 ${event.status} ${event.reason}`, event.headers)),
      statusText: event.reason,
      headers: nameValues(event.headers),
      bodySize: 0,
    };
    // HAR's `time` is the sum of the timings; for a WebSocket that is the wait for the 101.
    open.entry.time = wait;
    open.entry.timings = timings(wait);
  }

  har(): object {
    const creator = { name: 'wsinspect', version: packageVersion() };
    return { log: { version: '1.2', creator, entries: this.entries } };
  }
}

function httpEntry(event: Stamped<HttpEvent>, upstream: string | undefined): HarEntry {
  const url = absoluteUrl(upstream === undefined ? null : new URL(upstream), event.path, 'http');
  return {
    startedDateTime: new Date(event.ts).toISOString(),
    time: 0,
    request: {
      method: event.method,
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [],
      queryString: queryString(url),
      headersSize: -1,
      bodySize: -1,
    },
    response: { ...emptyResponse(event.status, -1), statusText: STATUS_CODES[event.status] ?? '' },
    cache: {},
    timings: timings(0),
  };
}

function emptyResponse(status: number, headersSize: number): HarEntry['response'] {
  return {
    status,
    statusText: '',
    httpVersion: 'HTTP/1.1',
    cookies: [],
    headers: [],
    content: { size: 0, mimeType: '' },
    redirectURL: '',
    headersSize,
    bodySize: -1,
  };
}

function timings(wait: number): HarEntry['timings'] {
  return { blocked: -1, dns: -1, connect: -1, send: 0, wait, receive: 0, ssl: -1 };
}

function webSocketMessage(event: Stamped<MessageEvent>): HarWebSocketMessage {
  return {
    type: event.from === 'client' ? 'send' : 'receive',
    time: event.ts / 1000,
    opcode: event.kind === 'text' ? 1 : 2,
    data: (event.kind === 'text' ? event.text : event.base64) ?? '',
  };
}

/**
 * The URL the client asked for: its Host header and path, ws:// or wss:// as
 * it connected (`clientTls`; else as the upstream is). Only without a Host
 * header does the upstream name it.
 */
function webSocketUrl(event: Stamped<HandshakeRequestEvent>, upstream: string | undefined, clientTls: boolean | undefined): string {
  const host = event.headers.find(([name]) => name.toLowerCase() === 'host')?.[1];
  if (host === undefined || !event.path.startsWith('/')) return upstream === undefined ? event.path : absoluteUrl(new URL(upstream), event.path, 'ws');
  const secure = clientTls ?? (upstream !== undefined && /^(wss|https):/.test(upstream));
  return `${secure ? 'wss' : 'ws'}://${host}${event.path}`;
}

/** `path` on the upstream's host, with the scheme family asked for (ws/wss or http/https, matching its TLS). */
function absoluteUrl(upstream: URL | null, path: string, family: 'ws' | 'http'): string {
  if (upstream === null || !path.startsWith('/')) return path;
  const secure = upstream.protocol === 'wss:' || upstream.protocol === 'https:';
  const scheme = family === 'ws' ? (secure ? 'wss' : 'ws') : secure ? 'https' : 'http';
  return `${scheme}://${upstream.host}${path}`;
}

function queryString(url: string): HarNameValue[] {
  if (!URL.canParse(url)) return [];
  return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
}

function nameValues(headers: Header[]): HarNameValue[] {
  return headers.map(([name, value]) => ({ name, value }));
}

/** Bytes of the head as sent: start line, header lines, blank line (headers are latin1: a byte per character). */
function headSize(startLine: string, headers: Header[]): number {
  return headers.reduce((size, [name, value]) => size + name.length + 2 + value.length + 2, startLine.length + 2 + 2);
}

function packageVersion(): string {
  // ../../package.json from both src/render (tests) and dist/render (the installed CLI).
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Write to a temporary file beside the target, then rename: a reader never sees half a HAR. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}
