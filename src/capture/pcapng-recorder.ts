/**
 * A pcapng file written as traffic flows: each connection a TCP conversation
 * (see tcp-conversation.ts), each block appended with a synchronous write the
 * moment it is made, so memory stays at one block whatever the traffic and a
 * crash loses at most the block being written. A write that fails (disk
 * full) stops the recording, reported once; the traffic is never held up.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Side } from '../inspector/events.js';
import type { TcpAddress } from './packet-builder.js';
import { pcapngHeader } from './pcapng-writer.js';
import { TcpConversation } from './tcp-conversation.js';
import { pcapngExport, type Conversation } from './pcapng-export.js';

/** Connections whose addresses are remembered for a one-connection export (the oldest are forgotten). */
const REMEMBERED_CONVERSATIONS = 100_000;

/** One connection's traffic, as it crosses. */
export interface ConnectionRecording {
  /** Bytes `side` sent (as they reached the other side). */
  data(side: Side, bytes: Uint8Array, ts?: number): void;
  /** `side` sent `bytes` bytes nobody saw (only a converted capture has such holes). */
  lost(side: Side, bytes: number): void;
  /** `side` closed its end (FIN), or the connection broke (reset). */
  end(side: Side, reset?: boolean, ts?: number): void;
}

export class PcapngRecorder {
  private fd: number | null;
  private written = 0;
  private readonly conversations = new Map<number, Conversation>();

  /** Creates (truncates) the file and writes its header; throws when it cannot be created. */
  constructor(
    readonly path: string,
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.fd = openSync(path, 'w');
    this.write([pcapngHeader()]);
  }

  /**
   * A conversation between `client` and `server`, opened (SYN, SYN-ACK, ACK)
   * at `ts`; `conn`, when given, is the connection's number for `export`.
   */
  connection(client: TcpAddress, server: TcpAddress, ts = Date.now(), conn?: number): ConnectionRecording {
    if (conn !== undefined) {
      this.conversations.set(conn, { client, server });
      if (this.conversations.size > REMEMBERED_CONVERSATIONS) this.conversations.delete(this.conversations.keys().next().value!);
    }
    const conversation = new TcpConversation(client, server);
    this.write(conversation.open(ts));
    return {
      data: (side, bytes, at = Date.now()) => this.write(conversation.data(side, bytes, at)),
      lost: (side, bytes) => conversation.lost(side, bytes),
      end: (side, reset = false, at = Date.now()) => this.write(conversation.end(side, at, reset)),
    };
  }

  /**
   * The file as written so far, or only connection `conn`'s packets; null
   * when `conn` is not known here (never recorded, or forgotten).
   */
  export(conn?: number): AsyncIterable<Uint8Array> | null {
    if (conn === undefined) return pcapngExport(this.path, this.written, null);
    const conversation = this.conversations.get(conn);
    return conversation ? pcapngExport(this.path, this.written, conversation) : null;
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private write(blocks: Uint8Array[]): void {
    if (this.fd === null) return;
    try {
      for (const block of blocks) {
        for (let at = 0; at < block.length; ) at += writeSync(this.fd, block, at);
        this.written += block.length;
      }
    } catch (err) {
      this.onError(`--pcap ${this.path}: ${(err as Error).message}; recording stopped`);
      this.close();
    }
  }
}
