/**
 * The page's one store of what the server sent: connection records (a row in
 * the connections table each) and the timeline rows (frames, messages and
 * notes) in arrival order, numbered by `seq`. Every view reads from here.
 * What wsinspect did to the traffic sits on the rows too: frames and
 * messages it injected carry `injected` in their events; a message held by
 * --intercept carries its hold and, once let go, how (`held`, `released`).
 *
 * Memory is bounded: past MAX_ROWS rows or MAX_PAYLOAD_CHARS of message text
 * and base64, the oldest rows are let go (a tenth at a time, so the cost is
 * amortised) and `evicted` counts them; past MAX_CONNECTIONS records, the
 * oldest closed connections go. Connection counters stay exact either way.
 */
import type { EvictedEvent, FrameWire, LiveEvent, MessageWire, Side, ViolationWire, Wire, WireEvent } from './wire.js';

/** A held message's fate: still held, released as `released` says, or gone with its connection unsent. */
export type HoldState = 'held' | Wire<'released'>['action'] | 'unsent';

export interface Hold {
  id: number;
  state: HoldState;
}

export const MAX_ROWS = 250_000;
export const MAX_PAYLOAD_CHARS = 48 * 1024 * 1024;
export const MAX_CONNECTIONS = 5_000;

export interface FrameRow {
  kind: 'frame';
  seq: number;
  event: FrameWire;
  violations: ViolationWire[];
  /** The data message this frame belongs to, once that message completed. */
  message: MessageRow | null;
  /** An injected frame that went in place of held message `editOf` (its edit). */
  editOf: number | null;
}

export interface MessageRow {
  kind: 'message';
  seq: number;
  event: MessageWire;
  violations: ViolationWire[];
  /** Its data frames, in order (the ones still kept). */
  frames: FrameRow[];
  /** Held by --intercept: its id and what became of it. */
  hold: Hold | null;
  /** An injected message that went in place of held message `editOf` (its edit). */
  editOf: number | null;
}

/** Anything else worth a line in the timeline: undecodable, error, a violation not tied to a frame. */
export interface NoteRow {
  kind: 'note';
  seq: number;
  event: Wire<'undecodable'> | Wire<'error'> | ViolationWire;
  violations: ViolationWire[];
}

export type Row = FrameRow | MessageRow | NoteRow;

export type ConnState = 'handshaking' | 'open' | 'closing' | 'closed' | 'http';

export interface SideCounts {
  frames: number;
  messages: number;
  wireBytes: number;
}

export interface Connection {
  conn: number;
  client: string | null;
  upstream: string | null;
  startedAt: number;
  lastAt: number;
  state: ConnState;
  request: Wire<'handshake-request'> | null;
  response: Wire<'handshake-response'> | null;
  /** Violations of the opening handshake (rules handshake-*). */
  handshakeViolations: ViolationWire[];
  http: Wire<'http'>[];
  end: Wire<'connection-end'> | null;
  /** Counted here as frames arrive, so they stay exact when rows are evicted. */
  counts: Record<Side, SideCounts>;
  violations: number;
  errors: number;
  /** Close code of the first close frame, and who sent it. */
  closeCode: number | null;
  closedBy: Side | null;
  /** Data frames waiting for the message that completes them, per side. */
  pending: Record<Side, FrameRow[]>;
  /** The last frame or message row: a violation right after it belongs to it. */
  last: FrameRow | MessageRow | null;
  /** Each side's last message: a `held` event right after it is about it. */
  lastMessage: Record<Side, MessageRow | null>;
  /** A held message of that side released as edited: the next injected frame and message are its edit. */
  editing: Record<Side, number | null>;
}

export interface ViolationEntry {
  event: ViolationWire;
  /** The frame or message it is about, or null for handshake and connection-level ones. */
  row: Row | null;
}

const newCounts = (): Record<Side, SideCounts> => ({
  client: { frames: 0, messages: 0, wireBytes: 0 },
  server: { frames: 0, messages: 0, wireBytes: 0 },
});

export class Store {
  readonly connections = new Map<number, Connection>();
  /** rows[i] has seq firstSeq + i. */
  rows: Row[] = [];
  firstSeq = 0;
  violations: ViolationEntry[] = [];
  /** Rows let go to bound memory since the last clear. */
  evicted = 0;
  /** Connection records let go (oldest closed ones), here or by the server's bounded history (--keep). */
  evictedConnections = 0;
  /** What the server said it let go, from its `evicted` events. */
  serverDropped = { connections: 0, events: 0 };
  private payloadChars = 0;
  /** Messages still held, by id (ids are unique across connections). */
  private readonly holds = new Map<number, MessageRow>();

  get nextSeq(): number {
    return this.firstSeq + this.rows.length;
  }

  row(seq: number): Row | undefined {
    return this.rows[seq - this.firstSeq];
  }

  /** How many messages are held by --intercept right now (of the rows still kept). */
  get heldCount(): number {
    return this.holds.size;
  }

  clear(): void {
    this.connections.clear();
    this.firstSeq = this.nextSeq;
    this.rows = [];
    this.violations = [];
    this.evicted = 0;
    this.evictedConnections = 0;
    this.serverDropped = { connections: 0, events: 0 };
    this.payloadChars = 0;
    this.holds.clear();
  }

  ingest(events: readonly LiveEvent[]): void {
    for (const event of events) {
      if (event.type === 'evicted') this.serverEvicted(event);
      else this.apply(event);
    }
    this.bound();
  }

  /** The server let connections go: so does the page (their rows age out with the rest). */
  private serverEvicted(event: EvictedEvent): void {
    for (const conn of event.conns) this.connections.delete(conn);
    this.serverDropped = { connections: event.droppedConnections, events: event.droppedEvents };
  }

  private connection(event: WireEvent): Connection {
    let record = this.connections.get(event.conn);
    if (!record) {
      record = {
        conn: event.conn,
        client: null,
        upstream: null,
        startedAt: event.ts,
        lastAt: event.ts,
        state: 'handshaking',
        request: null,
        response: null,
        handshakeViolations: [],
        http: [],
        end: null,
        counts: newCounts(),
        violations: 0,
        errors: 0,
        closeCode: null,
        closedBy: null,
        pending: { client: [], server: [] },
        last: null,
        lastMessage: { client: null, server: null },
        editing: { client: null, server: null },
      };
      this.connections.set(event.conn, record);
    }
    record.lastAt = event.ts;
    return record;
  }

  private apply(event: WireEvent): void {
    const c = this.connection(event);
    switch (event.type) {
      case 'connection':
        c.client = event.client;
        c.upstream = event.upstream;
        c.startedAt = event.ts;
        return;
      case 'handshake-request':
        c.request = event;
        return;
      case 'handshake-response':
        c.response = event;
        if (c.state === 'handshaking') c.state = event.status === 101 ? 'open' : 'closed';
        return;
      case 'http':
        c.http.push(event);
        if (!c.request) c.state = 'http';
        return;
      case 'frame':
        return this.frame(c, event);
      case 'message':
        return this.message(c, event);
      case 'violation':
        return this.violation(c, event);
      case 'held':
        return this.held(c, event);
      case 'released':
        return this.released(c, event);
      case 'undecodable':
      case 'error':
        if (event.type === 'error') c.errors++;
        this.push({ kind: 'note', seq: this.nextSeq, event, violations: [] });
        return;
      case 'connection-end':
        c.end = event;
        if (c.state !== 'http') c.state = 'closed';
        if (c.closeCode === null) c.closeCode = event.closeCode;
        if (c.closedBy === null) c.closedBy = event.by;
        c.pending = { client: [], server: [] };
        // Messages still held went with their connection, never sent.
        for (const [id, row] of this.holds) {
          if (row.event.conn !== c.conn) continue;
          row.hold = { id, state: 'unsent' };
          this.holds.delete(id);
        }
        return;
    }
  }

  /** The message just read from that side is held (the core says so right after it). */
  private held(c: Connection, event: Wire<'held'>): void {
    const row = c.lastMessage[event.from];
    if (!row) return; // let go already to bound memory
    row.hold = { id: event.id, state: 'held' };
    this.holds.set(event.id, row);
  }

  private released(c: Connection, event: Wire<'released'>): void {
    const row = this.holds.get(event.id);
    if (!row) return;
    this.holds.delete(event.id);
    row.hold = { id: event.id, state: event.action };
    if (event.action === 'edit') c.editing[row.event.from] = event.id;
  }

  /** The edit of a held message, when this injected frame or message is it. */
  private editOf(c: Connection, event: FrameWire | MessageWire): number | null {
    return event.injected ? c.editing[event.from] : null;
  }

  private frame(c: Connection, event: FrameWire): void {
    const row: FrameRow = { kind: 'frame', seq: this.nextSeq, event, violations: [], message: null, editOf: this.editOf(c, event) };
    const counts = c.counts[event.from];
    counts.frames++;
    counts.wireBytes += event.wireLength;
    if (event.opcode <= 0x2) c.pending[event.from].push(row);
    if (event.opcodeName === 'close') {
      if (c.closedBy === null) {
        c.closedBy = event.from;
        c.closeCode = event.close?.code ?? null;
      }
      if (c.state === 'open') c.state = 'closing';
    }
    c.last = row;
    this.push(row);
  }

  private message(c: Connection, event: MessageWire): void {
    const pending = c.pending[event.from];
    // The message's data frames are the last `frames` data frames of that side.
    // A message read from a HAR has no frames (null): nothing to group.
    const frames = event.frames === null ? [] : pending.splice(Math.max(0, pending.length - event.frames));
    pending.length = 0;
    const row: MessageRow = { kind: 'message', seq: this.nextSeq, event, violations: [], frames, hold: null, editOf: this.editOf(c, event) };
    if (row.editOf !== null) c.editing[event.from] = null; // the edit is one message
    for (const frame of frames) frame.message = row;
    c.lastMessage[event.from] = row;
    c.counts[event.from].messages++;
    this.payloadChars += (event.text?.length ?? 0) + (event.base64?.length ?? 0);
    c.last = row;
    this.push(row);
  }

  private violation(c: Connection, event: ViolationWire): void {
    c.violations++;
    if (event.rule.startsWith('handshake-')) {
      c.handshakeViolations.push(event);
      this.violations.push({ event, row: null });
      return;
    }
    // The core emits a violation right after the frame or message that caused it.
    const owner = event.rule === 'abnormal-closure' ? null : c.last;
    if (owner) {
      owner.violations.push(event);
      this.violations.push({ event, row: owner });
      return;
    }
    const note: NoteRow = { kind: 'note', seq: this.nextSeq, event, violations: [event] };
    this.push(note);
    this.violations.push({ event, row: note });
  }

  private push(row: Row): void {
    this.rows.push(row);
  }

  /** Lets the oldest rows (and closed connections) go once past the caps. */
  private bound(): void {
    const rows = this.rows;
    if (rows.length > MAX_ROWS || this.payloadChars > MAX_PAYLOAD_CHARS) {
      const atLeast = Math.ceil(rows.length / 10);
      let drop = 0;
      while (
        drop < rows.length &&
        (drop < atLeast || rows.length - drop > MAX_ROWS * 0.9 || this.payloadChars > MAX_PAYLOAD_CHARS * 0.9)
      ) {
        this.payloadChars -= payloadCharsOf(rows[drop]!);
        drop++;
      }
      const gone = rows.splice(0, drop);
      this.firstSeq += drop;
      this.evicted += drop;
      for (const row of gone) if (row.kind === 'message') row.frames = [];
      const horizon = this.firstSeq;
      this.violations = this.violations.filter((v) => v.row === null || v.row.seq >= horizon);
      for (const [id, row] of this.holds) if (row.seq < horizon) this.holds.delete(id);
      for (const c of this.connections.values()) {
        if (c.last && c.last.seq < horizon) c.last = null;
        for (const side of ['client', 'server'] as const) if ((c.lastMessage[side]?.seq ?? horizon) < horizon) c.lastMessage[side] = null;
        for (const side of ['client', 'server'] as const) c.pending[side] = c.pending[side].filter((f) => f.seq >= horizon);
      }
    }
    if (this.connections.size > MAX_CONNECTIONS) {
      for (const [conn, c] of this.connections) {
        if (this.connections.size <= MAX_CONNECTIONS * 0.9) break;
        if (c.state !== 'closed' && c.state !== 'http') continue;
        this.connections.delete(conn);
        this.evictedConnections++;
      }
    }
  }
}

function payloadCharsOf(row: Row): number {
  return row.kind === 'message' ? (row.event.text?.length ?? 0) + (row.event.base64?.length ?? 0) : 0;
}
