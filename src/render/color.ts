/**
 * One place decides whether output is coloured: never with --no-color or the
 * NO_COLOR environment variable (no-color.org), always with FORCE_COLOR set to
 * a non-zero level, otherwise only when the stream is a terminal.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface ColorChoice {
  /** false when the user passed --no-color (commander sets `color: false`). */
  color?: boolean;
  stream?: { isTTY?: boolean };
}

export function wantsColor({ color, stream = process.stdout }: ColorChoice = {}): boolean {
  if (color === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return Boolean(stream.isTTY);
}

export function makeChalk(choice: ColorChoice = {}): ChalkInstance {
  return new Chalk({ level: wantsColor(choice) ? 1 : 0 });
}
