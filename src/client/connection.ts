/**
 * The client side of an open WebSocket connection at frame level: sends
 * masked frames (a fresh random key for each, RFC 6455 5.3), answers pings
 * and the server's close, runs the closing handshake, and passes every byte
 * both ways through the inspector's Session, so each frame is reported as
 * the proxy would report it.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { isSendableCloseCode } from '../inspector/close-codes.js';
import type { Connection } from '../inspector/connection.js';
import type { InspectorEvent } from '../inspector/events.js';
import { closePayload, encodeFrame, type FrameSpec } from '../inspector/frame-encoder.js';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from '../inspector/opcodes.js';
import { seconds } from './verdict.js';

export interface ClientConnectionOptions {
  socket: net.Socket;
  /** Past the handshake (upgraded). */
  connection: Connection;
  emit: (event: InspectorEvent) => void;
  /** Events of the server bytes that arrived with the response head, not reported yet. */
  events: InspectorEvent[];
  /** When the connection opened (Date.now()), for the summary's duration. */
  started: number;
  /** How long to wait, once a close frame is sent, for the server's close frame and for it to end the TCP connection. */
  closeWaitMs: number;
}

export class ClientConnection {
  /** Resolves once the TCP connection is gone and the summary has been emitted. */
  readonly ended: Promise<void>;
  private readonly socket: net.Socket;
  private readonly connection: Connection;
  private readonly emit: (event: InspectorEvent) => void;
  private closeSent = false;
  private closeReceived = false;
  /** Why the connection may end without a closing handshake, once known. */
  private trouble: 'reset' | 'timeout' | 'aborted' | null = null;
  private closeTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ClientConnectionOptions) {
    const { socket, connection, emit } = options;
    this.socket = socket;
    this.connection = connection;
    this.emit = emit;
    this.ended = new Promise((resolve) => {
      socket.once('close', () => {
        this.finish();
        resolve();
      });
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // The server ends its side after the closing handshake; the client ends its own in turn (TLS does so by itself).
    socket.on('end', () => {
      this.connection.end('server');
      socket.end();
    });
    socket.on('error', () => {
      this.trouble ??= 'reset';
      this.connection.end('server');
    });
    this.handle(options.events);
    socket.resume();
  }

  /** True until a close frame has gone either way or the socket is gone: data may still be sent. */
  get open(): boolean {
    return !this.closeSent && !this.closeReceived && !this.socket.destroyed;
  }

  sendText(text: string): boolean {
    return this.sendMessage(OP_TEXT, Buffer.from(text), 1);
  }

  sendBinary(bytes: Buffer): boolean {
    return this.sendMessage(OP_BINARY, bytes, 1);
  }

  /** One text message in `count` frames: the first text, the rest continuation, FIN on the last. */
  sendFragmented(text: string, count: number): boolean {
    return this.sendMessage(OP_TEXT, Buffer.from(text), count);
  }

  ping(payload: string): boolean {
    if (!this.open) return false;
    this.send({ opcode: OP_PING, payload });
    return true;
  }

  /**
   * Starts the closing handshake (RFC 6455 7.1.2); `ended` resolves when it is
   * over or timed out. A null code sends a close frame with no payload at all.
   */
  close(code: number | null = 1000, reason = ''): void {
    if (this.closeSent || this.socket.destroyed) return;
    this.sendClose(code === null ? Buffer.alloc(0) : closePayload(code, reason));
  }

  /** Drops the connection at once, without a closing handshake. */
  abort(): void {
    this.trouble ??= 'aborted';
    this.socket.destroy();
  }

  private sendMessage(opcode: number, bytes: Buffer, frames: number): boolean {
    if (!this.open) return false;
    splitInto(bytes, frames).forEach((payload, i) =>
      this.send({ opcode: i === 0 ? opcode : OP_CONTINUATION, payload, fin: i === frames - 1 }),
    );
    return true;
  }

  private send(spec: Omit<FrameSpec, 'maskKey'>): void {
    const bytes = encodeFrame({ ...spec, maskKey: randomBytes(4) });
    this.socket.write(bytes);
    this.emitAll(this.connection.push('client', bytes).events);
  }

  private sendClose(payload: Uint8Array): void {
    this.closeSent = true;
    this.send({ opcode: OP_CLOSE, payload });
    this.armCloseTimer();
  }

  private receive(chunk: Uint8Array): void {
    this.handle(this.connection.push('server', chunk).events);
  }

  /** Reports the server's events, then answers its pings and its close (after the batch, so events keep the wire's order). */
  private handle(events: InspectorEvent[]): void {
    this.emitAll(events);
    for (const event of events) {
      if (event.type !== 'frame' || event.payloadHex === undefined) continue;
      const payload = Buffer.from(event.payloadHex, 'hex');
      if (event.opcode === OP_PING && !this.closeSent) this.send({ opcode: OP_PONG, payload });
      if (event.opcode === OP_CLOSE && !this.closeReceived) {
        this.closeReceived = true;
        if (!this.closeSent) this.sendClose(closeReply(payload));
        this.armCloseTimer();
      }
    }
  }

  /** The server should answer our close and end the TCP connection; past the deadline, we end it. */
  private armCloseTimer(): void {
    this.closeTimer ??= setTimeout(() => {
      if (!this.closeReceived) this.trouble ??= 'timeout';
      this.socket.destroy();
    }, this.options.closeWaitMs);
  }

  private finish(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.connection.end('client');
    if (!(this.closeSent && this.closeReceived)) this.emit({ type: 'error', message: this.abnormalEnding() });
    this.emitAll(this.connection.finish(Date.now() - this.options.started));
  }

  private abnormalEnding(): string {
    switch (this.trouble) {
      case 'reset':
        return 'the connection was reset before the closing handshake completed';
      case 'timeout':
        return `no close frame from the server within ${seconds(this.options.closeWaitMs)}`;
      case 'aborted':
        return 'wsinspect dropped the connection before the closing handshake completed';
      case null:
        return 'the server ended the TCP connection without a close frame';
    }
  }

  private emitAll(events: InspectorEvent[]): void {
    for (const event of events) this.emit(event);
  }
}

/**
 * The close frame payload answering the server's: its status code echoed, as
 * RFC 6455 5.5.1 suggests, or 1002 when that code may not be sent (7.4.1);
 * no code when the server gave none.
 */
function closeReply(payload: Buffer): Buffer {
  if (payload.length < 2) return Buffer.alloc(0);
  const code = payload.readUInt16BE(0);
  return closePayload(isSendableCloseCode(code) ? code : 1002);
}

/**
 * `bytes` cut into `count` pieces as even as can be (the first ones one byte
 * longer). A code point may be cut: UTF-8 validity is a property of the
 * whole message, not of its frames (RFC 6455 5.6).
 */
export function splitInto(bytes: Buffer, count: number): Buffer[] {
  const base = Math.floor(bytes.length / count);
  const longer = bytes.length % count;
  const pieces: Buffer[] = [];
  for (let i = 0, at = 0; i < count; i++) {
    const size = base + (i < longer ? 1 : 0);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}
