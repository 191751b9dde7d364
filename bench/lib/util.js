// Shared helpers for the benchmarks: statistics, /proc readers, child processes, tables.
import { spawn, fork, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, openSync, closeSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import Table from 'cli-table3';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ROOT = path.dirname(BENCH_DIR);
/** The build under test: dist/, or BENCH_DIST=/other/dist to measure a proposed change with the same harness. */
export const DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(ROOT, 'dist');
export const CLI = path.join(DIST, 'cli/main.js');
export const require = createRequire(import.meta.url);
/** The benchmark sections (bench/NAME.js), in the order they run and are tabled. */
export const SECTIONS = ['decoder', 'proxy', 'memory', 'connections', 'capture'];

// ---- statistics ---------------------------------------------------------------

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an unsorted array. */
export function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const rank = Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1));
  return v[rank];
}

export function fmt(x, digits = 2) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (typeof x === 'string') return x;
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  if (a >= 100) return x.toFixed(0);
  return x.toFixed(digits);
}

export function ratioStr(r) {
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a';
}

export function sizeName(bytes) {
  if (bytes >= 1 << 30) return `${bytes / (1 << 30)} GiB`;
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} B`;
}

// ---- /proc --------------------------------------------------------------------

export const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64

/** utime+stime of a process (all threads) in microseconds, or NaN when it is gone. */
export function cpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** A field of /proc/PID/status in bytes (VmRSS, VmHWM...), or NaN. */
export function procStatusBytes(pid, field) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Resets VmHWM to the current RSS (Linux: write 5 to clear_refs). Returns whether it worked. */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Sets the CPU affinity of every thread of a running process (taskset -a -p -c). */
export function setAffinity(pid, cpus) {
  if (!pid) return;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpus), String(pid)], { stdio: 'ignore' });
  } catch {}
}

// ---- machine -----------------------------------------------------------------------

export function commandVersion(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).split('\n')[0].trim();
  } catch {
    return null;
  }
}

export function machine() {
  const cpus = os.cpus();
  let model = cpus[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1].trim();
  } catch {}
  return {
    cpu: model,
    cores: cpus.length,
    cpuMHz: cpus[0]?.speed ?? null,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    ws: require('ws/package.json').version,
    mitmproxy: commandVersion('mitmdump', ['--version']),
    taskset: existsSync('/usr/bin/taskset') || existsSync('/bin/taskset'),
    nodeOptions: process.env.NODE_OPTIONS ?? null,
    benchDist: process.env.BENCH_DIST ?? null,
  };
}

// ---- processes ---------------------------------------------------------------------

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port, timeoutMs = 15_000, child = null) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited (code ${child.exitCode}) before listening on ${port}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Spawns `argv` (optionally pinned to `cpus` with taskset, optionally with a raised
 * open-files limit through bash, both of which exec so the pid is the program's),
 * stdout to `stdout` ('devnull', 'pipe', 'inherit' or 'ignore').
 */
export function spawnChild(argv, { cpus = null, nofile = null, stdout = 'ignore', stderr = 'pipe', env = {}, ipc = false } = {}) {
  let cmd = argv;
  if (cpus !== null) cmd = ['taskset', '-c', String(cpus), ...cmd];
  if (nofile !== null) {
    const quoted = cmd.map((a) => `'${String(a).replace(/'/g, `'\\''`)}'`).join(' ');
    cmd = ['bash', '-c', `ulimit -n ${nofile} 2>/dev/null || ulimit -n $(ulimit -Hn); exec ${quoted}`];
  }
  let out = stdout;
  let fd = null;
  if (stdout === 'devnull') {
    fd = openSync('/dev/null', 'w');
    out = fd;
  }
  const stdio = ['ignore', out, stderr];
  if (ipc) stdio.push('ipc');
  const child = spawn(cmd[0], cmd.slice(1), { stdio, env: { ...process.env, ...env } });
  if (fd !== null) closeSync(fd);
  child.stderrText = '';
  child.stderr?.on('data', (d) => {
    if (child.stderrText.length < 20_000) child.stderrText += d;
  });
  child.once('exit', (code, signal) => {
    child.exitInfo = { code, signal };
  });
  return child;
}

export async function stopChild(child, signal = 'SIGTERM', timeoutMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(t);
}

/** Reads one JSON line from a child's stdout (children announce readiness that way). */
export function firstJsonLine(child, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`no ready line; stderr: ${child.stderrText}`)), timeoutMs);
    const onData = (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        child.stdout.off('data', onData);
        try {
          resolve(JSON.parse(buf.slice(0, nl)));
        } catch (e) {
          reject(e);
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`child exited (${code}) before it was ready; stderr: ${child.stderrText}`));
    });
  });
}

/** A forked helper (node ESM file in bench/children) that answers {id, ...} requests over IPC. */
export class Rpc {
  constructor(child) {
    this.child = child;
    this.nextId = 1;
    this.waiting = new Map();
    child.on('message', (msg) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.error) w.reject(new Error(msg.error));
      else w.resolve(msg.result);
    });
    child.once('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`helper exited (${code ?? signal}): ${child.stderrText ?? ''}`));
      this.waiting.clear();
    });
  }
  call(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, method, params });
    });
  }
}

/** Serves {id, method, params} requests in a helper process. */
export function serveRpc(methods) {
  process.on('message', async (msg) => {
    try {
      const result = await methods[msg.method](msg.params);
      process.send({ id: msg.id, result });
    } catch (err) {
      process.send({ id: msg.id, error: err?.stack ?? String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

export { fork };

// ---- tables ---------------------------------------------------------------------------

export function table(head, rows, title = null) {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((c) => (typeof c === 'number' ? fmt(c) : String(c ?? ''))));
  return (title ? `\n${title}\n` : '\n') + t.toString();
}

/** A target line for the final table. */
export function target(section, name, value, met, detail = '') {
  return { section, target: name, value, met, detail };
}
