/** `--version` on the program and on every command: the version of the installed package. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

/** package.json ships in every install (npm always packs it), two folders up from dist/cli/. */
export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function addVersionOption(program: Command): void {
  program.version(VERSION, '-V, --version', 'print the version of wsinspect');
  for (const command of program.commands) command.version(VERSION, '--version', 'print the version of wsinspect');
}
