/**
 * Opening a WebSocket connection as a client, reporting every step: dial
 * (TCP or TLS), send the request, read the response head, check both, and
 * follow redirects when asked. The outcome is a live socket or the one-line
 * reason there is none.
 */
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Connection, type ConnectionOptions } from '../inspector/connection.js';
import { headerValue, type HttpResponseHead } from '../inspector/http-head.js';
import type { ConnectionEvent, HandshakeResponseEvent, InspectorEvent, Side, ViolationEvent } from '../inspector/events.js';
import { formatAddress, parseEndpoint, type Endpoint } from '../net/endpoint.js';
import { describeDialError, dial } from '../net/dial.js';
import { MAX_REDIRECTS, redirectTarget } from './redirect.js';
import { buildRequest, type RequestOptions } from './request.js';
import { tlsInfo, type TlsInfo } from './tls-info.js';
import { handshakeFailure, isRedirect, seconds } from './verdict.js';

export interface OpenSettings {
  request: RequestOptions;
  insecure: boolean;
  /** Deadline for the connection, and again for the response head. */
  timeoutMs: number;
  follow: boolean;
  /** How the connection is inspected (replay wants whole payloads). */
  connection?: ConnectionOptions;
}

/** The `connection` event of a client: `client` is our end; `server` and `tls` are fields the contract lets us add. */
export interface ClientConnectionEvent extends ConnectionEvent {
  /** The address actually connected to, "ip:port". */
  server: string;
  tls: TlsInfo | null;
}

/** Where each step is reported (the command's output). */
export interface OpenReporter {
  /** A new TCP connection starts (a followed redirect opens another). */
  nextConnection(): void;
  connection(event: ClientConnectionEvent): void;
  event(event: InspectorEvent): void;
  /** A head as it crossed the wire. */
  wire(side: Side, raw: Uint8Array): void;
  /** The start of the body of a response that refused the upgrade (`size`: all its bytes read). */
  refusalBody(bytes: Uint8Array, size: number): void;
}

export type Opened =
  | {
      ok: true;
      socket: net.Socket;
      connection: Connection;
      /** Events of server bytes that came with the response head (frames), not reported yet. */
      events: InspectorEvent[];
      started: number;
    }
  | { ok: false; reason: string };

type Attempt = Opened | { ok: false; reason: string; location: string };

export async function openWebSocket(endpoint: Endpoint, settings: OpenSettings, report: OpenReporter): Promise<Opened> {
  for (let redirects = 0; ; redirects++) {
    report.nextConnection();
    const attempt = await attemptHandshake(endpoint, settings, report);
    if (attempt.ok || !('location' in attempt) || !settings.follow) return attempt;
    if (redirects === MAX_REDIRECTS) return { ok: false, reason: `too many redirects: gave up after following ${MAX_REDIRECTS}` };
    try {
      endpoint = parseEndpoint(redirectTarget(endpoint.url, attempt.location));
    } catch (err) {
      return { ok: false, reason: `cannot follow the redirect: ${(err as Error).message}` };
    }
  }
}

async function attemptHandshake(endpoint: Endpoint, settings: OpenSettings, report: OpenReporter): Promise<Attempt> {
  const fail = (reason: string): Attempt => {
    report.event({ type: 'error', message: reason });
    return { ok: false, reason };
  };
  let socket: net.Socket;
  try {
    socket = await dial(endpoint, { insecure: settings.insecure, timeoutMs: settings.timeoutMs, alpn: ['http/1.1'] });
  } catch (err) {
    // dial rejects with a DialError, whose message is already in plain words ("connection refused").
    return fail((err as Error).message);
  }
  const started = Date.now();
  report.connection({
    type: 'connection',
    client: formatAddress(socket.localAddress, socket.localPort),
    upstream: endpoint.url,
    server: formatAddress(socket.remoteAddress, socket.remotePort),
    tls: endpoint.secure ? tlsInfo(socket as TLSSocket) : null,
  });

  const connection = new Connection({ ...settings.connection, keepUpgradeResponse: true });
  const request = buildRequest(endpoint, settings.request);
  report.wire('client', request.bytes);
  socket.write(request.bytes);
  const requestEvents = connection.push('client', request.bytes).events;
  requestEvents.forEach((event) => report.event(event));

  const read = await readResponse(socket, connection, endpoint, settings.timeoutMs);
  if (!read.ok) {
    socket.destroy();
    return fail(read.reason);
  }
  // The response's event and its violations; the frames that came with the head follow them.
  const at = read.events.findIndex((e) => e.type === 'handshake-response');
  let end = at + 1;
  while (read.events[end]?.type === 'violation') end++;
  const responseEvents = read.events.slice(0, end);
  const response = read.events[at] as HandshakeResponseEvent;
  const refusal = connection.refusalBody;
  if (refusal) {
    response.body = Buffer.from(refusal.bytes).toString('utf8');
    response.bodySize = refusal.size;
  }
  responseEvents.forEach((event) => report.event(event));
  report.wire('server', read.head.raw);
  if (refusal) report.refusalBody(refusal.bytes, refusal.size);

  const reason = handshakeFailure(read.head, response, violationsIn([...requestEvents, ...responseEvents]));
  if (reason === null) return { ok: true, socket, connection, events: read.events.slice(end), started };
  // RFC 6455 4.1: a client that finds the response wrong must fail the connection, not close it politely.
  socket.destroy();
  const location = headerValue(read.head.headers, 'location');
  return isRedirect(read.head.status) && location !== null ? { ok: false, reason, location } : { ok: false, reason };
}

function violationsIn(events: InspectorEvent[]): ViolationEvent[] {
  return events.filter((e): e is ViolationEvent => e.type === 'violation');
}

type ResponseRead = { ok: true; head: HttpResponseHead; events: InspectorEvent[] } | { ok: false; reason: string };

/** How long the start of a refusal's body is waited for once its head is read. */
const REFUSAL_BODY_WAIT_MS = 1000;

/**
 * Feeds the server's bytes to the connection until the response to the
 * upgrade is read (interim 1xx answers are skipped there) and, when it
 * refused the upgrade, the start of its body (where the server says why).
 * The socket is left paused, so no frame is read before the caller takes over.
 */
function readResponse(socket: net.Socket, connection: Connection, endpoint: Endpoint, timeoutMs: number): Promise<ResponseRead> {
  return new Promise((resolve) => {
    const events: InspectorEvent[] = [];
    let received = 0;
    let first: number | undefined;
    let bodyTimer: NodeJS.Timeout | undefined;
    const done = (result: ResponseRead) => {
      clearTimeout(timer);
      clearTimeout(bodyTimer);
      socket.pause();
      socket.off('data', onData).off('end', onEnd).off('error', onError);
      resolve(result);
    };
    const failed = (reason: string) => done({ ok: false, reason: speaksTls(first, endpoint) ? 'server answered with TLS: use wss://' : reason });
    const onData = (chunk: Buffer) => {
      first ??= chunk[0];
      received += chunk.length;
      events.push(...connection.push('server', chunk).events);
      if (connection.headError !== null && !connection.upgradeResponse) return failed(`server sent a malformed response: ${connection.headError}`);
      const head = connection.upgradeResponse;
      if (!head) return;
      if (head.status === 101 || connection.refusalBody?.full) return answered();
      bodyTimer ??= setTimeout(answered, Math.min(REFUSAL_BODY_WAIT_MS, timeoutMs));
    };
    // The head is read; a refusal's body ends with it, or with the connection, or is cut short by the wait.
    const answered = () => done({ ok: true, head: connection.upgradeResponse!, events });
    const onEnd = () => {
      if (connection.upgradeResponse) {
        connection.end('server');
        return answered();
      }
      failed(received === 0 ? 'server closed the connection without answering' : 'server closed the connection in the middle of the response head');
    };
    const onError = (err: Error) => (connection.upgradeResponse ? answered() : failed(describeDialError(err, endpoint).message));
    const timer = setTimeout(
      () => failed(received === 0 ? `no response within ${seconds(timeoutMs)}` : `incomplete response head after ${seconds(timeoutMs)} (${received} bytes)`),
      timeoutMs,
    );
    socket.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** A TLS record (handshake 0x16 or alert 0x15) where HTTP was expected: ws:// was used for a wss:// port. */
function speaksTls(firstByte: number | undefined, endpoint: Endpoint): boolean {
  return !endpoint.secure && (firstByte === 0x15 || firstByte === 0x16);
}
