import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { register, runEcho } from '../../src/cli/echo.js';
import { UsageError } from '../../src/cli/errors.js';
import { startEchoServer } from '../../src/echo/echo-server.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function program(): Command {
  const root = new Command('wsinspect').exitOverride();
  register(root);
  return root;
}

/** Resolves with the first text runEcho prints. */
function firstStdoutLine(): Promise<string> {
  return new Promise((resolve) => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      resolve(String(chunk));
      return true;
    });
  });
}

describe('wsinspect echo', () => {
  it('documents its options and the default port in --help', () => {
    const help = program().commands.find((command) => command.name() === 'echo')!.helpInformation();
    for (const option of ['--listen', '--host', '--port', '--deflate', '--prefix', '--echo-engine']) expect(help).toContain(option);
    expect(help).toContain('9001');
  });

  it.each([
    ['--listen', { listen: '127.0.0.1:0' }],
    ['--host and --port', { host: '127.0.0.1', port: '0' }],
  ])('with %s: prints where it listens and its engine, echoes with the prefix, and stops when told', async (_, address) => {
    const printed = firstStdoutLine();
    let stop!: () => void;
    const running = runEcho({ ...address, prefix: 'Received: ' }, new Promise<void>((r) => (stop = r)));

    const line = await printed;
    const match = /^echo server listening on (ws:\/\/127\.0\.0\.1:(\d+)\/) \(demo page: http:\/\/127\.0\.0\.1:\2\/\)\n  engine: (uWebSockets\.js 20\.|ws; )/.exec(line);
    expect(match, line).not.toBeNull();

    const client = new WebSocket(match![1]!);
    await new Promise((resolve) => client.once('open', resolve));
    const reply = new Promise<string>((resolve) => client.once('message', (data) => resolve(String(data))));
    client.send('Hello, world!');
    expect(await reply).toBe('Received: Hello, world!');

    const clientClosed = new Promise<number>((resolve) => client.once('close', resolve));
    stop();
    await running;
    expect(await clientClosed).toBe(1001);
  });

  it.each(['abc', '-1', '65536', '80.5', ''])('rejects port %j as a usage error', async (port) => {
    await expect(program().parseAsync(['echo', '--port', port], { from: 'user' })).rejects.toThrow(
      new UsageError(`invalid port "${port}": expected an integer from 0 to 65535`),
    );
  });

  it.each(['[::1]:0', 'localhost:0'])('--listen %s binds that address', async (listen) => {
    const printed = firstStdoutLine();
    let stop!: () => void;
    const running = runEcho({ listen }, new Promise<void>((r) => (stop = r)));
    expect(await printed).toMatch(listen.startsWith('[') ? /listening on ws:\/\/\[::1\]:\d+\// : /listening on ws:\/\/localhost:\d+\//);
    stop();
    await running;
  });

  it('refuses --listen together with --host or --port', async () => {
    await expect(program().parseAsync(['echo', '--listen', '127.0.0.1:0', '--port', '0'], { from: 'user' })).rejects.toThrow(
      new UsageError('--listen replaces --host and --port: give one or the other'),
    );
  });

  it.each(['uws', 'ws'] as const)('turns a port in use into a one-line usage error (%s engine, where it loads)', async (echoEngine) => {
    const taken = await startEchoServer();
    try {
      const failure = runEcho({ listen: `127.0.0.1:${taken.port}`, echoEngine }, new Promise(() => {}));
      await expect(failure).rejects.toBeInstanceOf(UsageError);
      const usable = echoEngine === 'ws' || taken.engine.startsWith('uWebSockets.js');
      await expect(failure).rejects.toThrow(usable ? `cannot listen on 127.0.0.1:${taken.port}: port already in use` : '--echo-engine uws: ');
    } finally {
      await taken.close();
    }
  });
});
