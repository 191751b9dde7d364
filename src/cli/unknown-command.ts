/**
 * `wsinspect` alone runs `proxy`, so commander hands a mistyped command name
 * (`wsinspect decod 81 00`) to `proxy`, which then complains about arguments
 * nobody meant for it. Caught before dispatch, it is reported as what it is.
 */
import type { Command } from 'commander';
import leven from 'leven';
import { UsageError } from './errors.js';

/** A preSubcommand hook: throws a UsageError when the first word is not a command name. */
export function rejectUnknownCommand(program: Command, dispatched: Command): void {
  const [word] = program.args;
  if (word === undefined || word.startsWith('-') || word === dispatched.name()) return;
  const nearest = closest(word, program.commands.map((c) => c.name()));
  throw new UsageError(`unknown command '${word}' (${nearest ? `did you mean ${nearest}?` : 'see --help'})`);
}

/** The name within a few edits of `word` (at most 3, and under half its length), if any. */
function closest(word: string, names: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = leven(word, name);
    const near = distance <= Math.min(3, Math.floor(Math.max(word.length, name.length) / 2));
    if (near && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}
