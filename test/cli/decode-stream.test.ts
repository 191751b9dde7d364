/** `decode --file` streams: a 1 GiB input is decoded in bounded memory (peak RSS of the child, not timing). */
import { spawn } from 'node:child_process';
import { openSync, closeSync, writeSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { MAIN, tempDir } from '../helpers/cli.js';

const GiB = 2 ** 30;
const REPORT_RSS = join(import.meta.dirname, '../helpers/report-max-rss.cjs');

/** A server binary frame of 1 GiB of zeros, then a text frame: written sparse, so it costs no disk. */
function bigCapture(): string {
  const file = join(tempDir(), 'big.bin');
  const fd = openSync(file, 'w');
  const header = Buffer.from([0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0]);
  header.writeBigUInt64BE(BigInt(GiB), 2);
  writeSync(fd, header);
  writeSync(fd, Buffer.from('810548656c6c6f', 'hex'), 0, 7, header.length + GiB);
  ftruncateSync(fd, header.length + GiB + 7);
  closeSync(fd);
  return file;
}

async function decodeMeasured(args: string[]): Promise<{ code: number | null; stdout: string; maxRssMiB: number }> {
  const child = spawn(process.execPath, ['--require', REPORT_RSS, MAIN, 'decode', ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const rss = /max-rss-kib (\d+)/.exec(stderr);
  if (!rss) throw new Error(`no RSS report; stderr: ${stderr}`);
  return { code, stdout, maxRssMiB: Number(rss[1]) / 1024 };
}

/**
 * Peak RSS over what the same command needs for a 7-byte file: what the 1 GiB
 * costs, apart from the Node runtime (whose own size differs between versions).
 */
const BUDGET_MIB = 100;

test('a 1 GiB file is decoded in chunks: peak RSS stays within 100 MB of a 7-byte decode, in both views', async () => {
  const file = bigCapture();
  const tiny = join(tempDir(), 'tiny.bin');
  writeFileSync(tiny, Buffer.from('810548656c6c6f', 'hex'));
  const baseline = (await decodeMeasured(['--file', tiny, '--from', 'server'])).maxRssMiB;
  const pretty = await decodeMeasured(['--file', file, '--from', 'server']);
  expect(pretty.code).toBe(0);
  expect(pretty.stdout).toContain(`… (${GiB} bytes in all)`);
  expect(pretty.stdout).toMatch(/text: +"Hello"/);
  expect(pretty.stdout).toContain(`2 frames, 2 messages, ${GiB + 17} bytes`);
  expect(pretty.maxRssMiB - baseline).toBeLessThan(BUDGET_MIB);

  const json = await decodeMeasured(['--file', file, '--from', 'server', '--json']);
  expect(json.code).toBe(0);
  const events = json.stdout.trim().split('\n').map((line) => JSON.parse(line));
  expect(events.map((e) => e.type)).toEqual(['frame', 'message', 'frame', 'message']);
  expect(events[1]).toMatchObject({ kind: 'binary', size: GiB, truncated: true });
  expect(json.maxRssMiB - baseline).toBeLessThan(BUDGET_MIB);
}, 120_000);
