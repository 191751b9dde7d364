/**
 * Opening a WebSocket connection as a client, reporting every step: dial
 * (TCP or TLS), send the request, read the response head, check both, and
 * follow redirects when asked. The outcome is a live socket or the one-line
 * reason there is none.
 */
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Session } from '../inspector/session.js';
import { HeadParser, headerValue, type HttpResponseHead } from '../inspector/http-head.js';
import type { HandshakeResponseEvent, InspectorEvent, ViolationEvent } from '../inspector/events.js';
import { formatAddress, parseEndpoint, type Endpoint } from '../net/endpoint.js';
import { describeDialError, dial } from '../net/dial.js';
import { MAX_REDIRECTS, redirectTarget } from './redirect.js';
import type { Report } from './report.js';
import { buildRequest, type RequestOptions } from './request.js';
import { tlsInfo } from './tls-info.js';
import { handshakeFailure, isRedirect, seconds } from './verdict.js';

export interface OpenSettings {
  request: RequestOptions;
  insecure: boolean;
  /** Deadline for the connection, and again for the response head. */
  timeoutMs: number;
  follow: boolean;
}

export type Opened =
  | { ok: true; socket: net.Socket; session: Session; rest: Uint8Array; started: number }
  | { ok: false; reason: string };

type Attempt = Opened | { ok: false; reason: string; location: string };

export async function openWebSocket(endpoint: Endpoint, settings: OpenSettings, report: Report): Promise<Opened> {
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

async function attemptHandshake(endpoint: Endpoint, settings: OpenSettings, report: Report): Promise<Attempt> {
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

  const session = new Session();
  const request = buildRequest(endpoint, settings.request);
  report.wire('client', request.bytes);
  socket.write(request.bytes);
  const requestEvents = session.request(request.head);
  requestEvents.forEach((event) => report.event(event));

  const read = await readResponseHead(socket, endpoint, settings.timeoutMs);
  if (!read.ok) {
    socket.destroy();
    return fail(read.reason);
  }
  const responseEvents = session.response(read.head);
  responseEvents.forEach((event) => report.event(event));
  report.wire('server', read.head.raw);

  const response = responseEvents.find((e): e is HandshakeResponseEvent => e.type === 'handshake-response')!;
  const reason = handshakeFailure(read.head, response, violationsIn([...requestEvents, ...responseEvents]));
  if (reason === null) return { ok: true, socket, session, rest: read.rest, started };
  // RFC 6455 4.1: a client that finds the response wrong must fail the connection, not close it politely.
  socket.destroy();
  const location = headerValue(read.head.headers, 'location');
  return isRedirect(read.head.status) && location !== null ? { ok: false, reason, location } : { ok: false, reason };
}

function violationsIn(events: InspectorEvent[]): ViolationEvent[] {
  return events.filter((e): e is ViolationEvent => e.type === 'violation');
}

type HeadRead = { ok: true; head: HttpResponseHead; rest: Uint8Array } | { ok: false; reason: string };

/**
 * Reads the response head, skipping interim 1xx answers other than 101. The
 * socket is left paused with the bytes after the head in `rest`, so no frame
 * is lost before the connection takes over.
 */
function readResponseHead(socket: net.Socket, endpoint: Endpoint, timeoutMs: number): Promise<HeadRead> {
  return new Promise((resolve) => {
    let parser = new HeadParser('response');
    let received = 0;
    let first: number | undefined;
    const done = (result: HeadRead) => {
      clearTimeout(timer);
      socket.pause();
      socket.off('data', onData).off('end', onEnd).off('error', onError);
      resolve(result);
    };
    const failed = (reason: string) => done({ ok: false, reason: speaksTls(first, endpoint) ? 'server answered with TLS: use wss://' : reason });
    const onData = (chunk: Buffer) => {
      first ??= chunk[0];
      received += chunk.length;
      let data: Uint8Array = chunk;
      for (;;) {
        const result = parser.push(data);
        if (result === null) return;
        if (!result.ok) return failed(`server sent a malformed response: ${result.error}`);
        const { head, rest } = result;
        if (head.status >= 200 || head.status === 101) return done({ ok: true, head, rest });
        // An interim answer (100 Continue, 103 Early Hints): the real one follows.
        parser = new HeadParser('response');
        data = rest;
      }
    };
    const onEnd = () =>
      failed(received === 0 ? 'server closed the connection without answering' : 'server closed the connection in the middle of the response head');
    const onError = (err: Error) => failed(describeDialError(err, endpoint).message);
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
