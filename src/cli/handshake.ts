/**
 * `wsinspect handshake URL`: one opening handshake against a real server,
 * shown byte for byte with every check, then a clean close. Exit 0 when the
 * handshake is valid, 1 with the reason in one line when it is not.
 */
import type { Command } from 'commander';
import { addClientOptions, createReport, failWith, parseClientOptions, type ClientCliOptions, type ClientIO } from '../client/cli-options.js';
import { ClientConnection } from '../client/connection.js';
import { openWebSocket } from '../client/open.js';
import { EXIT_OK } from './errors.js';

/** How long the server gets to answer our close frame (at most --timeout). */
const CLOSE_WAIT_MS = 2000;

const HELP_AFTER = `
Examples:
  wsinspect handshake wss://example.com/socket
  wsinspect handshake ws://127.0.0.1:9001/ --protocol chat -H "Authorization: Bearer x"

Exit status: 0 the handshake is valid, 1 it is not (the reason is on stderr), 2 usage error.`;

export function register(program: Command): void {
  addClientOptions(program.command('handshake'))
    .description('perform an opening handshake against a server and check every step')
    .addHelpText('after', HELP_AFTER)
    .action(async (url: string, options: ClientCliOptions) => {
      process.exitCode = await runHandshake(url, options, process);
    });
}

export async function runHandshake(url: string, options: ClientCliOptions, io: ClientIO): Promise<number> {
  const { endpoint, settings } = parseClientOptions(url, options);
  const report = createReport(options, io);
  const opened = await openWebSocket(endpoint, settings, report);
  if (!opened.ok) {
    await report.close();
    return failWith(opened.reason, io);
  }
  // The handshake is valid whatever follows: how the server closes is reported, not judged in the exit code.
  const connection = new ClientConnection({
    ...opened,
    emit: (event) => report.event(event),
    closeWaitMs: Math.min(CLOSE_WAIT_MS, settings.timeoutMs),
  });
  connection.close(1000);
  await connection.ended;
  await report.close();
  return EXIT_OK;
}
