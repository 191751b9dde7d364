/**
 * The proxy forwards bytes unchanged: a raw client and a raw upstream send
 * seeded random messages (0 B .. 16 MiB, text and binary, fragmented, with
 * control frames between fragments) as byte streams cut at random points, and
 * each end receives exactly what the other sent (SHA-256). The inspector's
 * view of the same traffic is checked too: every message, no violations.
 * WSINSPECT_SEED=<n> reproduces a failing run.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { closePayload, encodeFrame } from '../../src/inspector/frame-encoder.js';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from '../../src/inspector/opcodes.js';
import {
  Rng,
  frameTotals,
  checkWireOrder,
  rawWebSocket,
  sha256,
  startRawServer,
  startTestProxy,
  testSeed,
  writeChopped,
  type RawServer,
  type TestProxy,
} from '../helpers/net.js';

type Side = 'client' | 'server';

interface Plan {
  frames: Buffer[];
  bytes: number;
  messages: Array<{ kind: 'text' | 'binary'; size: number; frames: number }>;
}

/** Encodes messages of the given sizes as one side would send them. */
function plan(rng: Rng, side: Side, sizes: number[]): Plan {
  const frames: Buffer[] = [];
  const messages: Plan['messages'] = [];
  let lastKey: Buffer | null = null;
  const frame = (opcode: number, payload: Buffer, fin: boolean) => {
    const maskKey = side === 'client' ? (lastKey = rng.maskKey(lastKey)) : null;
    frames.push(encodeFrame({ opcode, payload, fin, maskKey }));
  };
  for (const size of sizes) {
    const kind = rng.chance(0.5) ? 'text' : 'binary';
    const payload = kind === 'text' ? rng.utf8(size) : rng.bytes(size);
    const pieces = size < 2 ? 1 : rng.int(1, 4);
    const cuts = Array.from({ length: pieces - 1 }, () => rng.int(0, size)).sort((a, b) => a - b);
    const bounds = [0, ...cuts, size];
    for (let i = 0; i < pieces; i++) {
      if (i > 0 && rng.chance(0.3)) frame(rng.pick([OP_PING, OP_PONG]), rng.bytes(rng.int(0, 125)), true);
      frame(i === 0 ? (kind === 'text' ? OP_TEXT : OP_BINARY) : OP_CONTINUATION, payload.subarray(bounds[i], bounds[i + 1]), i === pieces - 1);
    }
    messages.push({ kind, size, frames: pieces });
  }
  return { frames, bytes: frames.reduce((n, f) => n + f.length, 0), messages };
}

function shuffled<T>(rng: Rng, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * One connection: both sides send their plan at once, chopped at random, then
 * the client closes, the upstream answers and ends. Checks bytes and events.
 */
async function exchange(t: TestProxy, upstream: RawServer, peerIndex: number, seed: number, sizes: { client: number[]; server: number[] }) {
  const rng = new Rng(seed);
  const clientPlan = plan(rng, 'client', sizes.client);
  const serverPlan = plan(rng, 'server', sizes.server);
  const ws = await rawWebSocket(t.proxy.port, upstream, peerIndex);
  const { client, upstream: server } = ws;
  client.keep = false;
  server.keep = false;
  const conn = t.log.of('connection').length;
  const clientHead = ws.clientSent[0]!.length;
  const serverHead = ws.upstreamSent[0]!.length;

  // Two independent random streams, so each side's chopping does not depend on the other's timing.
  const clientRng = new Rng(seed ^ 0x1111);
  const serverRng = new Rng(seed ^ 0x2222);
  await Promise.all([
    writeChopped(client.socket, clientPlan.frames, clientRng),
    writeChopped(server.socket, serverPlan.frames, serverRng),
    server.untilBytes(clientHead + clientPlan.bytes, 20_000),
    client.untilBytes(serverHead + serverPlan.bytes, 20_000),
  ]);

  const clientClose = encodeFrame({ opcode: OP_CLOSE, payload: closePayload(1000, 'bye'), maskKey: rng.maskKey(null) });
  const serverClose = encodeFrame({ opcode: OP_CLOSE, payload: closePayload(1000, 'bye') });
  client.socket.write(clientClose);
  await server.untilBytes(clientHead + clientPlan.bytes + clientClose.length);
  server.socket.end(serverClose);
  await client.untilEnd();
  client.socket.end();
  await server.untilEnd();
  const end = await t.log.end(conn);

  const clientSent = [...ws.clientSent, ...clientPlan.frames, clientClose];
  const serverSent = [...ws.upstreamSent, ...serverPlan.frames, serverClose];
  const why = `seed ${seed}`;
  expect(server.received, why).toBe(clientSent.reduce((n, b) => n + b.length, 0));
  expect(server.digest(), why).toBe(sha256(clientSent));
  expect(client.received, why).toBe(serverSent.reduce((n, b) => n + b.length, 0));
  expect(client.digest(), why).toBe(sha256(serverSent));

  const events = t.log.forConn(conn);
  expect(events.filter((e) => e.type === 'violation' || e.type === 'undecodable' || e.type === 'error'), why).toEqual([]);
  for (const side of ['client', 'server'] as const) {
    const expected = (side === 'client' ? clientPlan : serverPlan).messages;
    const got = t.log.of('message', conn).filter((m) => m.from === side);
    expect(got.map((m) => ({ kind: m.kind, size: m.size, frames: m.frames })), `${why}, ${side}`).toEqual(expected);
  }
  expect(end, why).toMatchObject({ clean: true, by: 'client', closeCode: 1000 });
  expect(end.stats.client).toEqual(frameTotals(events, 'client'));
  expect(end.stats.server).toEqual(frameTotals(events, 'server'));
  expect(end.stats.client.wireBytes).toBe(clientPlan.bytes + clientClose.length);
  expect(end.stats.server.wireBytes).toBe(serverPlan.bytes + serverClose.length);
  checkWireOrder(events);
}

const EDGE_SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20];

describe('byte fidelity through the proxy', () => {
  test('edge sizes up to 16 MiB plus random ones, both directions, random chunking', async () => {
    const seed = testSeed(0x5eed);
    const rng = new Rng(seed);
    const random = () => Array.from({ length: 4 }, () => rng.int(0, 300_000));
    const upstream = await startRawServer();
    const t = await startTestProxy(upstream.url);
    await exchange(t, upstream, 0, seed, {
      client: shuffled(rng, [...EDGE_SIZES, ...random()]),
      server: shuffled(rng, [...EDGE_SIZES, ...random()]),
    });
  }, 60_000);

  test('property: small random conversations survive any chopping (fast-check, seeded)', async () => {
    const upstream = await startRawServer();
    const t = await startTestProxy(upstream.url);
    let connections = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.array(fc.integer({ min: 0, max: 70_000 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 70_000 }), { maxLength: 6 }),
        async (seed, client, server) => {
          await exchange(t, upstream, connections++, seed, { client, server });
        },
      ),
      { seed: testSeed(42), numRuns: 12 },
    );
  });
});
