// Diagnostic: `wsinspect proxy --json` equivalent in-process (startProxy + the NDJSON sink
// to /dev/null), answering memory questions over IPC: process.memoryUsage(), old-space
// use and collections, heap snapshots. Used by bench/diag/conn-memory.js.
import { createWriteStream, openSync } from 'node:fs';
import v8 from 'node:v8';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveRpc, DIST } from '../lib/util.js';

const load = (rel) => import(pathToFileURL(path.join(DIST, rel)).href);
const { startProxy } = await load('proxy/proxy-server.js');
const { parseEndpoint } = await load('net/endpoint.js');
const { createNdjsonSink } = await load('render/ndjson.js');

const upstream = process.argv[2];
const out = createWriteStream(null, { fd: openSync('/dev/null', 'w') });
const sink = createNdjsonSink(out);
const proxy = await startProxy({ host: '127.0.0.1', port: 0, upstream: parseEndpoint(upstream), onEvent: (e) => sink.write(e), payloadHeads: true });
// Collections so far: promotion is measured between them (see conn-memory.js).
const collections = { scavenges: 0, full: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) collections[entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR ? 'full' : 'scavenges']++;
}).observe({ entryTypes: ['gc'] });
serveRpc({
  ping: () => 'pong',
  info: () => ({ port: proxy.port, pid: process.pid }),
  memory: () => {
    globalThis.gc?.();
    return process.memoryUsage();
  },
  snapshot: ({ file }) => v8.writeHeapSnapshot(file),
  /** Old space in use now, without collecting first, and the collections so far. */
  oldSpace: () => ({ used: v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space').space_used_size, ...collections }),
});
