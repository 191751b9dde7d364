/**
 * The inspector's API over real sockets: a ws client talks through the proxy,
 * then the routes answer from the store, the live WebSocket delivers the
 * backlog then live events in wire order, batched, and the exports parse.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { har as validateHar } from 'har-validator';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { TICK_MS } from '../../src/ui/live-feed.js';
import { onCleanup, once, waitUntil } from '../helpers/net.js';
import { converse, follow, request, startInspected } from './support.js';

const ndjson = (body: string) => body.trim().split('\n').map((line) => JSON.parse(line));

describe('inspector API', () => {
  test('GET /api/connections: one row per connection with the contract fields', async () => {
    const { proxy, inspector, log } = await startInspected();
    await converse(proxy.url, ['one', 'two'], '/chat?room=1');
    await log.end(1);
    const reply = await request(inspector, '/api/connections');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    const [row, ...rest] = JSON.parse(reply.body);
    expect(rest).toEqual([]);
    expect(Object.keys(row).sort()).toEqual(
      ['conn', 'client', 'upstream', 'path', 'state', 'handshakeOk', 'subprotocol', 'extensions', 'startedAt', 'endedAt', 'closeCode', 'by', 'stats', 'violations'].sort(),
    );
    expect(row).toMatchObject({
      conn: 1,
      path: '/chat?room=1',
      state: 'closed',
      handshakeOk: true,
      subprotocol: null,
      extensions: [],
      closeCode: 1000,
      by: 'client',
      violations: 0,
      stats: { client: { frames: 3, messages: 2 }, server: { frames: 3, messages: 2 } },
    });
    expect(row.client).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(row.endedAt).toBeGreaterThanOrEqual(row.startedAt);
  });

  test("GET /api/connections/:conn/events: that connection's events as NDJSON, the same objects the NDJSON sink gets", async () => {
    const { proxy, inspector, log } = await startInspected();
    await converse(proxy.url, ['a']);
    await converse(proxy.url, ['b']);
    await log.end(2);
    const reply = await request(inspector, '/api/connections/2/events');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/x-ndjson');
    expect(ndjson(reply.body)).toEqual(JSON.parse(JSON.stringify(log.forConn(2))));
    // Data frames carry their first payload bytes for the page's hex view.
    const frame = ndjson(reply.body).find((e) => e.type === 'frame' && e.from === 'client' && e.opcode === 1);
    expect(frame.payloadHead).toBe('62');

    for (const [path, status] of [['/api/connections/9/events', 404], ['/api/connections/x/events', 400], ['/api/nothing', 404]] as const) {
      const bad = await request(inspector, path);
      expect(bad.status, path).toBe(status);
      expect(JSON.parse(bad.body), path).toEqual({ error: expect.any(String) });
    }
    expect((await request(inspector, '/api/connections', { method: 'POST' })).status).toBe(405);
    expect((await request(inspector, '/api/events')).status).toBe(426);
  });

  test('live WebSocket: the backlog first, then live events, all in wire order, batched', async () => {
    const { proxy, inspector, log } = await startInspected();
    await converse(proxy.url, ['before']);
    await log.end(1);
    const started = Date.now();
    const { batches } = await follow(inspector);
    await waitUntil(() => batches.flat().length === log.events.length, 'the backlog');
    expect(batches[0]).toEqual(JSON.parse(JSON.stringify(log.events))); // the whole backlog in one message

    // A burst: 500 messages pipelined on one connection (2000+ events).
    const ws = new WebSocket(proxy.url, { perMessageDeflate: false });
    await once(ws, 'open');
    let echoed = 0;
    ws.on('message', () => echoed++);
    for (let i = 0; i < 500; i++) ws.send(`burst ${i}`);
    await waitUntil(() => echoed === 500, 'the echoes');
    ws.close(1000);
    await log.end(2);
    await waitUntil(() => batches.flat().length === log.events.length, 'the live events');
    const elapsed = Date.now() - started;

    expect(batches.flat()).toEqual(JSON.parse(JSON.stringify(log.events)));
    // Batching: at most one message per tick, so far fewer messages than events.
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(elapsed / TICK_MS) + 1);
    expect(batches.length).toBeLessThan(log.events.length / 10);
  });

  test('two pages follow independently; a page that connects late still gets everything from the start', async () => {
    const { proxy, inspector, log } = await startInspected();
    const first = await follow(inspector);
    await converse(proxy.url, ['x', 'y']);
    await log.end(1);
    const second = await follow(inspector);
    const expected = JSON.parse(JSON.stringify(log.events));
    await waitUntil(() => first.batches.flat().length === expected.length && second.batches.flat().length === expected.length, 'both pages');
    expect(first.batches.flat()).toEqual(expected);
    expect(second.batches.flat()).toEqual(expected);
  });

  test('exports: HAR 1.2 (valid, with the messages) and NDJSON, of everything or ?conn=N; pcapng only with a recording (409 without)', async () => {
    const { proxy, inspector, log } = await startInspected();
    await converse(proxy.url, ['hello']);
    await converse(proxy.url, ['world', 'again']);
    await log.end(2);

    const har = await request(inspector, '/api/export.har');
    expect(har.status).toBe(200);
    expect(har.headers['content-disposition']).toBe('attachment; filename="wsinspect.har"');
    const all = JSON.parse(har.body);
    await validateHar(all); // rejects with the schema errors when invalid
    expect(all.log.version).toBe('1.2');
    expect(all.log.entries.map((e: { _webSocketMessages: Array<{ data: string }> }) => e._webSocketMessages.map((m) => m.data))).toEqual([
      ['hello', 'hello'],
      ['world', 'world', 'again', 'again'],
    ]);
    const one = JSON.parse((await request(inspector, '/api/export.har?conn=2')).body);
    await validateHar(one);
    expect(one.log.entries).toHaveLength(1);

    const everything = await request(inspector, '/api/export.ndjson');
    expect(everything.headers['content-type']).toBe('application/x-ndjson');
    expect(ndjson(everything.body)).toEqual(JSON.parse(JSON.stringify(log.events)));
    const conn1 = await request(inspector, '/api/export.ndjson?conn=1');
    expect(conn1.headers['content-disposition']).toBe('attachment; filename="wsinspect-conn-1.ndjson"');
    expect(ndjson(conn1.body)).toEqual(JSON.parse(JSON.stringify(log.forConn(1))));

    expect((await request(inspector, '/api/export.ndjson?conn=7')).status).toBe(404);
    expect((await request(inspector, '/api/export.har?conn=-1')).status).toBe(400);
    const pcap = await request(inspector, '/api/export.pcapng');
    expect(pcap.status).toBe(409);
    expect(JSON.parse(pcap.body)).toEqual({ error: expect.stringContaining('--pcap') });
  });

  test('--keep: past the budget the oldest closed connections are dropped and the page is told how many', async () => {
    const { proxy, inspector, log, store } = await startInspected({ keep: 12_000 });
    const { batches } = await follow(inspector);
    for (let i = 0; i < 12; i++) await converse(proxy.url, [`message ${i} `.repeat(20)]);
    await log.end(12);
    const stats = JSON.parse((await request(inspector, '/api/stats')).body);
    expect(stats.droppedConnections).toBeGreaterThan(0);
    expect(stats.keptBytes).toBeLessThanOrEqual(12_000);
    const rows = JSON.parse((await request(inspector, '/api/connections')).body);
    expect(rows.map((r: { conn: number }) => r.conn)).toEqual(store.summaries().map((s) => s.conn));
    expect(rows.length + stats.droppedConnections).toBe(12);
    expect(rows.at(-1).conn).toBe(12); // the newest stay
    expect((await request(inspector, '/api/connections/1/events')).status).toBe(404);
    await waitUntil(() => batches.flat().some((e) => (e as { type: string }).type === 'evicted'), 'an evicted event');
    const evicted = batches.flat().filter((e) => (e as { type: string }).type === 'evicted') as Array<{ conns: number[]; droppedConnections: number }>;
    expect(evicted.flatMap((e) => e.conns)).toContain(1);
  });

  test('GET / serves the built page (CSP, content types, ETag); without a build it is a clear 503', async () => {
    const { inspector } = await startInspected();
    const page = await request(inspector, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    const script = /<script[^>]*src="([^"]+)"/.exec(page.body)![1]!;
    const js = await request(inspector, `/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const again = await request(inspector, `/${script}`, { headers: { 'if-none-match': js.headers.etag! } });
    expect(again.status).toBe(304);
    expect((await request(inspector, '/assets/../../package.json')).status).toBe(404);
    expect((await request(inspector, '/assets/%2e%2e/%2e%2e/package.json')).status).toBe(404);

    const empty = mkdtempSync(join(tmpdir(), 'wsinspect-noui-'));
    onCleanup(() => rmSync(empty, { recursive: true, force: true }));
    const unbuilt = (await startInspected({ uiDir: empty })).inspector;
    const missing = await request(unbuilt, '/');
    expect(missing.status).toBe(503);
    expect(missing.body).toContain('npm run build');
  });
});
