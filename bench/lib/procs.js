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
};

export function mitmAvailable() {
  return commandVersion('mitmdump', ['--version']) !== null;
}

/**
 * Starts a relay in front of 127.0.0.1:upstreamPort.
 * kind: 'plain' | 'json' | 'pretty' | 'mitm'. stdout: 'devnull' normally, 'pipe' to read the events.
 */
export async function startRelay(kind, upstreamPort, { cpus = null, nofile = null, stdout = 'devnull', nodeArgs = [] } = {}) {
  const port = await freePort();
  let argv;
  if (kind === 'plain') argv = [process.execPath, ...nodeArgs, path.join(BENCH_DIR, 'children/relay.js'), String(port), String(upstreamPort)];
  else if (kind === 'json' || kind === 'pretty') {
    argv = [process.execPath, ...nodeArgs, CLI, 'proxy', '--listen', `127.0.0.1:${port}`, '--upstream', `ws://127.0.0.1:${upstreamPort}/`];
    argv.push(kind === 'json' ? '--json' : '--no-color', '--no-ui');
  } else if (kind === 'mitm') {
    argv = ['mitmdump', '--mode', `reverse:http://127.0.0.1:${upstreamPort}`, '--listen-host', '127.0.0.1', '-p', String(port), '-q'];
  } else throw new Error(`unknown relay ${kind}`);
  const child = spawnChild(argv, { stdout: kind === 'plain' ? 'pipe' : stdout, cpus, nofile });
  if (kind === 'plain') await firstJsonLine(child);
  else await waitForPort(port, 30_000, child);
  return { kind, child, pid: child.pid, port, url: `ws://127.0.0.1:${port}/`, stop: () => stopChild(child, 'SIGTERM', 10_000) };
}
