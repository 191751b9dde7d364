/**
 * The inspector API's routes that act on the traffic (contract: "Inspector
 * API"): `POST /api/connections/:conn/send`. Plain functions from a parsed
 * request to a status and a JSON body, and one node:http handler around them
 * that the inspector's server mounts behind its Host/Origin/token guard.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Side } from '../inspector/events.js';
import { MAX_SEND_BYTES, frameFor, parseSendRequest, senderFor } from './send-request.js';

/** What the routes act on: the running proxy. */
export interface ActTarget {
  /** See RunningProxy.inject: null when on its way, 'unknown' when no such connection is open, else why not. */
  inject(conn: number, from: Side, frame: Uint8Array): string | null;
  /** The connection was seen (it may be over): a 409 rather than a 404. */
  known(conn: number): boolean;
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

/** Bodies larger than this are refused unread (a whole max-size message in base64, and room for the rest). */
const MAX_BODY = Math.ceil((MAX_SEND_BYTES * 4) / 3) + 64 * 1024;

/**
 * Answers the acting routes; false when `pathname` is none of them. The
 * caller has already applied the guard (Host, Origin, token).
 */
export async function serveActApi(target: ActTarget, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  const send = /^\/api\/connections\/([^/]+)\/send$/.exec(pathname);
  if (!send) return false;
  if (req.method !== 'POST') {
    reply(res, error(405, `${pathname} takes POST`), { allow: 'POST' });
    return true;
  }
  const body = await readJson(req);
  reply(res, 'error' in body ? error(body.status, body.error) : sendToConnection(target, send[1]!, body.value));
  return true;
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

function connNumber(text: string): number | null {
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
}
