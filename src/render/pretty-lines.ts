/**
 * The one-line events of the pretty view (connection, http, undecodable,
 * error, violation) and the summary a connection ends with.
 */
import type {
  ConnectionEndEvent,
  ConnectionEvent,
  DroppedEvent,
  ErrorEvent,
  HttpEvent,
  SideStats,
  UndecodableEvent,
  ViolationEvent,
} from '../inspector/events.js';
import { closeCodeName } from '../inspector/close-codes.js';
import { escapeForTerminal } from './escape.js';
import {
  Line,
  arrow,
  connTag,
  fitText,
  flow,
  formatBytes,
  formatDuration,
  markedLines,
  paintSide,
  plural,
  type Layout,
  type Paint,
} from './pretty-text.js';
import type { Stamped } from './sink.js';

/** The longest `ip:port`: "[" + the longest IPv6 text (45) + "]:65535". */
const CLIENT_COLUMNS = 53;

/** `#3 ▶ 127.0.0.1:51234 → ws://127.0.0.1:9001/` */
export function connectionLine(event: Stamped<ConnectionEvent>, layout: Layout): string {
  const { chalk } = layout;
  const line = new Line()
    .add(connTag(event.conn), chalk.bold)
    .add(`▶ ${fitText(event.client, CLIENT_COLUMNS)} → `, chalk.bold);
  // Forward mode: a tunnel it does not look into says so.
  const upstream = event.tunnel ? `${event.upstream} (${event.tunnel} tunnel, relayed untouched)` : event.upstream;
  return line.add(fitText(upstream, layout.width - line.width), chalk.bold).toString();
}

/** `#4 GET /index.html → 200` */
export function httpLine(event: Stamped<HttpEvent>, layout: Layout): string {
  const { chalk } = layout;
  const status = String(event.status);
  const line = new Line().add(connTag(event.conn), chalk.bold).add(`${escapeForTerminal(event.method)} `);
  // The path is the one unbounded piece: it gets what the status leaves.
  const budget = layout.width - line.width - ` → ${status}`.length;
  return line
    .add(fitText(event.path, budget))
    .add(' → ')
    .add(status, event.status < 400 ? chalk.green : chalk.red)
    .toString();
}

export function undecodableLines(event: Stamped<UndecodableEvent>, layout: Layout): string[] {
  const { chalk } = layout;
  const text = `${arrow(event.from)} undecodable: ${escapeForTerminal(event.message)}`;
  return markedLines(connTag(event.conn), '✘', text, layout.width, chalk.red);
}

export function errorLines(event: Stamped<ErrorEvent>, layout: Layout): string[] {
  const { chalk } = layout;
  const text = `error: ${escapeForTerminal(event.message)}`;
  return markedLines(connTag(event.conn), '✘', text, layout.width, chalk.red.bold);
}

/** `… 120 events not shown` (--json-lossy: stdout could not keep up). */
export function droppedLines(event: Stamped<DroppedEvent>, layout: Layout): string[] {
  const text = `${plural(event.events, 'event')} not shown: stdout could not keep up (--json-lossy)`;
  return markedLines(connTag(event.conn), '…', text, layout.width, layout.chalk.yellow);
}

/** `   ✘ rule-id (RFC6455 5.1) message` in red, or `⚠ …` in yellow for a warning; indented under its frame. */
export function violationLines(event: Stamped<ViolationEvent>, layout: Layout, message = event.message): string[] {
  const { chalk } = layout;
  const warning = event.severity === 'warning';
  const text = `${event.rule} (${event.section}) ${escapeForTerminal(message)}`;
  const [mark, paint] = warning ? ['⚠', chalk.yellow] : ['✘', chalk.red];
  return markedLines(indentUnder(event.conn), mark, text, layout.width, paint);
}

/** Spaces as wide as `#3 `: what hangs under a connection's lines. */
export function indentUnder(conn: number): string {
  return ' '.repeat(connTag(conn).length);
}

/** What the view saw of a connection by its end. */
export interface ConnectionTally {
  /** It spoke WebSocket: a 101 or a frame was seen (else it was plain HTTP, or refused). */
  websocket: boolean;
  /** What its compressed messages took on the wire, and after inflation. */
  compressed: { wireBytes: number; size: number };
}

/**
 * `#3 closed cleanly by client: 1000 Normal Closure · 12.3 s · C→S 4 frames 2 msgs 1.2 kB · S→C … · compression 3.1:1`,
 * flowed onto more lines as the width needs.
 */
export function summaryLines(event: Stamped<ConnectionEndEvent>, tally: ConnectionTally, layout: Layout): string[] {
  const { chalk } = layout;
  const first = new Line().add(connTag(event.conn), chalk.bold);
  const duration = formatDuration(event.durationMs);
  if (!tally.websocket) return flow(first, [['closed'], [duration]], layout.width, indentUnder(event.conn), chalk.dim);
  const [status, paint] = closing(event, layout);
  const parts: Array<[string, Paint?]> = [
    [status, paint],
    [duration],
    [sideStats(event.stats.client, `${arrow('client')} `), paintSide(layout, 'client')],
    [sideStats(event.stats.server, `${arrow('server')} `), paintSide(layout, 'server')],
  ];
  const { wireBytes, size } = tally.compressed;
  if (wireBytes > 0) parts.push([`compression ${(size / wireBytes).toFixed(1)}:1`]);
  return flow(first, parts, layout.width, indentUnder(event.conn), chalk.dim);
}

function closing(event: ConnectionEndEvent, layout: Layout): [string, Paint] {
  const { chalk } = layout;
  const code = event.closeCode === null ? 'no status code' : `${event.closeCode} ${closeCodeName(event.closeCode)}`;
  if (event.clean === null) return ['closing not recorded', chalk.dim];
  if (event.clean && event.replyCode !== undefined && event.replyCode !== event.closeCode) {
    // The answer differs (a 1002 to a bad close code): say both, not just the first.
    const other = event.by === 'client' ? 'server' : 'client';
    const reply = event.replyCode === null ? 'no status code' : `${event.replyCode} ${closeCodeName(event.replyCode)}`;
    return [`closed by ${event.by}: ${code}; ${other} answered ${reply}`, chalk.yellow];
  }
  if (event.clean) return [`closed cleanly by ${event.by}: ${code}`, chalk.green];
  if (event.endedByProxy !== undefined) return [`closed by the proxy (${event.endedByProxy})`, chalk.yellow];
  if (event.by === null) return ['closed abnormally: no close frame (1006)', chalk.red];
  const other = event.by === 'client' ? 'server' : 'client';
  return [`closed uncleanly: ${event.by} sent ${code}, ${other} never answered`, chalk.yellow];
}

function sideStats(stats: SideStats, label: string): string {
  // null: not recorded (a HAR keeps messages only).
  const frames = stats.frames === null ? [] : [plural(stats.frames, 'frame')];
  const bytes = stats.wireBytes === null ? [] : [formatBytes(stats.wireBytes)];
  return `${label}${[...frames, plural(stats.messages, 'msg'), ...bytes].join(' ')}`;
}
