/** `wsinspect key`: a fresh random Sec-WebSocket-Key. */
import type { Command } from 'commander';
import { generateKey } from '../accept-calc/accept.js';

export function register(program: Command): void {
  program
    .command('key')
    .description('print a fresh random Sec-WebSocket-Key (16 random bytes, base64)')
    .action(() => {
      process.stdout.write(`${generateKey()}\n`);
    });
}
