/** `wsinspect accept KEY [--explain] [--verify ACCEPT]`: the Sec-WebSocket-Accept computation. */
import type { Command } from 'commander';
import { computeAccept, explainAccept, isValidKey } from '../accept-calc/accept.js';
import { escapeForTerminal } from '../render/escape.js';
import { makeChalk } from '../render/color.js';
import { CheckFailed } from './errors.js';

interface AcceptOptions {
  explain?: boolean;
  verify?: string;
}

export function register(program: Command): void {
  program
    .command('accept')
    .description('print the Sec-WebSocket-Accept value for a Sec-WebSocket-Key')
    .argument('<key>', 'the Sec-WebSocket-Key, exactly as sent')
    .option('--explain', 'show each step: key + GUID, SHA-1 in hex, base64')
    .option('--verify <accept>', 'exit 0 when ACCEPT is the right answer for KEY, 1 when not')
    .action((key: string, options: AcceptOptions) => runAccept(key, options));
}

function runAccept(key: string, options: AcceptOptions): void {
  if (!isValidKey(key)) {
    process.stderr.write(
      `warning: "${escapeForTerminal(key)}" is not base64 of 16 bytes; a server must reject it (RFC 6455 4.2.1)\n`,
    );
  }
  if (options.explain) process.stdout.write(renderExplanation(key));
  else if (options.verify === undefined) process.stdout.write(`${computeAccept(key)}\n`);
  if (options.verify !== undefined) verify(key, options.verify);
}

function verify(key: string, actual: string): void {
  const expected = computeAccept(key);
  if (actual !== expected) {
    throw new CheckFailed(`accept mismatch: expected ${expected}, got ${actual}`);
  }
  process.stdout.write(`${makeChalk().green('✔')} accept matches: ${expected}\n`);
}

function renderExplanation(key: string, chalk = makeChalk()): string {
  const steps = explainAccept(key);
  const label = (text: string) => chalk.bold(text.padEnd(22));
  const keyNote = steps.keyBytesHex
    ? chalk.dim(`base64 of 16 bytes: ${steps.keyBytesHex}`)
    : chalk.yellow('not base64 of 16 bytes: servers must reject it');
  return [
    `${label('Sec-WebSocket-Key')}${escapeForTerminal(steps.key)}`,
    `${' '.repeat(22)}${keyNote}`,
    `${label('1. append the GUID')}${escapeForTerminal(steps.key)}${chalk.cyan(steps.guid)}`,
    `${' '.repeat(22)}${chalk.dim('the key string as sent, not decoded; the GUID is fixed by RFC 6455')}`,
    `${label('2. SHA-1 (20 bytes)')}${steps.sha1Hex.replace(/(..)(?!$)/g, '$1 ')}`,
    `${label('3. base64 of digest')}${chalk.green(steps.accept)}`,
    '',
    `Sec-WebSocket-Accept: ${chalk.green(steps.accept)}`,
    '',
  ].join('\n');
}
