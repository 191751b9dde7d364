/**
 * The inspector API's routes that act on the traffic (contract: "Inspector
 * API"): `POST /api/connections/:conn/send`, `PUT /api/intercept`,
 * `GET /api/intercepted`, `POST /api/intercepted/:id`, and ours:
 * `GET /api/intercept` (the filter in force, maybe from `proxy --intercept`)
 * and `POST /api/connections/:conn/replay` (the page's Replay button). Plain
 * functions from a parsed request to a status and a JSON body, and one
 * node:http handler around them that the inspector's server mounts behind its
 * Host/Origin/token guard. With no live proxy (`read --ui`, a saved capture)
 * every one of them answers 409 saying so.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReleaseAction, Side, WireEvent } from '../inspector/events.js';
import { tryParseFilter, type Filter } from '../filter/index.js';
import type { Edit, HeldEntry } from '../inspector/hold.js';
import type { Endpoint } from '../net/endpoint.js';
import { COMPARE_MODES, type CompareMode, type Compared } from '../replay/compare.js';
import { recordingOf } from '../replay/recording.js';
import { UNREPORTED, replayEndpoint, replayRecording } from '../replay/run.js';
import { MAX_SEND_BYTES, frameFor, parseSendRequest, senderFor } from './send-request.js';

/** What the routes act on: the running proxy. */
export interface ActTarget {
  /** See RunningProxy.inject: null when on its way, 'unknown' when no such connection is open, else why not. */
  inject(conn: number, from: Side, frame: Uint8Array): string | null;
  /** The connection was seen (it may be over): a 409 rather than a 404. */
  known(conn: number): boolean;
  /** --intercept (the proxy's Interceptor): the filter in force, the held messages, releasing one. */
  intercept: {
    /** The expression in force, as given; null when not intercepting. */
    readonly source: string | null;
    setFilter(filter: Filter | null): void;
    list(): HeldEntry[];
    release(id: number, action: ReleaseAction, edit: Edit | null): boolean;
  };
  /** The events kept of connection `conn` (null when none are), to replay it. */
  events(conn: number): WireEvent[] | null;
  /**
   * Where the page's replays go: the proxy itself, so a replay shows up in the
   * page as a connection of its own; null (forward mode) for straight to the
   * recorded upstream.
   */
  replayVia(): Endpoint | null;
}

export interface Answer {
  status: number;
  body: unknown;
}

const error = (status: number, message: string): Answer => ({ status, body: { error: message } });

/** `POST /api/connections/:conn/send` */
export function sendToConnection(target: ActTarget, connParam: string, body: unknown, maskKey: Uint8Array = randomBytes(4)): Answer {
  const conn = connNumber(connParam);
  if (conn === null) return error(404, `"${connParam}" is not a connection number`);
  const parsed = parseSendRequest(body);
  if ('error' in parsed) return error(400, parsed.error);
  const { request, payload } = parsed;
  const frame = frameFor(request.type, request.to, payload, maskKey);
  const refusal = target.inject(conn, senderFor(request.to), frame);
  if (refusal === 'unknown') {
    return target.known(conn) ? error(409, `connection ${conn} is not open`) : error(404, `no connection ${conn}`);
  }
  if (refusal !== null) return error(409, `connection ${conn}: ${refusal}`);
  return { status: 202, body: { conn, to: request.to, type: request.type, wireBytes: frame.length } };
}

/** `PUT /api/intercept`: `{filter: EXPR or null}`; an invalid expression is a 400 naming the position. */
export function setIntercept(target: ActTarget, body: unknown): Answer {
  const filter = (body as { filter?: unknown } | null)?.filter;
  if (typeof body !== 'object' || body === null || (filter !== null && typeof filter !== 'string')) {
    return error(400, 'the body must be {"filter": EXPR} or {"filter": null}');
  }
  if (filter === null || filter.trim() === '') {
    target.intercept.setFilter(null);
    return { status: 200, body: { filter: null } };
  }
  const parsed = tryParseFilter(filter);
  if (!parsed.ok) return error(400, parsed.error.message);
  target.intercept.setFilter(parsed.filter);
  return { status: 200, body: { filter } };
}

/** `GET /api/intercept` (ours): `{filter: EXPR or null}`, the expression in force, as `PUT /api/intercept` or `proxy --intercept` gave it. */
export function getIntercept(target: ActTarget): Answer {
  return { status: 200, body: { filter: target.intercept.source } };
}

/** `GET /api/intercepted`: the held messages, with their whole payloads. */
export function listIntercepted(target: ActTarget): Answer {
  const held = target.intercept.list().map(({ payload, ...entry }) =>
    entry.kind === 'text' ? { ...entry, text: payload.toString('utf8') } : { ...entry, base64: payload.toString('base64') },
  );
  return { status: 200, body: held };
}

const ACTIONS = ['forward', 'drop', 'edit'] as const;

/** `POST /api/intercepted/:id`: `{action, text?, base64?}`. */
export function releaseIntercepted(target: ActTarget, idParam: string, body: unknown): Answer {
  const id = connNumber(idParam);
  if (id === null) return error(404, `"${idParam}" is not a held message id`);
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const action = b.action as (typeof ACTIONS)[number];
  if (!ACTIONS.includes(action)) return error(400, `action must be one of ${ACTIONS.join(', ')}`);
  let edit: Edit | null = null;
  if (action === 'edit') {
    if (typeof b.text === 'string') edit = { kind: 'text', payload: Buffer.from(b.text) };
    else if (typeof b.base64 === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(b.base64)) edit = { kind: 'binary', payload: Buffer.from(b.base64, 'base64') };
    else return error(400, 'an edit needs text (a string) or base64');
  }
  if (!target.intercept.release(id, action, edit)) return error(404, `message ${id} is not held (released already, timed out, or its connection ended)`);
  return { status: 200, body: { id, action } };
}

/** How long a replay from the page waits to connect, and for the server's answers. */
const REPLAY_TIMEOUT_MS = 10_000;

/**
 * `POST /api/connections/:conn/replay` `{compare?}`: the connection's client
 * messages sent again, back to back, with the recorded handshake; the
 * server's answers beside the recorded ones.
 */
export async function replayConnection(target: ActTarget, connParam: string, body: unknown): Promise<Answer> {
  const conn = connNumber(connParam);
  const events = conn === null ? null : target.events(conn);
  if (conn === null || !events) return error(404, `no connection ${connParam}`);
  const mode = ((body as { compare?: unknown } | null)?.compare ?? 'exact') as CompareMode;
  if (!COMPARE_MODES.includes(mode)) return error(400, `compare must be one of ${COMPARE_MODES.join(', ')}`);
  const recording = recordingOf(events, conn);
  if (!recording) return error(409, `connection ${conn} is not a WebSocket connection`);
  const truncated = [...recording.messages.client, ...recording.messages.server].some((message) => message.truncated);
  if (truncated && mode === 'exact') return error(409, `connection ${conn} has truncated payloads: run the proxy with --full, or compare count`);
  const via = target.replayVia();
  const endpoint = replayEndpoint(recording, via);
  if (!endpoint) return error(409, `connection ${conn} has no recorded upstream`);
  // Through the proxy: our own listener (its certificate, if any, is the one the user gave it); the proxy verifies the upstream.
  const settings = { mode, speed: null, timeoutMs: REPLAY_TIMEOUT_MS, insecure: via !== null };
  // Reported nowhere: the page gets the comparison, and the replay's events through the proxy.
  const result = await replayRecording(recording, endpoint, settings, UNREPORTED);
  if ('failed' in result) return error(409, `the replay's handshake failed: ${result.failed}`);
  const shown = ({ kind, payload }: Compared) => (kind === 'text' ? { kind, text: payload.toString('utf8') } : { kind, base64: payload.toString('base64') });
  return {
    status: 200,
    body: {
      conn,
      compare: mode,
      match: result.difference === null,
      expected: recording.messages.server.map(shown),
      actual: result.answers.map(shown),
      difference: result.difference,
    },
  };
}

/** Bodies larger than this are refused unread (a whole max-size message in base64, and room for the rest). */
const MAX_BODY = Math.ceil((MAX_SEND_BYTES * 4) / 3) + 64 * 1024;

/** What the acting routes answer when the inspector shows a saved capture (`read --ui`). */
export const CAPTURE_REFUSAL = 'this inspector shows a saved capture (wsinspect read): no live connection to send to, hold or replay';

type Method = 'GET' | 'POST' | 'PUT';
type Handler = (target: ActTarget, body: unknown) => Answer | Promise<Answer>;

/**
 * Answers the acting routes; false when `pathname` is none of them. The
 * caller has already applied the guard (Host, Origin, token). `target` is
 * null when there is no live proxy (a saved capture): 409.
 */
export async function serveActApi(target: ActTarget | null, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  const route = findRoute(pathname);
  if (!route) return false;
  const handler = route[req.method as Method];
  if (!handler) {
    const allowed = Object.keys(route).join(', ');
    reply(res, error(405, `${pathname} takes ${allowed}`), { allow: allowed });
    return true;
  }
  if (!target) {
    reply(res, error(409, CAPTURE_REFUSAL));
    return true;
  }
  if (req.method === 'GET') {
    reply(res, await handler(target, null));
    return true;
  }
  const body = await readJson(req);
  reply(res, 'error' in body ? error(body.status, body.error) : await handler(target, body.value));
  return true;
}

function findRoute(pathname: string): Partial<Record<Method, Handler>> | null {
  const send = /^\/api\/connections\/([^/]+)\/send$/.exec(pathname);
  if (send) return { POST: (target, body) => sendToConnection(target, send[1]!, body) };
  const replay = /^\/api\/connections\/([^/]+)\/replay$/.exec(pathname);
  if (replay) return { POST: (target, body) => replayConnection(target, replay[1]!, body) };
  if (pathname === '/api/intercept') return { GET: getIntercept, PUT: setIntercept };
  if (pathname === '/api/intercepted') return { GET: listIntercepted };
  const release = /^\/api\/intercepted\/([^/]+)$/.exec(pathname);
  if (release) return { POST: (target, body) => releaseIntercepted(target, release[1]!, body) };
  return null;
}

function reply(res: ServerResponse, answer: Answer, headers: Record<string, string> = {}): void {
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(answer.body));
}

async function readJson(req: IncomingMessage): Promise<{ value: unknown } | { status: number; error: string }> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_BODY) {
      return { status: 413, error: `the body is larger than ${MAX_BODY} bytes` };
    }
    chunks.push(chunk);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { status: 400, error: 'the body is not valid JSON' };
  }
}

/** A connection number (or a held message's id) from a path or query: a positive integer, else null. */
export function connNumber(text: string): number | null {
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
}
