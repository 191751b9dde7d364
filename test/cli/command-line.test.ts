/** The command line as a newcomer meets it: typos, a stdout closed early (`| head`), wrong file names. */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { MAIN, proxyUrl, run, tempDir, until } from '../helpers/cli.js';

const runSync = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

describe('a mistyped command', () => {
  test.each([
    [['decod', '81', '00'], "wsinspect: unknown command 'decod' (did you mean decode?)\n"],
    [['decod', '--from', 'client', '81'], "wsinspect: unknown command 'decod' (did you mean decode?)\n"],
    [['hanshake', 'ws://127.0.0.1:1/'], "wsinspect: unknown command 'hanshake' (did you mean handshake?)\n"],
    [['zzzzz'], "wsinspect: unknown command 'zzzzz' (see --help)\n"],
  ])('%j: one line naming it, exit 2', (args, stderr) => {
    const result = runSync(...args);
    expect(result.stderr).toBe(stderr);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  });

  test('a real command name still runs', () => {
    expect(runSync('key').status).toBe(0);
  });
});

describe('a stdout closed early stops the command quietly', () => {
  test('decode --json | head -1', async () => {
    const file = join(tempDir(), 'many.bin');
    writeFileSync(file, Buffer.from('810548656c6c6f'.repeat(2_000), 'hex'));
    for (const args of [['--json'], []]) {
      const decode = run(['decode', '--file', file, '--from', 'server', ...args]);
      await until(() => decode.stdout().includes('\n'), 'the first line', 30_000);
      decode.child.stdout!.destroy();
      expect(await decode.exited).toBe(0);
      expect(decode.stderr()).not.toMatch(/EPIPE|Error|at /);
    }
  }, 60_000); // two CLI runs; slow when the machine is loaded

  test('proxy --json | head -1: the proxy shuts down in order and still writes its HAR', async () => {
    const har = join(tempDir(), 'session.har');
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--json', '--har', har]);
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
    proxy.child.stdout!.destroy();
    // The first event written (this connection's) finds stdout closed.
    const ws = new WebSocket(url);
    ws.on('error', () => {});
    expect(await proxy.exited).toBe(0);
    ws.terminate();
    expect(proxy.stderr()).not.toMatch(/EPIPE|Error|at /);
    expect(JSON.parse(readFileSync(har, 'utf8')).log.version).toBe('1.2');
  });
});

describe('files named on the command line are checked before anything starts', () => {
  test.each([
    ['swapped --tls-cert and --tls-key', (pem: Pem) => ['--tls-cert', pem.key, '--tls-key', pem.cert], /--tls-cert and --tls-key are swapped/],
    ['a key that is not the certificate\'s', (pem: Pem) => ['--tls-cert', pem.cert, '--tls-key', pem.otherKey], /--tls-key .* is not the key of the certificate/],
    ['a missing --tls-key', (pem: Pem) => ['--tls-cert', pem.cert, '--tls-key', '/nonexistent/key.pem'], /cannot read --tls-key \/nonexistent\/key\.pem: no such file/],
    ['--har in a directory that does not exist', () => ['--har', '/nonexistent/dir/x.har'], /cannot write --har \/nonexistent\/dir\/x\.har: no such directory/],
  ])('%s: exit 2 with one line, before anything starts', async (_name, args, message) => {
    const proxy = run(['--listen', '127.0.0.1:0', '--no-ui', ...args(makeCertificates())]);
    expect(await proxy.exited).toBe(2);
    expect(proxy.stderr()).toMatch(message);
    expect(proxy.stderr().trim().split('\n')).toHaveLength(1);
    expect(proxy.stdout()).toBe('');
  });

  test('read --har in a directory that does not exist: exit 2 before reading', async () => {
    const read = run(['read', '/nonexistent/capture.pcap', '--har', '/nonexistent/dir/x.har']);
    expect(await read.exited).toBe(2);
    expect(read.stderr()).toMatch(/cannot write --har/);
  });

  test('a HAR that cannot be written at the end goes to the current directory, saying where', async () => {
    const dir = tempDir();
    const cwd = tempDir();
    mkdirSync(join(dir, 'gone'));
    const proxy = run(['--listen', '127.0.0.1:0', '--no-ui', '--json', '--har', join(dir, 'gone', 'x.har')], { cwd });
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
    rmSync(join(dir, 'gone'), { recursive: true });
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once('open', r));
    ws.send('keep me');
    await new Promise((r) => ws.once('message', r));
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(1);
    ws.terminate();
    const [saved] = readdirSync(cwd);
    expect(proxy.stderr()).toContain(`cannot write --har ${join(dir, 'gone', 'x.har')} (its directory is gone); wrote ${join(cwd, saved!)} instead`);
    const entry = JSON.parse(readFileSync(join(cwd, saved!), 'utf8')).log.entries[0];
    expect(entry._webSocketMessages.map((m: { data: string }) => m.data)).toEqual(['keep me', 'keep me']);
  });
});

/** A self-signed certificate for localhost, its key, and an unrelated key (openssl is installed here). */
interface Pem {
  cert: string;
  key: string;
  otherKey: string;
}

function makeCertificates(): Pem {
  const dir = tempDir();
  const paths = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), otherKey: join(dir, 'other-key.pem') };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(paths.otherKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', paths.key, '-out', paths.cert, '-subj', '/CN=localhost', '-days', '1']);
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  return paths;
}
