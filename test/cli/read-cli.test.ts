/** `wsinspect read` through the built CLI, as a user runs it. */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { conversationPcapng, UPGRADE_REQUEST, UPGRADE_RESPONSE } from '../capture/conversation.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');
const FIXTURES = join(import.meta.dirname, '../../fixtures/captures');
const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'read', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const dir = mkdtempSync(join(tmpdir(), 'wsinspect-read-'));
const KEY = Buffer.from([9, 8, 7, 6]);

function capture(name: string, frames: Uint8Array[]): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    conversationPcapng([
      ['client', UPGRADE_REQUEST],
      ['server', UPGRADE_RESPONSE],
      ...frames.map((f, i): ['client' | 'server', Uint8Array] => [i % 2 === 0 ? 'client' : 'server', f]),
      ['client', 'fin'],
      ['server', 'fin'],
    ]),
  );
  return path;
}

const clean = capture('clean.pcapng', [
  encodeFrame({ opcode: 1, payload: 'hi', maskKey: KEY }),
  encodeFrame({ opcode: 1, payload: 'hi' }),
  encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]), maskKey: Buffer.from([1, 1, 1, 1]) }),
  encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]) }),
]);
const unmasked = capture('unmasked.pcapng', [encodeFrame({ opcode: 1, payload: 'hi' })]);
const jsonLines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('wsinspect read', () => {
  it('shows a pcapng as the proxy would, exit 0', () => {
    const result = run(clean);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('#1 ▶ 127.0.0.1:40000 → ws://127.0.0.1:9000/');
    expect(result.stdout).toContain('"hi"');
    expect(result.stdout).toContain('closed cleanly by client: 1000 Normal Closure');
    expect(result.stderr).toBe('');
  });

  it('exits 1 on an error violation, and on a warning only with --strict', () => {
    const bad = run(unmasked, '--json');
    expect(bad.status).toBe(1);
    expect(jsonLines(bad.stdout).some((e) => e.rule === 'client-frame-unmasked')).toBe(true);
    const weak = capture('weak.pcapng', [
      encodeFrame({ opcode: 1, payload: 'x', maskKey: Buffer.alloc(4) }), // mask-key-weak: a warning
      encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]) }),
      encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]), maskKey: KEY }),
    ]);
    expect(run(weak).status).toBe(0);
    expect(run(weak, '--strict').status).toBe(1);
  });

  it('reads a Chrome HAR', () => {
    const result = run(join(FIXTURES, 'chrome-websocket.har'));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Hello, été 😀');
    expect(result.stdout).toContain('closing not recorded');
  });

  it('reads its own NDJSON back to the same events', () => {
    const first = run(clean, '--json');
    const ndjson = join(dir, 'events.ndjson');
    writeFileSync(ndjson, first.stdout);
    const again = run(ndjson, '--json');
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(first.stdout);
  });

  it('writes a HAR that reads back to the same messages', () => {
    const har = join(dir, 'out.har');
    const first = run(clean, '--json', '--har', har);
    expect(first.status).toBe(0);
    const fromHar = jsonLines(run(har, '--json').stdout).filter((e) => e.type === 'message');
    const fromPcap = jsonLines(first.stdout).filter((e) => e.type === 'message');
    expect(fromHar.map((m) => [m.from, m.kind, m.text, m.base64])).toEqual(fromPcap.map((m) => [m.from, m.kind, m.text, m.base64]));
    expect(JSON.parse(readFileSync(har, 'utf8')).log.entries).toHaveLength(1);
  });

  it('numbers the connections of later files after earlier ones; --conn picks one', () => {
    const both = jsonLines(run(clean, unmasked, '--json').stdout);
    expect([...new Set(both.map((e) => e.conn))]).toEqual([1, 2]);
    const second = jsonLines(run(clean, unmasked, '--json', '--conn', '2').stdout);
    expect(second.length).toBeGreaterThan(3);
    expect(second.every((e) => e.conn === 2)).toBe(true);
    // Renumbered, a message keeps its text.
    expect(second.find((e) => e.type === 'message')).toMatchObject({ conn: 2, text: 'hi' });
  });

  it('--filter shows what matches, and an invalid expression is a usage error', () => {
    const server = jsonLines(run(clean, '--json', '--filter', 'server text').stdout);
    expect(server.filter((e) => e.type === 'frame').map((e) => [e.from, e.opcodeName])).toEqual([['server', 'text']]);
    const bad = run(clean, '--filter', 'size>');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^wsinspect: invalid --filter: .*\n$/);
  });

  it('refuses what is not a capture with one line, exit 2', () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello\n');
    const result = run(text);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`wsinspect: ${text}: not a capture: expected a pcap, pcapng, HAR 1.2 or wsinspect NDJSON file\n`);
    expect(run(join(dir, 'missing.pcap')).stderr).toBe(`wsinspect: cannot read ${join(dir, 'missing.pcap')}: no such file\n`);
    const notJson = join(dir, 'bad.har');
    writeFileSync(notJson, '{"log": {"entries": [');
    const har = run(notJson);
    expect(har.status).toBe(2);
    expect(har.stderr).toMatch(/^wsinspect: .*bad\.har: not a HAR file: the JSON does not parse \(.*\)\n$/);
  });

  it('writes the same to a file as to a pipe (a file is written through one reused buffer), long lines too', () => {
    // 64 KiB of NULs: valid text, each escaped as \u0000 in JSON, a line longer than the buffer takes at once.
    const nuls = capture('nuls.pcapng', [encodeFrame({ opcode: 1, payload: Buffer.alloc(65_536), maskKey: KEY })]);
    for (const args of [[clean, nuls, '--json'], [clean, nuls]]) {
      const piped = run(...args);
      const out = join(dir, 'stdout.txt');
      const fd = openSync(out, 'w');
      const toFile = spawnSync(process.execPath, [MAIN, 'read', ...args], { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      closeSync(fd);
      expect(toFile.status).toBe(piped.status);
      expect(readFileSync(out, 'utf8')).toBe(piped.stdout);
    }
    expect(run(nuls, '--json').stdout.length).toBeGreaterThan(6 * 65_536);
  });

  it('shows what a truncated capture holds, then says where it was cut, exit 2', () => {
    const whole = readFileSync(clean);
    const cut = join(dir, 'cut.pcapng');
    writeFileSync(cut, whole.subarray(0, whole.length - 50));
    const result = run(cut, '--json');
    expect(result.status).toBe(2);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ type: 'connection-end' });
    expect(result.stderr).toMatch(/^wsinspect: .*cut\.pcapng: pcapng file truncated: a block cut short at byte \d+\n$/);
  });
});

describe('read --pcap', () => {
  it('rewrites the TCP streams of a packet capture as a pcapng that reads back to the same events; --conn picks one', () => {
    const out = join(dir, 'rewritten.pcapng');
    const first = run(clean, unmasked, '--json', '--pcap', out);
    expect(first.status).toBe(1); // unmasked.pcapng's violation
    const again = run(out, '--json');
    const withoutTs = (text: string) => jsonLines(text).map(({ ts: _ts, durationMs: _d, ...e }) => e);
    expect(withoutTs(again.stdout)).toEqual(withoutTs(first.stdout));
    const second = join(dir, 'second.pcapng');
    expect(run(clean, unmasked, '--pcap', second, '--conn', '2').status).toBe(1);
    const one = jsonLines(run(second, '--json').stdout);
    expect(one.filter((e) => e.type === 'connection')).toHaveLength(1);
    expect(one.some((e) => e.rule === 'client-frame-unmasked')).toBe(true);
  });

  it('refuses a HAR or NDJSON input with one line, exit 2, before writing anything', () => {
    const out = join(dir, 'never.pcapng');
    const har = join(FIXTURES, 'chrome-websocket.har');
    const result = run(clean, har, '--pcap', out);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`wsinspect: cannot write --pcap from ${har}: it is a HAR file, which keeps messages, not the bytes on the wire (use a pcap or pcapng)\n`);
    expect(result.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    const ndjson = join(dir, 'log.ndjson');
    writeFileSync(ndjson, run(clean, '--json').stdout);
    expect(run(ndjson, '--pcap', out).stderr).toMatch(/it is wsinspect NDJSON, which keeps messages/);
  });
});

describe('proxy --pcap', () => {
  it('is a usage error, said at once, when the file cannot be created', () => {
    const result = spawnSync(process.execPath, [MAIN, 'proxy', '--listen', '127.0.0.1:0', '--pcap', join(dir, 'no/such/dir/out.pcapng')], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`wsinspect: cannot write --pcap ${join(dir, 'no/such/dir/out.pcapng')}: no such directory ${join(dir, 'no/such/dir')}\n`);
  });
});

describe('read --ui', () => {
  it('serves what was read in the web inspector until Ctrl-C, then exits with the reading\'s status', async () => {
    const child = spawn(process.execPath, [MAIN, 'read', unmasked, '--json', '--ui', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /inspector: (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    const connections = (await (await fetch(new URL('/api/connections', url))).json()) as Array<{ conn: number; client: string; violations: unknown }>;
    expect(connections).toHaveLength(1);
    expect(connections[0]).toMatchObject({ conn: 1, client: '127.0.0.1:40000' });
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exit).toBe(1); // the capture holds an error violation
  });
});
