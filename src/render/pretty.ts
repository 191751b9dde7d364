/**
 * The human view: one line per frame, a table and verdicts per handshake, a
 * summary per connection, all within the terminal's width. Every event
 * carries its connection id, so the proxy's interleaved connections stay
 * readable. Everything from the wire is escaped (escape.ts); with a level-0
 * chalk the output has no ANSI codes at all.
 */
import type { ChalkInstance } from 'chalk';
import type { MessageEvent, ViolationEvent, WireEvent } from '../inspector/events.js';
import { frameLine, messageLine } from './pretty-frame.js';
import { DEFAULT_DETAIL, bodyLines, frameHexLines, shownAt, type DetailLevel } from './pretty-detail.js';
import { handshakeLines, type HandshakeEvent } from './pretty-handshake.js';
import { heldLines, injectedLines, releasedLines } from './pretty-act.js';
import {
  connectionLine,
  droppedLines,
  errorLines,
  httpLine,
  summaryLines,
  undecodableLines,
  violationLines,
  type ConnectionTally,
} from './pretty-lines.js';
import type { Layout } from './pretty-text.js';
import type { EventSink, Stamped, TextOut } from './sink.js';
import { batchedWrites } from './write-batch.js';

export interface PrettyOptions {
  chalk: ChalkInstance;
  /** Columns every line fits in (the terminal's width). */
  width?: number;
  /** Also show messages that a single uncompressed frame already showed. */
  verbose?: boolean;
  /** Handshake headers as tables (default); off where the raw heads are shown instead. */
  headerTables?: boolean;
  /** How much to show, 0-4 (see pretty-detail.ts); default 2. */
  detail?: DetailLevel;
  /**
   * Lines are gathered into one write per tick, at most one per 5 ms
   * (write-batch.ts; the proxy: a write per event cost a syscall each). Off where other output shares the stream
   * and must stay in order with these lines (connect's prompt).
   */
  batched?: boolean;
}

export function createPrettySink(out: TextOut, options: PrettyOptions): EventSink {
  const layout: Layout = {
    chalk: options.chalk,
    width: options.width ?? 80,
    verbose: options.verbose ?? false,
    headerTables: options.headerTables ?? true,
  };
  const batched = options.batched ? batchedWrites(out) : null;
  return new PrettySink(batched ?? out, layout, options.detail ?? DEFAULT_DETAIL, batched?.flush);
}

/** What the view remembers about a connection, until it ends. */
interface ConnectionState {
  tally: ConnectionTally;
  /** A handshake event waits for its violations, which follow it, to show them in its verdicts. */
  pending: { event: HandshakeEvent; violations: Array<Stamped<ViolationEvent>> } | null;
}

class PrettySink implements EventSink {
  private readonly connections = new Map<number, ConnectionState>();
  private flushTimer: NodeJS.Immediate | null = null;

  constructor(
    private readonly out: TextOut,
    private readonly layout: Layout,
    private readonly detail: DetailLevel,
    /** Writes out what `out` batched (see PrettyOptions.batched). */
    private readonly flushOut?: () => void,
  ) {}

  write(event: WireEvent): void {
    const state = this.connections.get(event.conn);
    if (state?.pending) {
      if (event.type === 'violation' && event.rule.startsWith('handshake-')) {
        state.pending.violations.push(event);
        return;
      }
      this.flush(state);
    }
    const lines = this.render(event);
    if (shownAt(this.detail, event)) this.print(lines);
    if (event.type === 'connection-end') this.connections.delete(event.conn);
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    this.flushAll();
    this.flushOut?.();
  }

  private render(event: WireEvent): string[] {
    const layout = this.layout;
    switch (event.type) {
      case 'connection':
        return [connectionLine(event, layout)];
      case 'handshake-request':
      case 'handshake-response':
        this.hold(event);
        return [];
      case 'frame': {
        const state = this.state(event.conn);
        state.tally.websocket = true;
        const line = frameLine(event, layout);
        const hex = this.detail >= 4 ? frameHexLines(event, layout) : [];
        return [line, ...hex, ...(event.injected ? injectedLines(event.conn, layout) : [])];
      }
      case 'message': {
        this.tally(event);
        // Below 2 no frame line said it, from 3 its body follows: the message gets its line whatever it repeats.
        const line = messageLine(event, this.detail === 2 ? layout : { ...layout, verbose: true });
        return [...(line === null ? [] : [line]), ...(this.detail >= 3 ? bodyLines(event, layout) : [])];
      }
      case 'violation':
        return violationLines(event, layout);
      case 'http':
        return [httpLine(event, layout)];
      case 'undecodable':
        return undecodableLines(event, layout);
      case 'error':
        return errorLines(event, layout);
      case 'held':
        return heldLines(event, layout);
      case 'released':
        return releasedLines(event, layout);
      case 'dropped':
        return droppedLines(event, layout);
      case 'connection-end':
        return summaryLines(event, this.state(event.conn).tally, layout);
    }
  }

  private hold(event: HandshakeEvent): void {
    const state = this.state(event.conn);
    if (event.type === 'handshake-response') state.tally.websocket = event.status === 101;
    if (!shownAt(this.detail, event)) return;
    state.pending = { event, violations: [] };
    // The violations come in the same batch as their handshake event, so the end of this tick is late enough,
    // and an idle connection (no frame for a minute) still shows its handshake at once.
    this.flushTimer ??= setImmediate(() => {
      this.flushTimer = null;
      this.flushAll();
    });
  }

  private tally(event: Stamped<MessageEvent>): void {
    if (!event.compressed || event.wireBytes === null) return;
    const { compressed } = this.state(event.conn).tally;
    compressed.wireBytes += event.wireBytes;
    compressed.size += event.size;
  }

  private flush(state: ConnectionState): void {
    if (!state.pending) return;
    const { event, violations } = state.pending;
    state.pending = null;
    this.print(handshakeLines(event, violations, this.layout));
  }

  private flushAll(): void {
    for (const state of this.connections.values()) this.flush(state);
  }

  private state(conn: number): ConnectionState {
    let state = this.connections.get(conn);
    if (!state) {
      state = {
        tally: { websocket: false, compressed: { wireBytes: 0, size: 0 } },
        pending: null,
      };
      this.connections.set(conn, state);
    }
    return state;
  }

  private print(lines: string[]): void {
    if (lines.length > 0) this.out.write(`${lines.join('\n')}\n`);
  }
}
