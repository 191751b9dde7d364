/**
 * One row of `GET /api/connections` (contract: "Inspector API"), kept up to
 * date event by event: a few field writes per event, nothing scanned.
 */
import type { ExtensionOffer, SideStats, WireEvent } from '../inspector/events.js';

export type ConnectionState = 'handshaking' | 'open' | 'closing' | 'closed' | 'http';

export interface ConnectionSummary {
  conn: number;
  client: string;
  upstream: string;
  path: string | null;
  state: ConnectionState;
  /** null until the response (or for a connection that never got one). */
  handshakeOk: boolean | null;
  subprotocol: string | null;
  extensions: ExtensionOffer[];
  startedAt: number;
  endedAt: number | null;
  closeCode: number | null;
  by: 'client' | 'server' | null;
  stats: { client: SideStats; server: SideStats };
  violations: number;
}

export function newSummary(conn: number, ts: number): ConnectionSummary {
  return {
    conn,
    client: '',
    upstream: '',
    path: null,
    state: 'handshaking',
    handshakeOk: null,
    subprotocol: null,
    extensions: [],
    startedAt: ts,
    endedAt: null,
    closeCode: null,
    by: null,
    stats: { client: emptyStats(), server: emptyStats() },
    violations: 0,
  };
}

export function updateSummary(summary: ConnectionSummary, event: WireEvent): void {
  switch (event.type) {
    case 'connection':
      summary.client = event.client;
      summary.upstream = event.upstream;
      summary.startedAt = event.ts;
      break;
    case 'handshake-request':
      summary.path = event.path;
      break;
    case 'handshake-response':
      summary.handshakeOk = event.ok;
      summary.subprotocol = event.subprotocol;
      summary.extensions = event.extensions;
      if (event.status === 101) summary.state = 'open';
      break;
    case 'http':
      summary.path ??= event.path;
      summary.state = 'http';
      break;
    case 'frame': {
      const side = summary.stats[event.from];
      side.frames = (side.frames ?? 0) + 1;
      side.wireBytes = (side.wireBytes ?? 0) + event.wireLength;
      if (event.close && summary.state === 'open') {
        summary.state = 'closing';
        summary.by = event.from;
        summary.closeCode = event.close.code;
      }
      break;
    }
    case 'message':
      summary.stats[event.from].messages++;
      break;
    case 'violation':
      summary.violations++;
      break;
    case 'connection-end':
      if (summary.state !== 'http') summary.state = 'closed';
      summary.endedAt = event.ts;
      summary.closeCode = event.closeCode;
      summary.by = event.by;
      summary.stats = event.stats;
      break;
  }
}

function emptyStats(): SideStats {
  return { frames: 0, messages: 0, wireBytes: 0 };
}
