/**
 * GET /api/export.pcapng: the proxy's --pcap recording served by the
 * inspector, whole or one connection's packets, as files tshark dissects.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PcapngReader } from '../../src/capture/pcapng-reader.js';
import type { InspectorServer } from '../../src/ui/server.js';
import { onCleanup } from '../helpers/net.js';
import { TSHARK, tsharkFrames } from '../capture/tshark.js';
import { converse, startInspected } from './support.js';

function download(inspector: InspectorServer, path: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: inspector.port, path, headers: { host: `127.0.0.1:${inspector.port}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const packetsIn = (file: Buffer) => {
  const reader = new PcapngReader();
  const records = [...reader.push(file), ...reader.end()];
  expect(records.filter((r) => r.kind === 'problem')).toEqual([]);
  return records.length;
};

describe('GET /api/export.pcapng', () => {
  test('serves the --pcap recording as far as it is written, or one connection of it; tshark dissects both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-export-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const recording = join(dir, 'live.pcapng');
    const { proxy, inspector, log } = await startInspected({ pcap: recording });
    await converse(proxy.url, ['hello']);
    await converse(proxy.url, ['world', 'again']);
    await log.end(2);

    const all = await download(inspector, '/api/export.pcapng');
    expect(all.status).toBe(200);
    expect(all.type).toBe('application/x-pcapng');
    expect(all.body.equals(readFileSync(recording))).toBe(true);

    const second = await download(inspector, '/api/export.pcapng?conn=2');
    expect(second.status).toBe(200);
    const first = await download(inspector, '/api/export.pcapng?conn=1');
    // Every packet of the recording is in exactly one connection's export.
    expect(packetsIn(first.body) + packetsIn(second.body)).toBe(packetsIn(all.body));
    expect(packetsIn(second.body)).toBeGreaterThan(packetsIn(first.body));

    expect((await download(inspector, '/api/export.pcapng?conn=9')).status).toBe(404);
    expect((await download(inspector, '/api/export.pcapng?conn=x')).status).toBe(400);

    if (!TSHARK) return; // tshark.ts says loudly that these checks are skipped
    const file = join(dir, 'conn2.pcapng');
    writeFileSync(file, second.body);
    const texts = tsharkFrames(file)
      .filter((f) => f.opcode === 1)
      .map((f) => Buffer.from(f.payloadHex ?? '', 'hex').toString());
    expect(texts).toEqual(['world', 'world', 'again', 'again']);
    const whole = join(dir, 'all.pcapng');
    writeFileSync(whole, all.body);
    expect(tsharkFrames(whole).filter((f) => f.opcode === 1)).toHaveLength(6);
  });
});
