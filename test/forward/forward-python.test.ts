/** python `websockets` (Debian's, 10.x) through the forward proxy over a raw CONNECT, to ws:// and wss://. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startEchoServer } from '../../src/echo/echo-server.js';
import { onCleanup } from '../helpers/net.js';
import { serverCert, startForwardProxy, startWssEcho } from '../helpers/forward.js';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./py-through-proxy.py', import.meta.url));

function runPython(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(PY, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup(() => child.kill());
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

test.each(['ws', 'wss'] as const)('python websockets through CONNECT to %s://', async (scheme) => {
  expect(existsSync(PY), 'python3 with websockets (Debian: apt-get install python3-websockets)').toBe(true);
  let url: string;
  if (scheme === 'ws') {
    const echo = await startEchoServer({ port: 0 });
    onCleanup(() => echo.close());
    url = echo.url;
  } else {
    url = `wss://localhost:${await startWssEcho()}/py`;
  }
  const { log, port, ca } = await startForwardProxy({ upstreamCa: serverCert });
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-py-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certificatePem);

  const result = await runPython([String(port), url, caFile]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual({ reply: 'from python' });
  expect((await log.next('connection')).upstream).toBe(scheme === 'ws' ? url : url.replace('/py', '/'));
  expect(await log.next('message', (m) => m.from === 'client')).toMatchObject({ text: 'from python' });
  expect(await log.end(1)).toMatchObject({ clean: true });
});
