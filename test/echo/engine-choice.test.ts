/**
 * Which echo engine runs, through the built CLI: only the echo server loads
 * uWebSockets.js, never through its noisy JavaScript fallback, and the banner
 * says which engine runs and why. Missing or unloadable uWS builds are made
 * real in a child process by a preload that breaks module resolution or
 * native loading exactly as an absent package or a too-old glibc does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadUws } from '../../src/echo/uws-loader.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');
const NODE_MAJOR = process.versions.node.split('.')[0];
const dir = mkdtempSync(join(tmpdir(), 'wsinspect-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function preload(name: string, source: string): string {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, source);
  return file;
}

/** Reports on stderr, at exit, every uWS file the process loaded. */
const REPORT_UWS = preload(
  'report-uws',
  `process.on('exit', () => {
    const loaded = Object.keys(require('node:module')._cache).filter((f) => /node_modules[\\\\/](uWebSockets\\.js|uws-btc-vision)[\\\\/]/.test(f));
    if (loaded.length) process.stderr.write('uWS loaded: ' + loaded.join(' ') + '\\n');
  });`,
);
/** Every native binary exists but fails to load, as the Node 20-25 builds do on glibc 2.36. */
const OLD_GLIBC = preload(
  'old-glibc',
  `const Module = require('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request.endsWith('.node') ? request : resolve.call(this, request, ...rest);
  };
  Module._extensions['.node'] = (module, file) => {
    throw new Error("/lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.38' not found (required by " + file + ')');
  };`,
);
/** npm skipped both optional uWS builds. */
const NOT_INSTALLED = preload(
  'not-installed',
  `const Module = require('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (request === 'uWebSockets.js' || request === 'uws-btc-vision') throw Object.assign(new Error('Cannot find module ' + request), { code: 'MODULE_NOT_FOUND' });
    return resolve.call(this, request, ...rest);
  };`,
);

function cli(args: string[], preloads: string[] = []) {
  return spawnSync(process.execPath, [...preloads.flatMap((file) => ['-r', file]), MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 20_000,
  });
}

/** Starts a long-running command, returns what it printed once `ready` matches, then stops it with SIGTERM. */
async function banner(args: string[], preloads: string[], ready: RegExp): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [...preloads.flatMap((file) => ['-r', file]), MAIN, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (data) => (stderr += data));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (data) => {
      stdout += data;
      if (ready.test(stdout)) resolve();
    }),
  );
  child.kill('SIGTERM');
  return { stdout, stderr, code: await exited };
}

describe('commands other than the echo server never load uWebSockets.js', () => {
  test.each([
    [['accept', 'dGhlIHNhbXBsZSBub25jZQ==']],
    [['key']],
    [['decode', '81', '00']],
    [['--help']],
  ])('%j: no uWS, nothing on stderr', (args) => {
    const result = cli(args, [REPORT_UWS]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  test('proxy --upstream URL starts and stops without uWS, even where no build is installed', async () => {
    for (const preloads of [[REPORT_UWS], [NOT_INSTALLED, REPORT_UWS]]) {
      const run = await banner(['proxy', '--no-ui', '--listen', '127.0.0.1:0', '--upstream', 'ws://127.0.0.1:9/'], preloads, /Ctrl-C/);
      expect(run.stdout).toContain('upstream: ws://127.0.0.1:9/\n');
      expect(run.stderr).toBe('');
    }
  });
});

describe('the echo engine is chosen by what loads, and said', () => {
  test('by default: uWS where a binary loads, else ws with the reason', async () => {
    const uws = loadUws();
    const expected = uws.ok ? `engine: uWebSockets.js ${uws.version}\n` : `engine: ws; uWebSockets.js has no binary for Node ${NODE_MAJOR} on this system`;
    const run = await banner(['echo', '--listen', '127.0.0.1:0'], [], /engine: .*\n/);
    expect(run.stdout).toContain(expected);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  test('a binary that does not load for this libc: ws, saying which glibc uWS needs', async () => {
    const reason = `uWebSockets.js has no binary for Node ${NODE_MAJOR} on this system (its builds need glibc >= 2.38)`;
    const echo = await banner(['echo', '--listen', '127.0.0.1:0'], [OLD_GLIBC], /engine: .*\n/);
    expect(echo.stdout).toContain(`  engine: ws; ${reason}\n`);
    expect(echo.stderr).toBe('');

    const proxy = await banner(['--no-ui', '--listen', '127.0.0.1:0'], [OLD_GLIBC], /Ctrl-C/);
    expect(proxy.stdout).toMatch(new RegExp(`upstream: ws://127\\.0\\.0\\.1:\\d+/, the embedded echo server \\(ws; ${escape(reason)}\\)\n`));
    expect(proxy.stderr).toBe('');

    for (const command of [['echo', '--listen', '127.0.0.1:0'], ['proxy', '--no-ui', '--listen', '127.0.0.1:0']]) {
      const forced = cli([...command, '--echo-engine', 'uws'], [OLD_GLIBC]);
      expect(forced.status).toBe(2);
      expect(forced.stderr).toBe(`wsinspect: --echo-engine uws: ${reason}\n`);
    }
  });

  test('no uWS build installed: ws, saying so', async () => {
    const echo = await banner(['echo', '--listen', '127.0.0.1:0'], [NOT_INSTALLED], /engine: .*\n/);
    expect(echo.stdout).toContain('  engine: ws; uWebSockets.js is not installed\n');
    const forced = cli(['echo', '--listen', '127.0.0.1:0', '--echo-engine', 'uws'], [NOT_INSTALLED]);
    expect(forced.status).toBe(2);
    expect(forced.stderr).toBe('wsinspect: --echo-engine uws: uWebSockets.js is not installed\n');
  });

  test('--echo-engine ws forces the fallback; an unknown engine is a usage error', async () => {
    const proxy = await banner(['proxy', '--no-ui', '--listen', '127.0.0.1:0', '--echo-engine', 'ws'], [REPORT_UWS], /Ctrl-C/);
    expect(proxy.stdout).toContain('the embedded echo server (ws, as asked)');
    expect(proxy.stderr).toBe('');

    const bad = cli(['echo', '--echo-engine', 'nginx']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^wsinspect: option '--echo-engine <engine>' argument 'nginx' is invalid\. Allowed choices are uws, ws\. \(see --help\)\n$/);

    const both = cli(['proxy', '--upstream', 'ws://127.0.0.1:9/', '--echo-engine', 'ws']);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe('wsinspect: --echo-engine configures the embedded echo server; it cannot be used with --upstream\n');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
