/**
 * Round trips over real sockets: real peers through the proxy with --pcap;
 * the pcapng read back by `read` gives the live events, and tshark agrees
 * with `read` on every frame.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { PcapngRecorder } from '../../src/capture/pcapng-recorder.js';
import { PacketCapture } from '../../src/capture/packet-capture.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { onCleanup, once, startTestProxy } from '../helpers/net.js';
import { comparable } from './comparable.js';
import { expectTsharkAgrees, TSHARK } from './tshark.js';

const PYTHON = '/usr/bin/python3';
const HAS_PYTHON_WEBSOCKETS = spawnSync(PYTHON, ['-c', 'import websockets'], { encoding: 'utf8' }).status === 0;
if (!HAS_PYTHON_WEBSOCKETS) console.warn('\n*** python3-websockets not found: its round-trip test is SKIPPED (apt-get install -y python3-websockets) ***\n');

async function wsEcho(deflate: boolean): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate ? { threshold: 0 } : false });
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await once(server, 'listening');
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

/** A proxy in front of a ws echo server, recording to a fresh pcapng. */
async function recordingProxy(deflate: boolean) {
  const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-pcap-')), 'proxy.pcapng');
  const pcap = new PcapngRecorder(file);
  const port = await wsEcho(deflate);
  const { proxy, log } = await startTestProxy(`ws://127.0.0.1:${port}`, { pcap, payloadHeads: false });
  return {
    proxy,
    log,
    file,
    async stop() {
      await proxy.close();
      pcap.close();
    },
  };
}

/** A ws client: text, binary, a fragmented message, a ping, then a clean close. */
async function wsClient(url: string, deflate: boolean): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: deflate ? { threshold: 0 } : false });
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  const replies: unknown[] = [];
  ws.on('message', (data) => replies.push(data));
  ws.send('Hello, wsinspect! été 😀');
  ws.send(Buffer.from([0, 1, 2, 3, 255, 254]));
  ws.send('first part, ', { fin: false });
  ws.send('second part', { fin: true });
  ws.send(Buffer.alloc(70_000, 'z'));
  ws.ping('are you there');
  await new Promise<void>((resolve) => {
    const check = () => (replies.length === 4 ? resolve() : setTimeout(check, 5));
    check();
  });
  ws.close(1000, 'done');
  await once(ws, 'close');
}

function readBack(file: string): WireEvent[] {
  const capture = new PacketCapture('pcapng', { payloadHeads: false });
  const events = [...capture.push(readFileSync(file)), ...capture.end()];
  expect(capture.problem).toBeNull();
  return events;
}

describe('proxy --pcap, read back', () => {
  for (const deflate of [false, true]) {
    test(`ws client and server${deflate ? ' with permessage-deflate' : ''}: read gives the live events; tshark agrees on every frame`, async () => {
      const run = await recordingProxy(deflate);
      await wsClient(run.proxy.url, deflate);
      await run.log.end(1);
      await run.stop();
      const read = readBack(run.file);
      expect(comparable(read)).toEqual(comparable(run.log.events));
      expect(read.some((e) => e.type === 'message' && e.compressed === deflate)).toBe(true);
      if (TSHARK) expectTsharkAgrees(run.file, read);
    });
  }

  test.skipIf(!HAS_PYTHON_WEBSOCKETS)('python websockets client, with and without deflate: read gives the live events; tshark agrees', async () => {
    const run = await recordingProxy(true);
    const script = `
import asyncio, sys, websockets
async def main(url, compression):
    async with websockets.connect(url, compression=compression) as ws:
        await ws.send("hello from python")
        await ws.recv()
        await ws.send([b"frag", b"mented"])
        await ws.recv()
        await ws.send(["text ", "fragments"])
        await ws.recv()
        await ws.ping(b"ping!")
asyncio.run(main(sys.argv[1], None if sys.argv[2] == "off" else "deflate"))
`;
    for (const compression of ['deflate', 'off']) {
      const child = spawn(PYTHON, ['-c', script, run.proxy.url, compression], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, stderr).toBe(0);
    }
    await run.log.end(2);
    await run.stop();
    const read = readBack(run.file);
    expect(comparable(read)).toEqual(comparable(run.log.events));
    const messages = read.filter((e) => e.type === 'message');
    // websockets sends an iterable as one frame per item and an empty final frame: 3 frames, twice per connection.
    expect(messages.filter((m) => m.from === 'client' && m.frames === 3)).toHaveLength(4);
    expect(messages.map((m) => m.compressed)).toEqual([...Array<boolean>(6).fill(true), ...Array<boolean>(6).fill(false)]);
    if (TSHARK) {
      expectTsharkAgrees(run.file, read);
    }
  });
});

