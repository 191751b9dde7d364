/**
 * `wsinspect handshake URL`: one opening handshake against a real server,
 * shown byte for byte with every check, then a clean close. Exit 0 when the
 * handshake is valid, 1 with the reason in one line when it is not.
 */
import type { Command } from 'commander';
import { addClientOptions, createReport, openConnection, parseClientOptions, type ClientCliOptions, type ClientIO } from './client-options.js';
import { EXIT_OK } from './errors.js';

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
  const connection = await openConnection(endpoint, settings, report, io);
  if (typeof connection === 'number') return connection;
  // The handshake is valid whatever follows: how the server closes is reported, not judged in the exit code.
  connection.close(1000);
  await connection.ended;
  await report.close();
  return EXIT_OK;
}
