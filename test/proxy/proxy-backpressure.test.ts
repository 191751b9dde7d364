/**
 * Backpressure: a client that stops reading while the upstream floods 100 MB
 * of binary frames. The proxy must pass the stall back to the upstream (whose
 * own writes then report a full buffer) instead of buffering the flood, and
 * deliver every byte intact once the client reads again.
 *
 * Bounds, measured in this process (which hosts the proxy, the flooding
 * upstream and the client alike):
 * - the proxy's socket buffers (RunningProxy.bufferedBytes) stay under 1 MiB
 *   at every sample, during the stall and after;
 * - while stalled, the upstream has sent well under half of the flood (the
 *   rest waits in the upstream, not in the proxy or the kernel);
 * - resident memory grows less than 64 MiB over the baseline taken before the flood.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { OP_BINARY } from '../../src/inspector/opcodes.js';
import { Rng, rawWebSocket, startRawServer, startTestProxy, testSeed, waitUntil, type Peer } from '../helpers/net.js';

const TOTAL = 100 * 1000 * 1000;
const MiB = 1024 * 1024;

/** Floods `socket` with binary frames of random sizes up to 64 KiB, honouring its backpressure. */
class Flooder {
  payloadSent = 0;
  wireSent = 0;
  /** Times socket.write() returned false. */
  blocked = 0;
  waiting = false;
  done = false;
  private readonly hash = createHash('sha256');
  private readonly blocks: Buffer[];

  constructor(
    private readonly socket: Peer['socket'],
    private readonly rng: Rng,
  ) {
    this.blocks = Array.from({ length: 4 }, () => rng.bytes(64 * 1024));
  }

  start(): void {
    while (this.payloadSent < TOTAL) {
      const length = Math.min(this.rng.int(1, 64 * 1024), TOTAL - this.payloadSent);
      // Header and payload go out as two writes: the payload is a view of a shared block, never copied.
      const header = encodeFrame({ opcode: OP_BINARY, declaredLength: length });
      const payload = this.rng.pick(this.blocks).subarray(0, length);
      this.hash.update(header).update(payload);
      this.payloadSent += length;
      this.wireSent += header.length + length;
      this.socket.write(header);
      if (!this.socket.write(payload)) {
        this.blocked++;
        this.waiting = true;
        this.socket.once('drain', () => {
          this.waiting = false;
          this.start();
        });
        return;
      }
    }
    this.done = true;
    this.socket.end();
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

describe('backpressure', () => {
  test('a client that stops reading stalls a 100 MB flood at the upstream; all of it arrives once it reads again', async () => {
    const upstream = await startRawServer();
    const { proxy, log } = await startTestProxy(upstream.url, { previewBytes: 16 });
    const { client, upstream: server, responseHeadLength } = await rawWebSocket(proxy.port, upstream);
    client.keep = false;
    client.restartDigest(); // from here on, only the flood
    expect(client.digestFrom).toBe(responseHeadLength);
    client.socket.pause();

    let maxBuffered = 0;
    const sampler = setInterval(() => (maxBuffered = Math.max(maxBuffered, proxy.bufferedBytes())), 5);
    try {
      const baseline = process.memoryUsage().rss;
      const flooder = new Flooder(server.socket, new Rng(testSeed(100)));
      flooder.start();

      // Stalled: the upstream has been waiting for 'drain' with no progress for a while (or,
      // if backpressure were broken, the whole flood went out and the assertions below fail).
      let lastSent = -1;
      let still = 0;
      await waitUntil(() => {
        if (flooder.done) return true;
        still = flooder.waiting && flooder.wireSent === lastSent ? still + 1 : 0;
        lastSent = flooder.wireSent;
        return still >= 25;
      }, 'the flood to stall', 20_000);
      const stalledAt = flooder.wireSent;
      const buffered = proxy.bufferedBytes();
      const growth = process.memoryUsage().rss - baseline;

      expect(flooder.done).toBe(false);
      expect(flooder.blocked).toBeGreaterThan(0);
      expect(server.socket.writableLength).toBeGreaterThan(0);
      expect(stalledAt).toBeLessThan(TOTAL / 2);
      expect(buffered).toBeLessThan(1 * MiB);
      expect(growth).toBeLessThan(64 * MiB);

      client.socket.resume();
      await client.until(() => flooder.done && client.received === responseHeadLength + flooder.wireSent, 'the whole flood', 20_000);
      await client.untilEnd();
      expect(client.digest()).toBe(flooder.digest());
      expect(maxBuffered).toBeLessThan(1 * MiB);
      console.info(
        `backpressure: stalled after ${(stalledAt / MiB).toFixed(1)} MiB sent, proxy buffers ${(buffered / 1024).toFixed(0)} KiB ` +
          `(max ${(maxBuffered / 1024).toFixed(0)} KiB), rss +${(growth / MiB).toFixed(1)} MiB`,
      );

      client.socket.end();
      const end = await log.end(1);
      const messages = log.of('message', 1);
      expect(end.stats.server.messages).toBe(messages.length);
      expect(end.stats.server.wireBytes).toBe(flooder.wireSent);
      expect(messages.reduce((n, m) => n + m.size, 0)).toBe(TOTAL);
      expect(log.of('violation', 1).map((v) => v.rule)).toEqual(['abnormal-closure']);
    } finally {
      clearInterval(sampler);
    }
  }, 60_000);
});
