/**
 * Shared helpers for the integration tests over real loopback sockets: a
 * proxy with its event log, raw TCP peers that record every byte, waiting on
 * conditions (never on fixed sleeps), a seeded PRNG, and WebSocket bytes by hand.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, expect } from 'vitest';
import { computeAccept } from '../../src/accept-calc/accept.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { parseEndpoint } from '../../src/net/endpoint.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../src/proxy/proxy-server.js';

// ---- cleanup ---------------------------------------------------------------

const cleanups: Array<() => unknown> = [];

/** Runs after the current test, latest first. */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

// ---- waiting ---------------------------------------------------------------

export const DEFAULT_WAIT_MS = 10_000;

/** Something whose state changes on events: waiters re-check their condition on every change. */
export class Waitable {
  private readonly waiters = new Set<() => void>();

  protected notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves once `condition()` holds (checked now and on every change), rejects after `timeoutMs`. */
  until(condition: () => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        let ok: boolean;
        try {
          ok = condition();
        } catch (err) {
          done();
          reject(err as Error);
          return;
        }
        if (!ok) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}

/** Polls `condition` (for state nobody notifies about), rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A promise for `event` on `emitter`, rejecting after `timeoutMs`. */
export function once<T = unknown>(emitter: NodeJS.EventEmitter, event: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    const listener = (value: T) => {
      clearTimeout(timer);
      resolve(value);
    };
    emitter.once(event, listener);
  });
}

// ---- the proxy and its events ------------------------------------------------

export class EventLog extends Waitable {
  readonly events: WireEvent[] = [];

  push(event: WireEvent): void {
    this.events.push(event);
    this.notify();
  }

  of<T extends WireEvent['type']>(type: T, conn?: number): Array<Extract<WireEvent, { type: T }>> {
    return this.events.filter(
      (e): e is Extract<WireEvent, { type: T }> => e.type === type && (conn === undefined || e.conn === conn),
    );
  }

  forConn(conn: number): WireEvent[] {
    return this.events.filter((e) => e.conn === conn);
  }

  /** The first event matching, waiting for it. */
  async next<T extends WireEvent['type']>(
    type: T,
    match: (e: Extract<WireEvent, { type: T }>) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<Extract<WireEvent, { type: T }>> {
    let found: Extract<WireEvent, { type: T }> | undefined;
    await this.until(() => (found = this.of(type).find(match)) !== undefined, `a '${type}' event`, timeoutMs);
    return found!;
  }

  /** The connection-end of `conn`, waiting for it. */
  end(conn: number, timeoutMs = DEFAULT_WAIT_MS) {
    return this.next('connection-end', (e) => e.conn === conn, timeoutMs);
  }
}

export interface TestProxy {
  proxy: RunningProxy;
  log: EventLog;
  /** http://host:port for plain HTTP clients. */
  httpUrl: string;
}

/**
 * Starts a proxy in front of `upstream`; on cleanup it is closed and the
 * per-connection invariants of the contract are checked: `connection` first,
 * exactly one `connection-end`, last.
 */
export async function startTestProxy(upstream: string, extra: Partial<ProxyOptions> = {}): Promise<TestProxy> {
  const log = new EventLog();
  const proxy = await startProxy({
    host: '127.0.0.1',
    port: 0,
    upstream: parseEndpoint(upstream),
    onEvent: (e) => log.push(e),
    ...extra,
  });
  onCleanup(async () => {
    await proxy.close();
    checkConnectionInvariants(log.events);
  });
  return { proxy, log, httpUrl: proxy.url.replace(/^ws/, 'http') };
}

/** Every connection starts with `connection` and ends with exactly one `connection-end`, after which nothing. */
export function checkConnectionInvariants(events: WireEvent[]): void {
  const conns = [...new Set(events.map((e) => e.conn))].sort((a, b) => a - b);
  expect(conns, 'conn numbers are 1..n').toEqual(conns.map((_, i) => i + 1));
  for (const conn of conns) {
    const mine = events.filter((e) => e.conn === conn);
    expect(mine[0]!.type, `conn ${conn}: first event`).toBe('connection');
    expect(mine.filter((e) => e.type === 'connection-end').length, `conn ${conn}: connection-end count`).toBe(1);
    expect(mine[mine.length - 1]!.type, `conn ${conn}: last event`).toBe('connection-end');
  }
}

// ---- raw TCP peers -------------------------------------------------------------

/** A socket whose every received byte is recorded, with waits on what it saw. */
export class Peer extends Waitable {
  readonly chunks: Buffer[] = [];
  received = 0;
  ended = false;
  closed = false;
  error: Error | null = null;
  /** When false, received bytes are hashed and counted but not kept (big transfers). */
  keep = true;
  private hash = createHash('sha256');
  /** `received` when the digest was (re)started. */
  digestFrom = 0;

  constructor(readonly socket: net.Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      if (this.keep) this.chunks.push(chunk);
      this.hash.update(chunk);
      this.received += chunk.length;
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (err) => {
      this.error = err;
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  /** Everything received so far (when `keep`). */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** SHA-256 of everything received so far (since restartDigest()). */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  /** Starts the digest afresh: it then covers only bytes received from now on. */
  restartDigest(): void {
    this.hash = createHash('sha256');
    this.digestFrom = this.received;
  }

  untilBytes(n: number, timeoutMs?: number): Promise<void> {
    return this.until(() => this.received >= n, `${n} bytes (have ${this.received})`, timeoutMs);
  }

  /** Waits for `text` to appear in what was received (kept bytes). */
  untilText(text: string, timeoutMs?: number): Promise<void> {
    return this.until(() => this.bytes().includes(text), JSON.stringify(text), timeoutMs);
  }

  untilEnd(timeoutMs?: number): Promise<void> {
    return this.until(() => this.ended || this.closed, 'the peer to end', timeoutMs);
  }

  untilClosed(timeoutMs?: number): Promise<void> {
    return this.until(() => this.closed, 'the socket to close', timeoutMs);
  }
}

/** A TCP client peer (half-open allowed, so it can keep writing after the other side's FIN). */
export async function connectPeer(port: number, host = '127.0.0.1'): Promise<Peer> {
  const socket = net.connect({ port, host, allowHalfOpen: true });
  const peer = new Peer(socket);
  await once(socket, 'connect');
  socket.setNoDelay(true);
  onCleanup(() => socket.destroy());
  return peer;
}

export interface RawServer {
  port: number;
  url: string;
  peers: Peer[];
  /** The n-th accepted connection (0-based), waiting for it. */
  peer(n?: number): Promise<Peer>;
  close(): Promise<void>;
}

class PeerList extends Waitable {
  readonly peers: Peer[] = [];
  add(peer: Peer): void {
    this.peers.push(peer);
    this.notify();
  }
}

/** A raw TCP server recording every byte; `onPeer` runs for each connection. */
export async function startRawServer(onPeer: (peer: Peer) => void = () => {}): Promise<RawServer> {
  const list = new PeerList();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.setNoDelay(true);
    const peer = new Peer(socket);
    list.add(peer);
    onPeer(peer);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const peer of list.peers) peer.socket.destroy();
      server.close(() => resolve());
    });
  onCleanup(close);
  return {
    port,
    url: `ws://127.0.0.1:${port}/`,
    peers: list.peers,
    async peer(n = 0) {
      await list.until(() => list.peers.length > n, `upstream connection #${n + 1}`);
      return list.peers[n]!;
    },
    close,
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

// ---- WebSocket bytes by hand -------------------------------------------------------

export const TEST_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export function upgradeRequest(host: string, path = '/', key = TEST_KEY): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    'latin1',
  );
}

export function upgradeResponse(key = TEST_KEY): Buffer {
  return Buffer.from(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`,
    'latin1',
  );
}

/** Index just past the first blank line (CRLF CRLF), or -1. */
export function headEnd(bytes: Buffer): number {
  const at = bytes.indexOf('\r\n\r\n');
  return at === -1 ? -1 : at + 4;
}

export interface RawWebSocket {
  client: Peer;
  upstream: Peer;
  /** Bytes the client wrote (the handshake) and the upstream wrote (the 101). */
  clientSent: Buffer[];
  upstreamSent: Buffer[];
  /** Length of the 101 head as the client received it. */
  responseHeadLength: number;
}

/**
 * A raw client and a raw upstream joined through the proxy by a handshake
 * written by hand. The client sends `Host` as the upstream's authority, so
 * the proxy's rewrite leaves every byte as it is.
 */
export async function rawWebSocket(proxyPort: number, upstream: RawServer, peerIndex = 0): Promise<RawWebSocket> {
  const client = await connectPeer(proxyPort);
  const request = upgradeRequest(`127.0.0.1:${upstream.port}`);
  client.socket.write(request);
  const server = await upstream.peer(peerIndex);
  await server.until(() => headEnd(server.bytes()) !== -1, 'the upgrade request at the upstream');
  const response = upgradeResponse();
  server.socket.write(response);
  await client.until(() => headEnd(client.bytes()) !== -1, 'the 101 at the client');
  return { client, upstream: server, clientSent: [request], upstreamSent: [response], responseHeadLength: headEnd(client.bytes()) };
}

export interface ParsedFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Parses whole frames from `bytes` (unmasking), ignoring a trailing partial frame. */
export function parseFrames(bytes: Buffer): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    let length = b1 & 0x7f;
    let p = at + 2;
    if (length === 126) {
      if (p + 2 > bytes.length) break;
      length = bytes.readUInt16BE(p);
      p += 2;
    } else if (length === 127) {
      if (p + 8 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const mask = masked ? bytes.subarray(p, p + 4) : null;
    if (masked) p += 4;
    if (p + length > bytes.length) break;
    const payload = Buffer.from(bytes.subarray(p, p + length));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
    frames.push({ fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, masked, payload });
    at = p + length;
  }
  return frames;
}

// ---- randomness and bytes ------------------------------------------------------------

/** Code point widths in UTF-8, weighted towards ASCII. */
const WIDTHS = [1, 1, 1, 1, 2, 2, 3, 4];

/** A seeded PRNG (sfc32) so failures reproduce: the seed is in every message that matters. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor((this.u32() / 2 ** 32) * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    const words = Math.floor(n / 4);
    for (let i = 0; i < words; i++) out.writeUInt32LE(this.u32(), i * 4);
    for (let i = words * 4; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** Exactly `n` bytes of valid UTF-8: ASCII mixed with 2-, 3- and 4-byte code points. */
  utf8(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const r = this.u32();
      const width = Math.min(n - at, WIDTHS[r & 7]!);
      const v = r >>> 3;
      if (width === 1) {
        out[at++] = 0x20 + (v % 0x5f);
      } else if (width === 2) {
        const cp = 0x80 + (v % 0x780);
        out[at++] = 0xc0 | (cp >> 6);
        out[at++] = 0x80 | (cp & 0x3f);
      } else if (width === 3) {
        const cp = 0x4e00 + (v % 0x5000);
        out[at++] = 0xe0 | (cp >> 12);
        out[at++] = 0x80 | ((cp >> 6) & 0x3f);
        out[at++] = 0x80 | (cp & 0x3f);
      } else {
        const cp = 0x1f300 + (v % 0x300);
        out[at++] = 0xf0 | (cp >> 18);
        out[at++] = 0x80 | ((cp >> 12) & 0x3f);
        out[at++] = 0x80 | ((cp >> 6) & 0x3f);
        out[at++] = 0x80 | (cp & 0x3f);
      }
    }
    return out;
  }

  /** A masking key that is neither all zeros nor `previous` (no mask-key-weak warnings). */
  maskKey(previous: Buffer | null): Buffer {
    for (;;) {
      const key = this.bytes(4);
      if (key.readUInt32BE(0) !== 0 && !(previous && key.equals(previous))) return key;
    }
  }
}

/** The seed for a randomized test: WSINSPECT_SEED reproduces a failure. */
export function testSeed(fallback: number): number {
  const fromEnv = process.env.WSINSPECT_SEED;
  return fromEnv ? Number(fromEnv) : fallback;
}

export function sha256(parts: Iterable<Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/**
 * Writes `parts` as one byte stream cut at random points, yielding to the
 * event loop between writes (setImmediate) and honouring backpressure, so the
 * receiver sees arbitrary TCP segmentation.
 */
export async function writeChopped(socket: net.Socket, parts: readonly Buffer[], rng: Rng): Promise<void> {
  for (const part of parts) {
    let at = 0;
    while (at < part.length) {
      const size = rng.chance(0.35) ? rng.int(1, 16) : rng.chance(0.5) ? rng.int(1, 4096) : rng.int(1, 1 << 20);
      const piece = part.subarray(at, at + size);
      at += piece.length;
      if (!socket.write(piece)) await once(socket, 'drain');
      else if (rng.chance(0.5)) await new Promise((r) => setImmediate(r));
    }
  }
}

/** The sum of `frame` wireLength and the counts per side, for checking connection-end stats. */
export function frameTotals(events: WireEvent[], side: 'client' | 'server'): { frames: number; messages: number; wireBytes: number } {
  const frames = events.filter((e) => e.type === 'frame' && e.from === side) as Array<Extract<WireEvent, { type: 'frame' }>>;
  return {
    frames: frames.length,
    messages: events.filter((e) => e.type === 'message' && e.from === side).length,
    wireBytes: frames.reduce((sum, f) => sum + f.wireLength, 0),
  };
}

/**
 * The order of one connection's events follows the wire: for each side, the
 * data frames since its previous message are the frames of the next message,
 * the last of them with FIN, and each frame comes before its message.
 */
export function checkWireOrder(events: WireEvent[]): void {
  for (const side of ['client', 'server'] as const) {
    let dataFrames = 0;
    let lastFin = false;
    for (const e of events) {
      if (e.type === 'frame' && e.from === side && e.opcode < 8) {
        dataFrames++;
        lastFin = e.fin;
      } else if (e.type === 'message' && e.from === side) {
        expect(dataFrames, `${side} message frames`).toBe(e.frames);
        expect(lastFin, `${side} message ends with a FIN frame`).toBe(true);
        dataFrames = 0;
      }
    }
    expect(dataFrames, `${side}: frames without their message`).toBe(0);
  }
  const types = events.map((e) => e.type);
  expect(types[0]).toBe('connection');
  const request = types.indexOf('handshake-request');
  const response = types.indexOf('handshake-response');
  const firstFrame = types.indexOf('frame');
  if (request !== -1) expect(request).toBeGreaterThan(0);
  if (response !== -1) expect(response).toBeGreaterThan(request);
  if (firstFrame !== -1) expect(firstFrame).toBeGreaterThan(response);
}
