import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { register, runDecode, type DecodeIO, type DecodeOptions } from '../../src/cli/decode.js';
import { UsageError } from '../../src/cli/errors.js';
import { RULE_IDS } from '../../src/inspector/rules.js';
import { columns } from '../../src/render/pretty-text.js';

const HELLO = '81 85 37 fa 21 3d 7f 9f 4d 51 58';
const NOW = 1_700_000_000_000.5;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command in-process with captured output; stdin is empty unless given. */
async function run(hex: string[], options: DecodeOptions = {}, stdin: Buffer | string | null = null): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: DecodeIO = {
    stdin: Readable.from(stdin === null ? [] : [typeof stdin === 'string' ? Buffer.from(stdin) : stdin]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    now: () => NOW,
  };
  const code = await runDecode(hex, { color: false, ...options }, io);
  return { code, stdout, stderr };
}

describe('input', () => {
  test.each([
    ['one word per byte', HELLO.split(' ')],
    ['one quoted argument', [HELLO]],
    ['words of many bytes', ['8185', '37fa213d', '7f9f4d5158']],
    ['0x prefixes and commas', ['0x81,0x85,0x37,0xfa,0x21,0x3d,0x7f,0x9f,0x4d,0x51,0x58']],
    ['colons', ['81:85:37:fa:21:3d:7f:9f:4d:51:58']],
    ['a mix, upper case', ['0X81', '85:37:FA,213d', '0x7f9f4d5158']],
  ])('hex arguments: %s', async (_name, words) => {
    const { code, stdout } = await run(words, { from: 'client' });
    expect(code).toBe(0);
    expect(stdout).toMatch(/text: +"Hello"/);
  });

  test('hex text on stdin', async () => {
    const { code, stdout } = await run([], { from: 'client' }, `${HELLO}\n`);
    expect(code).toBe(0);
    expect(stdout).toMatch(/unmasked: +48 65 6c 6c 6f/);
  });

  test('raw binary on stdin', async () => {
    const { code, stdout } = await run([], { from: 'client' }, Buffer.from(HELLO.replace(/ /g, ''), 'hex'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/text: +"Hello"/);
  });

  describe('--file', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'wsinspect-decode-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('reads raw binary', async () => {
      const file = join(dir, 'hello.bin');
      await writeFile(file, Buffer.from(HELLO.replace(/ /g, ''), 'hex'));
      const { code, stdout } = await run([], { file, from: 'client' });
      expect(code).toBe(0);
      expect(stdout).toMatch(/text: +"Hello"/);
    });

    test('a missing file is a usage error', async () => {
      await expect(run([], { file: join(dir, 'nope.bin') })).rejects.toThrow(/cannot read .*nope\.bin: no such file/);
    });
  });

  test.each([
    [['81', '8'], '"8" has an odd number of hex digits'],
    [['81', 'zz'], 'not hex at column 4 ("z")'],
    [['81 \\x85'], 'not hex at column 1 ("8"): expected \\xHH escapes'],
  ])('bad hex %j is a usage error naming the position', async (words, message) => {
    const failure = run(words);
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toThrow(message);
  });

  test('no input on a terminal is a usage error, not a hang', async () => {
    const io: DecodeIO = {
      stdin: Object.assign(Readable.from([]), { isTTY: true }),
      stdout: { write: () => true },
      stderr: { write: () => true },
      now: () => NOW,
    };
    await expect(runDecode([], {}, io)).rejects.toThrow(/no input/);
  });

  test('empty input is a usage error', async () => {
    await expect(run([], {}, '')).rejects.toThrow('no bytes to decode');
  });
});

describe('direction', () => {
  test('guessed from the MASK bit of the first frame, and said so', async () => {
    const { stdout } = await run([HELLO]);
    expect(stdout).toContain('direction: client (guessed from the MASK bit of the first frame;');
    expect(stdout).toContain('client → server');
    const server = await run(['81 05 48 65 6c 6c 6f']);
    expect(server.stdout).toContain('direction: server (guessed');
    expect(server.code).toBe(0);
  });

  test('--from server on a masked frame is a violation: exit 1', async () => {
    const { code, stdout } = await run([HELLO], { from: 'server' });
    expect(code).toBe(1);
    expect(stdout).not.toContain('guessed');
    expect(stdout).toContain('server → client');
    expect(stdout).toContain('error server-frame-masked (RFC6455 5.1)');
  });
});

describe('--json', () => {
  test('one stamped contract event per line; the guess goes to stderr', async () => {
    const { code, stdout, stderr } = await run([HELLO], { json: true });
    expect(code).toBe(0);
    const events = stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(['frame', 'message']);
    for (const event of events) expect(event).toMatchObject({ conn: 1, ts: NOW });
    expect(events[0]).toMatchObject({
      from: 'client', fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, opcodeName: 'text',
      masked: true, maskKey: '37fa213d', payloadLength: 5, headerLength: 6, wireLength: 11,
    });
    expect(events[1]).toMatchObject({
      from: 'client', kind: 'text', frames: 1, compressed: false, wireBytes: 11, size: 5, text: 'Hello', truncated: false,
    });
    expect(stderr).toContain('direction: client (guessed from the MASK bit');
  });

  test('violations carry the contract fields', async () => {
    const { code, stdout } = await run(['88 01 03'], { json: true, from: 'server' });
    expect(code).toBe(1);
    const violation = stdout.trimEnd().split('\n').map((line) => JSON.parse(line)).find((e) => e.type === 'violation');
    expect(violation).toMatchObject({ conn: 1, from: 'server', rule: 'close-payload-length-one', severity: 'error', section: 'RFC6455 5.5.1' });
    expect(RULE_IDS).toContain(violation.rule);
    expect(typeof violation.message).toBe('string');
  });

  test('--preview limits the text kept', async () => {
    const { stdout } = await run(['81 05 48 65 6c 6c 6f'], { json: true, preview: 2 });
    expect(JSON.parse(stdout.trimEnd().split('\n')[1]!)).toMatchObject({ text: 'He', truncated: true, size: 5 });
  });
});

test('--deflate inflates the RFC 7692 "Hello"', async () => {
  const { code, stdout } = await run(['c1 07 f2 48 cd c9 c9 07 00'], { deflate: true, from: 'server' });
  expect(code).toBe(0);
  expect(stdout).toContain('message: text, 1 frame, compressed, 5 bytes: "Hello"');
  expect(stdout).toMatch(/inflated: +5 bytes from 7/);
});

test('without --deflate, RSV1 is a reserved-bits violation', async () => {
  const { code, stdout } = await run(['c1 07 f2 48 cd c9 c9 07 00'], { from: 'server' });
  expect(code).toBe(1);
  expect(stdout).toContain('reserved-bits');
});

describe('input that ends mid-frame: exit 1', () => {
  test('in the payload', async () => {
    const { code, stdout } = await run(['81 05 48 65 6c 6c 6f 81 05 48 65'], { from: 'server' });
    expect(code).toBe(1);
    expect(stdout).toContain('input ends in the middle of a frame: 2 of 5 payload bytes');
    expect(stdout).toContain('Frame 2 (incomplete)');
  });

  test('in the header', async () => {
    const { code, stdout } = await run(['81 fe 01'], { from: 'client' });
    expect(code).toBe(1);
    expect(stdout).toContain('input ends in the middle of a frame header, after 3 bytes');
  });

  test('with --json the reason goes to stderr', async () => {
    const { code, stdout, stderr } = await run([HELLO.slice(0, -3)], { json: true, from: 'client' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('wsinspect: truncated: input ends in the middle of a frame: 4 of 5 payload bytes\n');
  });

  test('a frame cut short still gets the violations its header shows, and the summary says truncated', async () => {
    // A ping claiming 128 bytes, cut after its header.
    const { code, stdout } = await run(['89 7e 00 80'], { from: 'server' });
    expect(code).toBe(1);
    expect(stdout).toContain('Frame 1 (incomplete)');
    expect(stdout).toContain('error control-frame-too-long (RFC6455 5.5)');
    expect(stdout).toMatch(/Summary: 0 frames, 0 messages, 4 bytes; 1 error, 0 warnings;\s+truncated/);
    const json = await run(['89 7e 00 80'], { from: 'server', json: true });
    expect(JSON.parse(json.stdout)).toMatchObject({ type: 'violation', rule: 'control-frame-too-long', from: 'server' });
  });
});

describe('stdin', () => {
  test.each([
    ['xxd', '00000000: 8105 4865 6c6c 6f                        ..Hello\n'],
    ['hexdump -C', '00000000  81 05 48 65 6c 6c 6f                              |..Hello|\n00000007\n'],
    ['Wireshark', '0000   81 05 48 65 6c 6c 6f                              ..Hello\n'],
    ['\\x escapes', "'\\x81\\x05\\x48\\x65\\x6c\\x6c\\x6f'\n"],
  ])('a %s dump is read as hex', async (_name, text) => {
    const { code, stdout } = await run([], { from: 'server' }, text);
    expect(code).toBe(0);
    expect(stdout).toMatch(/text: +"Hello"/);
    expect(stdout).toContain('1 frame, 1 message, 7 bytes');
  });

  test('text with a bad digit is an error naming its position, not garbage frames', async () => {
    await expect(run([], {}, '81 05 48 65 6c 6c 6g\n')).rejects.toThrow('not hex at column 20 ("g")');
  });

  test('bytes that are clearly binary are decoded raw', async () => {
    const { code, stdout } = await run([], { from: 'server' }, Buffer.from('810548656c6c6f', 'hex'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/text: +"Hello"/);
  });
});

describe('register', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  function program(): { program: Command; out: () => string } {
    let out = '';
    const p = new Command('wsinspect').exitOverride().configureOutput({
      writeOut: (text) => (out += text),
      writeErr: (text) => (out += text),
    });
    register(p);
    return { program: p, out: () => out };
  }

  test('parses the command line and sets the exit code', async () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    const { program: p } = program();
    await p.parseAsync(['decode', '0x81,0x85', '37:fa:21:3d', '7f9f4d5158', '--from', 'server', '--no-color'], { from: 'user' });
    expect(process.exitCode).toBe(1);
    expect(writes.join('')).toContain('server-frame-masked');
  });

  test('--from takes only client or server', async () => {
    const { program: p } = program();
    await expect(p.parseAsync(['decode', '--from', 'both', '81', '00'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
  });

  test('--preview takes a whole number of bytes', async () => {
    const { program: p } = program();
    await expect(p.parseAsync(['decode', '--preview', 'lots', '81', '00'], { from: 'user' })).rejects.toBeInstanceOf(UsageError);
  });

  test('--help lists the input forms with examples', async () => {
    const { program: p, out } = program();
    await expect(p.parseAsync(['decode', '--help'], { from: 'user' })).rejects.toMatchObject({ exitCode: 0 });
    expect(out()).toContain('wsinspect decode 81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(out()).toContain('--file F');
    expect(out()).toContain('| wsinspect decode');
    expect(out()).toContain('0x81,0x85');
  });
});

test('random bytes: every line of the teaching view fits 80 columns, and nothing raw reaches the terminal', async () => {
  let seed = 0x2f6e2b1;
  const random = Buffer.from(Array.from({ length: 4000 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
  for (const from of ['client', 'server'] as const) {
    const { stdout } = await run([random.toString('hex')], { from });
    for (const line of stdout.split('\n')) expect(columns(line), line).toBeLessThanOrEqual(80);
    expect(stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  }
});
