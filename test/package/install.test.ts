/**
 * The package as a user installs it: `npm pack`, then `npm install -g` of the
 * tarball into a clean prefix (dependencies from the local npm cache when it
 * has them), then the installed `wsinspect` on this Node. Plus the manifest
 * facts npm checks: the lock file in sync, every install script decided.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { name?: string; hasInstallScript?: boolean } & Partial<typeof manifest>>;
};
const run = promisify(execFile);

describe('the manifest', () => {
  test('the lock file records exactly the dependencies package.json asks for', () => {
    const root = lock.packages['']!;
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'] as const) {
      expect(root[field] ?? {}, field).toEqual(manifest[field] ?? {});
    }
  });

  test('every locked package with an install script is decided in allowScripts (npm warns about the others)', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path && entry.hasInstallScript)
      .map(([path, entry]) => entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(manifest.allowScripts, name).toHaveProperty([name]);
  });

  test('engines names the Node versions CI tests (20, 22, 24 and newer), and this Node is one', () => {
    expect(manifest.engines.node).toBe('^20 || ^22 || >=24');
    const major = Number(process.versions.node.split('.')[0]);
    expect(major === 20 || major === 22 || major >= 24).toBe(true);
  });
});

describe('npm pack, then npm install -g of the tarball', () => {
  let dir: string;
  let files: string[];
  let bin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wsinspect-pack-'));
    // npm test has just built dist/; --ignore-scripts keeps pack from rebuilding it under running tests.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = info!.files.map((file) => file.path);
    const prefix = join(dir, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, info!.filename)], {
      cwd: dir,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    bin = join(prefix, 'bin', 'wsinspect');
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the tarball holds the built program and README, no sources, tests, bench or source maps', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/cli/main.js', 'dist/echo/ws-echo.js', 'dist/ui/index.html']));
    for (const file of files) {
      expect(file, file).toMatch(/^(package\.json|README\.md|LICENSE|dist\/.+)$/);
      expect(file, file).not.toMatch(/\.map$|^dist\/(test|bench)\//);
    }
  });

  test('the installed wsinspect prints its version and computes an accept value, quietly', async () => {
    expect(await run(bin, ['--version'])).toEqual({ stdout: `${manifest.version}\n`, stderr: '' });
    expect(await run(bin, ['accept', 'dGhlIHNhbXBsZSBub25jZQ=='])).toEqual({ stdout: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n', stderr: '' });
  });

  test('the installed plain wsinspect prints its banner and serves the demo page through the proxy', async () => {
    const child = spawn(bin, ['--listen', '127.0.0.1:0', '--ui', '127.0.0.1:0'], { env: { ...process.env, NO_COLOR: '1' } });
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (data) => (stderr += data));
      const page = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`wsinspect exited with ${code}: ${stderr}`)));
        child.stdout.on('data', (data) => {
          stdout += data;
          const url = /open (http:\/\/127\.0\.0\.1:\d+\/) in a browser/.exec(stdout)?.[1];
          if (url && stdout.includes('Ctrl-C')) resolve(url);
        });
      });
      expect(stdout).toMatch(/upstream: ws:\/\/127\.0\.0\.1:\d+\/, the embedded echo server \((uWebSockets\.js 20\.|ws; uWebSockets\.js )/);
      const response = await fetch(page);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('WebSocket Echo Test');
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
