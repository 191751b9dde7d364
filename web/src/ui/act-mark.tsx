/**
 * What wsinspect did to a timeline row: injected it (`send`, the composer),
 * put it in place of a held message (an edit), or held it (--intercept) and
 * then forwarded, edited, dropped it, or forwarded it at the timeout. A frame
 * shows its message's hold, so the frames view says it too.
 */
import type { HoldState, Row } from '../model/store.js';
import { watchBatches } from '../state.js';

const SAID: Record<HoldState, string> = {
  held: 'held',
  forward: 'held · forwarded',
  edit: 'held · edited',
  drop: 'held · dropped',
  timeout: 'held · timed out, forwarded',
  unsent: 'held · never sent (connection ended)',
};

const TOLD: Record<HoldState, string> = {
  held: 'held by --intercept: waiting to be forwarded, edited or dropped (see the intercept panel)',
  forward: 'held by --intercept, then forwarded unchanged',
  edit: 'held by --intercept, then replaced by an edited message (the injected one after it)',
  drop: 'held by --intercept, then dropped: the receiver never got it',
  timeout: 'held by --intercept until its timeout, then forwarded unchanged',
  unsent: 'held by --intercept when its connection ended: never sent',
};

/** The row's CSS classes for these marks (a dropped message is struck through). */
export function actClasses(row: Row): string {
  const hold = holdOf(row);
  return [injected(row) ? 'injected' : '', hold ? `hold-${hold.state}` : ''].join(' ');
}

export function ActMark({ row }: { row: Row }) {
  watchBatches();
  const hold = holdOf(row);
  const editOf = row.kind === 'note' ? null : row.editOf;
  return (
    <>
      {injected(row) && (
        <span class="badge injected-mark" title={editOf === null ? 'put on the wire by wsinspect' : `put on the wire by wsinspect in place of held message #${editOf}`}>
          {editOf === null ? 'injected' : `injected · edit of #${editOf}`}
        </span>
      )}
      {hold && (
        <span class={`badge hold-mark state-${hold.state}`} title={TOLD[hold.state]}>
          {SAID[hold.state]} #{hold.id}
        </span>
      )}
    </>
  );
}

/** The same in words, for the frame and message details (empty when wsinspect did nothing to it). */
export function actNote(row: Row): string {
  const hold = holdOf(row);
  const editOf = row.kind === 'note' ? null : row.editOf;
  const notes = [
    injected(row) ? (editOf === null ? 'injected by wsinspect' : `injected by wsinspect in place of held message #${editOf}`) : '',
    hold ? `#${hold.id} ${TOLD[hold.state]}` : '',
  ];
  return notes.filter(Boolean).map((note) => ` · ${note}`).join('');
}

function injected(row: Row): boolean {
  return row.kind !== 'note' && row.event.injected === true;
}

function holdOf(row: Row) {
  if (row.kind === 'message') return row.hold;
  return row.kind === 'frame' ? (row.message?.hold ?? null) : null;
}
