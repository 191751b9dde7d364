/**
 * Where the client commands' output goes: every event stamped and written to
 * the pretty or NDJSON sink, plus what only the pretty view shows (the heads
 * byte for byte, the TLS details). Counts error-severity violations for the
 * exit code.
 */
import type { ChalkInstance } from 'chalk';
import type { InspectorEvent, Side } from '../inspector/events.js';
import { stamp } from '../inspector/events.js';
import { escapeForTerminal } from '../render/escape.js';
import { createNdjsonSink } from '../render/ndjson.js';
import { createPrettySink } from '../render/pretty.js';
import { indentUnder } from '../render/pretty-lines.js';
import { Line, hanging } from '../render/pretty-text.js';
import type { EventSink, TextOut } from '../render/sink.js';
import { BARE_LF_NOTE, rawHeadLines } from '../render/raw-head.js';
import { bodyLines } from '../render/body-lines.js';
import type { ClientConnectionEvent, OpenReporter } from '../client/open.js';
import { tlsSummary } from '../client/tls-info.js';

export interface ReportOptions {
  json: boolean;
  chalk: ChalkInstance;
  /** Columns of the terminal (pretty view). */
  width?: number;
}

export class Report implements OpenReporter {
  /** Each TCP connection gets the next id (a followed redirect opens a new one). */
  private conn = 0;
  private errorCount = 0;
  private readonly sink: EventSink;

  constructor(
    private readonly out: TextOut,
    private readonly options: ReportOptions,
  ) {
    // The heads are printed byte for byte here, so the pretty view leaves out its header tables.
    this.sink = options.json
      ? createNdjsonSink(out)
      : createPrettySink(out, { chalk: options.chalk, width: options.width, headerTables: false });
  }

  /** Error-severity violations so far. */
  get errors(): number {
    return this.errorCount;
  }

  /** Starts the next connection: later events carry its id. */
  nextConnection(): void {
    this.conn++;
  }

  event(event: InspectorEvent): void {
    if (event.type === 'violation' && event.severity === 'error') this.errorCount++;
    this.sink.write(stamp(event, this.conn, Date.now()));
  }

  /** The connection event, then (pretty view) the address connected to and the TLS details. */
  connection(event: ClientConnectionEvent): void {
    this.event(event);
    this.lines(connectionDetails(event));
  }

  /**
   * A head as it went over the wire (pretty view only; the events carry its
   * headers). Called before the request event and after the response event:
   * the pretty sink holds a handshake event until the next one, so either
   * way the bytes come out right before the block that checks them.
   */
  wire(side: Side, raw: Uint8Array): void {
    if (this.options.json) return;
    const lines = rawHeadLines(raw).map(({ text, bareLf }) => (bareLf ? `${text} ${BARE_LF_NOTE}` : text));
    this.lines(lines, side === 'client' ? '> ' : '< ');
  }

  /** The first lines of a refusal's body (pretty view only; the JSON has it in the handshake-response event). */
  refusalBody(bytes: Uint8Array, size: number): void {
    if (this.options.json) return;
    // After a blank line, as on the wire and in curl -v.
    this.lines(['', ...bodyLines(bytes, size)], '< ');
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  /** Extra lines under the current connection's events (pretty view only), already escaped, after `marker`. */
  private lines(lines: string[], marker = ''): void {
    if (this.options.json || lines.length === 0) return;
    const { chalk, width = 80 } = this.options;
    const start = () => new Line().add(indentUnder(this.conn)).add(marker, chalk.dim);
    this.out.write(`${lines.flatMap((text) => hanging(start(), text, width)).join('\n')}\n`);
  }
}

/** The address connected to, when the URL named a host, and the TLS details. */
function connectionDetails(event: ClientConnectionEvent): string[] {
  const lines: string[] = [];
  const unbracket = (host: string) => host.replace(/^\[(.*)\]$/, '$1');
  if (unbracket(new URL(event.upstream).hostname) !== unbracket(event.server.replace(/:\d+$/, ''))) {
    lines.push(`connected to ${event.server}`);
  }
  if (event.tls) lines.push(...tlsSummary(event.tls).map(escapeForTerminal));
  return lines;
}
