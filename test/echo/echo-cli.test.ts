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

/** Resolves with the first line runEcho prints. */
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
    for (const option of ['--host', '--port', '--deflate', '--prefix']) expect(help).toContain(option);
    expect(help).toContain('9001');
  });

  it('prints where it listens, echoes with the prefix, and stops when told', async () => {
    const printed = firstStdoutLine();
    let stop!: () => void;
    const running = runEcho({ host: '127.0.0.1', port: '0', prefix: 'Received: ' }, new Promise<void>((r) => (stop = r)));

    const line = await printed;
    const match = /^echo server listening on (ws:\/\/127\.0\.0\.1:(\d+)\/) \(demo page: http:\/\/127\.0\.0\.1:\2\/\)\n$/.exec(line);
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

  it('turns a port in use into a one-line usage error', async () => {
    const taken = await startEchoServer();
    try {
      const failure = runEcho({ host: '127.0.0.1', port: String(taken.port) });
      await expect(failure).rejects.toBeInstanceOf(UsageError);
      await expect(failure).rejects.toThrow(`cannot listen on 127.0.0.1:${taken.port}: address in use`);
    } finally {
      await taken.close();
    }
  });
});
