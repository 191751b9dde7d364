/**
 * One replay: a new connection with the recorded handshake, the client's
 * messages sent in order (spaced as recorded, scaled by `speed`, or back to
 * back), the server's messages collected until as many as recorded came (or
 * the timeout), the client's recorded close, and the comparison. Shared by `wsinspect
 * replay` and the inspector's replay route (the page's Replay button).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../client/connect.js';
import type { ClientConnection } from '../client/connection.js';
import type { OpenReporter } from '../client/open.js';
import { parseEndpoint, type Endpoint } from '../net/endpoint.js';
import { compareMessages, type CompareMode, type Compared, type Difference } from './compare.js';
import type { RecordedMessage, Recording } from './recording.js';

export interface ReplaySettings {
  mode: CompareMode;
  /** Divides the recorded spacing; null: no spacing at all. */
  speed: number | null;
  timeoutMs: number;
  insecure: boolean;
}

export interface ReplayResult {
  answers: Compared[];
  difference: Difference | null;
  /** False when the server closed before every recorded message was sent. */
  allSent: boolean;
}

/** A replay that reports nowhere (the inspector page's: it shows only the comparison). */
export const UNREPORTED: OpenReporter = { nextConnection() {}, connection() {}, event() {}, wire() {}, refusalBody() {} };

/** The result, or the one-line reason the connection could not be opened (the handshake failed). */
export async function replayRecording(recording: Recording, endpoint: Endpoint, settings: ReplaySettings, report: OpenReporter): Promise<ReplayResult | { failed: string }> {
  const { mode, timeoutMs } = settings;
  const expected = recording.messages.server;
  const answers: Compared[] = [];
  let enough: () => void = () => {};
  const gotEnough = new Promise<void>((resolve) => (enough = resolve));
  const open = {
    request: { headers: recording.headers },
    insecure: settings.insecure,
    timeoutMs,
    follow: false,
    // Whole payloads of the server's messages, to compare them.
    connection: { previewBytes: Number.MAX_SAFE_INTEGER },
  };
  const client = await connect(endpoint, open, report, (event) => {
    if (event.type !== 'message' || event.from !== 'server') return;
    answers.push({ kind: event.kind, payload: event.kind === 'text' ? Buffer.from(event.text ?? '') : Buffer.from(event.base64 ?? '', 'base64') });
    if (answers.length >= expected.length) enough();
  });
  if ('failed' in client) return client;

  const allSent = await sendAll(client, recording.messages.client, settings.speed);
  // The server's answers: as many as recorded (or, comparing nothing, whatever comes in a moment), within the timeout.
  if (mode !== 'none' && expected.length === 0) enough();
  const waiting = mode === 'none' ? new Promise<void>(() => {}) : gotEnough;
  await Promise.race([waiting, sleep(mode === 'none' ? Math.min(1000, timeoutMs) : timeoutMs, undefined, { ref: false }), client.ended]);
  // The client's close as recorded (its code and reason, or none at all); 1000 when the recording has none.
  const close = recording.close ?? { code: 1000, reason: '' };
  client.close(close.code, close.reason);
  await client.ended;
  return { answers, difference: compareMessages(expected, answers, mode), allSent };
}

/**
 * Where a replay goes: `upstream` (its path, unless just "/", replaces the
 * recorded one), else the recorded upstream; null when neither is known.
 */
export function replayEndpoint(recording: Recording, upstream: Endpoint | null): Endpoint | null {
  if (!recording.url) return upstream;
  const recorded = new URL(recording.url);
  if (!upstream) return parseEndpoint(recorded.href);
  if (upstream.path !== '/') return upstream;
  return parseEndpoint(new URL(recorded.pathname + recorded.search, upstream.url).href);
}

/** The client's messages in order; with `speed`, spaced as recorded (divided by it). False when the connection closed first. */
async function sendAll(client: ClientConnection, messages: RecordedMessage[], speed: number | null): Promise<boolean> {
  let previous: number | null = null;
  for (const message of messages) {
    if (speed !== null && previous !== null && message.ts > previous) await sleep((message.ts - previous) / speed);
    previous = message.ts;
    const sent = message.kind === 'text' ? client.sendText(message.payload.toString('utf8')) : client.sendBinary(message.payload);
    if (!sent) return false;
  }
  return true;
}
