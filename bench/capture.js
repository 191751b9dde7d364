// Section: `wsinspect read` on packet captures. A pcapng of WebSocket traffic
// (many connections, masked text and binary frames from 100 B to 64 KiB, no
// compression) is generated with wsinspect's own writer; `read --json` runs on
// it with stdout to /dev/null, its peak RSS (VmHWM) sampled while it runs. As a
// baseline on the same file, `tshark -r FILE -Y websocket -T fields` (on a
// smaller file: tshark keeps per-packet state and would need gigabytes for 1 GiB),
// the two alternated, best of two runs each.
import { closeSync, openSync, rmSync, statSync, writeSync, mkdtempSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { encodeFrame } from '../dist/inspector/frame-encoder.js';
import { pcapngHeader } from '../dist/capture/pcapng-writer.js';
import { TcpConversation } from '../dist/capture/tcp-conversation.js';
import { CLI, procStatusBytes, table, target, ratioStr, fmt, sleep } from './lib/util.js';

const sizeName = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const MB = 1e6;
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const REQUEST = `GET /bench HTTP/1.1\r\nHost: 10.0.0.2:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
const RESPONSE = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

/** Writes a pcapng of about `bytes` bytes: connections of 8 MiB each, frames of mixed sizes both ways. */
function writeCapture(file, bytes) {
  const fd = openSync(file, 'w');
  let written = 0;
  const put = (blocks) => {
    for (const b of blocks) {
      writeSync(fd, b);
      written += b.length;
    }
  };
  put([pcapngHeader()]);
  const sizes = [100, 1000, 16 * 1024, 64 * 1024];
  const payloads = sizes.map((n) => randomBytes(n));
  let ts = 1_700_000_000_000;
  for (let c = 0; written < bytes; c++) {
    const conv = new TcpConversation({ ip: '10.0.0.1', port: 20000 + (c % 40000) }, { ip: '10.0.0.2', port: 8080 });
    put(conv.open(ts));
    put(conv.data('client', Buffer.from(REQUEST), ts));
    put(conv.data('server', Buffer.from(RESPONSE), ts));
    for (let i = 0, sent = 0; sent < 8 * 1024 * 1024 && written < bytes; i++) {
      const payload = payloads[i % payloads.length];
      const text = i % 2 === 0;
      const client = encodeFrame({ opcode: text ? 1 : 2, payload: text ? payload.toString('hex', 0, payload.length / 2) : payload, maskKey: randomBytes(4) });
      const server = encodeFrame({ opcode: 2, payload });
      ts += 0.01;
      put(conv.data('client', client, ts));
      put(conv.data('server', server, ts));
      sent += client.length + server.length;
    }
    put(conv.data('client', encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]), maskKey: randomBytes(4) }), ts));
    put(conv.data('server', encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]) }), ts));
    put(conv.end('client', ts));
    put(conv.end('server', ts));
  }
  closeSync(fd);
  return statSync(file).size;
}

/** Runs a command with stdout to /dev/null; wall seconds and peak RSS (sampled VmHWM). */
async function measure(argv) {
  const started = process.hrtime.bigint();
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let peak = 0;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    const hwm = procStatusBytes(child.pid, 'VmHWM');
    if (hwm > peak) peak = hwm;
    await sleep(20);
  }
  const code = await exited;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0 && code !== 1) throw new Error(`${argv.join(' ')} exited ${code}: ${stderr}`);
  return { seconds, peak };
}

/** The quicker of two measurements (the first may be null). */
function fastest(a, b) {
  return a && a.seconds <= b.seconds ? a : b;
}

export async function captureSection({ quick, log }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'wsinspect-bench-capture-'));
  try {
    const bigBytes = quick ? 256 * 1024 * 1024 : 1024 * 1024 * 1024;
    const smallBytes = quick ? 32 * 1024 * 1024 : 128 * 1024 * 1024;
    const big = path.join(dir, 'big.pcapng');
    const small = path.join(dir, 'small.pcapng');
    log(`writing ${sizeName(bigBytes)} and ${sizeName(smallBytes)} captures`);
    const bigSize = writeCapture(big, bigBytes);
    const smallSize = writeCapture(small, smallBytes);
    const read = (file) => [process.execPath, CLI, 'read', file, '--json'];
    const hasTshark = spawnSync('tshark', ['--version']).status === 0;
    const tsharkArgv = ['tshark', '-r', small, '-Y', 'websocket', '-T', 'fields', '-e', 'websocket.opcode', '-e', 'websocket.payload_length'];
    // Alternated, best of two each: on a shared machine one run can be slowed (by the page cache
    // writing back the files just made, or other work), and the ratio should not hang on which.
    let ours = null;
    let shark = null;
    for (let round = 0; round < 2; round++) {
      ours = fastest(ours, await measure(read(small)));
      if (hasTshark) shark = fastest(shark, await measure(tsharkArgv));
    }
    const whole = await measure(read(big));
    const rate = (size, m) => size / MB / m.seconds;
    const rows = [
      [`wsinspect read --json, ${sizeName(smallSize)}`, fmt(rate(smallSize, ours)), sizeName(ours.peak), '1.00x'],
      ...(shark ? [[`tshark -Y websocket -T fields, ${sizeName(smallSize)}`, fmt(rate(smallSize, shark)), sizeName(shark.peak), ratioStr(shark.seconds / ours.seconds)]] : []),
      [`wsinspect read --json, ${sizeName(bigSize)}`, fmt(rate(bigSize, whole)), sizeName(whole.peak), ''],
    ];
    const speedup = shark ? shark.seconds / ours.seconds : null;
    const text = table(['run', 'MB/s', 'peak RSS', 'tshark time / ours'], rows, 'read: packet captures (uncompressed WebSocket traffic)');
    return {
      text,
      result: {
        fileBytes: { big: bigSize, small: smallSize },
        read: { mbPerSecond: +rate(bigSize, whole).toFixed(1), peakRssBytes: whole.peak, smallMbPerSecond: +rate(smallSize, ours).toFixed(1) },
        tshark: shark && { mbPerSecond: +rate(smallSize, shark).toFixed(1), peakRssBytes: shark.peak, tsharkTimeOverOurs: +speedup.toFixed(2) },
      },
      targets: [
        target('capture', `read ${sizeName(bigSize)} at >= 100 MB/s`, `${fmt(rate(bigSize, whole))} MB/s`, rate(bigSize, whole) >= 100),
        target('capture', `read ${sizeName(bigSize)} with RSS < 200 MB`, sizeName(whole.peak), whole.peak < 200 * MB),
        ...(shark ? [target('capture', 'read vs tshark -Y websocket (same file)', `tshark takes ${ratioStr(speedup)} our time`, speedup >= 1)] : []),
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
