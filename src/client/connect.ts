/**
 * Opening a WebSocket and wrapping it in a frame-level ClientConnection that
 * reports every event: the one step `handshake`, `connect` and `replay` (the
 * command and the inspector page's button) share.
 */
import type { InspectorEvent } from '../inspector/events.js';
import type { Endpoint } from '../net/endpoint.js';
import { ClientConnection } from './connection.js';
import { openWebSocket, type OpenReporter, type OpenSettings } from './open.js';

/** How long the server gets to answer our close frame (at most the settings' timeout). */
const CLOSE_WAIT_MS = 2000;

/** The open connection, or the one-line reason there is none. */
export async function connect(
  endpoint: Endpoint,
  settings: OpenSettings,
  report: OpenReporter,
  /** Sees every event too (replay collects the server's messages). */
  observe: (event: InspectorEvent) => void = () => {},
): Promise<ClientConnection | { failed: string }> {
  const opened = await openWebSocket(endpoint, settings, report);
  if (!opened.ok) return { failed: opened.reason };
  return new ClientConnection({
    ...opened,
    emit: (event) => {
      report.event(event);
      observe(event);
    },
    closeWaitMs: Math.min(CLOSE_WAIT_MS, settings.timeoutMs),
  });
}
