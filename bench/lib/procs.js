// Starting the processes the proxy, memory and connection benchmarks need.
import path from 'node:path';
import { BENCH_DIR, CLI, spawnChild, firstJsonLine, freePort, waitForPort, Rpc, stopChild, commandVersion } from './util.js';

/** The uWS echo server in its own process. */
export async function startEcho({ cpus = null, nofile = null, options = {} } = {}) {
  const child = spawnChild([process.execPath, path.join(BENCH_DIR, 'children/echo.js'), JSON.stringify(options)], { stdout: 'pipe', cpus, nofile });
  const { port } = await firstJsonLine(child);
  return { child, pid: child.pid, port, url: `ws://127.0.0.1:${port}/`, stop: () => stopChild(child) };
}

/** A helper process answering RPCs (bench/children/NAME.js). */
export async function startHelper(name, { cpus = null, nofile = null, nodeArgs = [] } = {}) {
  const child = spawnChild([process.execPath, ...nodeArgs, path.join(BENCH_DIR, `children/${name}.js`)], { stdout: 'inherit', cpus, nofile, ipc: true });
  const rpc = new Rpc(child);
  await rpc.call('ping');
  return { child, pid: child.pid, rpc, stop: () => stopChild(child) };
}

export const RELAYS = {
  plain: '(b) plain Node relay',
  json: '(c) wsinspect --json',
  pretty: '(d) wsinspect pretty',
  mitm: '(e) mitmdump',
  ui: '(f) --json, inspector followed',
  uiPretty: '(g) pretty, inspector followed',
};

export function mitmAvailable() {
  return commandVersion('mitmdump', ['--version']) !== null;
}

/**
 * Starts a relay in front of 127.0.0.1:upstreamPort.
 * kind: 'plain' | 'json' | 'pretty' | 'mitm' | 'ui' ('json' with the web inspector on and a
 * follower on its live WebSocket, like an open page) | 'uiPretty' ('pretty' with the same).
 * stdout: 'devnull' normally, 'pipe' to read the events.
 */
export async function startRelay(kind, upstreamPort, { cpus = null, nofile = null, stdout = 'devnull', nodeArgs = [] } = {}) {
  const port = await freePort();
  let uiPort = null;
  let argv;
  if (kind === 'plain') argv = [process.execPath, ...nodeArgs, path.join(BENCH_DIR, 'children/relay.js'), String(port), String(upstreamPort)];
  else if (kind === 'json' || kind === 'pretty' || kind === 'ui' || kind === 'uiPretty') {
    argv = [process.execPath, ...nodeArgs, CLI, 'proxy', '--listen', `127.0.0.1:${port}`, '--upstream', `ws://127.0.0.1:${upstreamPort}/`];
    argv.push(kind === 'pretty' || kind === 'uiPretty' ? '--no-color' : '--json');
    argv.push(...(kind === 'ui' || kind === 'uiPretty' ? ['--ui', `127.0.0.1:${uiPort = await freePort()}`] : ['--no-ui']));
  } else if (kind === 'mitm') {
    argv = ['mitmdump', '--mode', `reverse:http://127.0.0.1:${upstreamPort}`, '--listen-host', '127.0.0.1', '-p', String(port), '-q'];
  } else throw new Error(`unknown relay ${kind}`);
  const child = spawnChild(argv, { stdout: kind === 'plain' ? 'pipe' : stdout, cpus, nofile });
  if (kind === 'plain') await firstJsonLine(child);
  else await waitForPort(port, 30_000, child);
  // The follower shares CPU 0 with the load generator (where a browser would not be, but it only counts).
  const follower = uiPort === null ? null : spawnChild([process.execPath, path.join(BENCH_DIR, 'children/follower.js'), `ws://127.0.0.1:${uiPort}/api/events`], { stdout: 'pipe', cpus: cpus === null ? null : 0 });
  if (follower) await firstJsonLine(follower);
  const stop = async () => {
    await stopChild(follower);
    await stopChild(child, 'SIGTERM', 10_000);
  };
  const inspector = uiPort === null ? null : `http://127.0.0.1:${uiPort}/`;
  return { kind, child, pid: child.pid, port, url: `ws://127.0.0.1:${port}/`, inspector, stop };
}
