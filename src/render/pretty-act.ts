/**
 * The pretty view's lines for what the user did to the traffic: a mark under
 * each frame wsinspect injected, and the held / released lines of --intercept.
 */
import type { HeldEvent, ReleasedEvent } from '../inspector/events.js';
import { indentUnder } from './pretty-lines.js';
import { arrow, connTag, formatBytes, markedLines, type Layout } from './pretty-text.js';
import type { Stamped } from './sink.js';

/** Hangs under an injected frame: it came from wsinspect, not from the peer. */
export function injectedLines(conn: number, layout: Layout): string[] {
  return markedLines(indentUnder(conn), '↳', 'injected by wsinspect', layout.width, layout.chalk.magenta);
}

const RELEASED: Record<ReleasedEvent['action'], string> = {
  forward: 'forwarded unchanged',
  edit: 'forwarded edited',
  drop: 'dropped',
  timeout: 'forwarded unchanged (intercept timeout)',
};

export function heldLines(event: Stamped<HeldEvent>, layout: Layout): string[] {
  const text = `${arrow(event.from)} held #${event.id}: ${event.kind} message, ${formatBytes(event.size)} (release it from the inspector or with wsinspect send --release ${event.id})`;
  return markedLines(connTag(event.conn), '⏸', text, layout.width, layout.chalk.magenta.bold);
}

export function releasedLines(event: Stamped<ReleasedEvent>, layout: Layout): string[] {
  return markedLines(connTag(event.conn), '▶', `released #${event.id}: ${RELEASED[event.action]}`, layout.width, layout.chalk.magenta);
}
