/**
 * The filter box's expression, parsed by the shared filter language
 * (src/filter: the same one as `proxy --filter`), as a predicate over the
 * store's rows. A frame is judged with its violations and, for data frames,
 * its message (so a message's frames show with it).
 *
 * An invalid expression (a typo, or one half typed: `size>` on the way to
 * `size>100`) leaves the timeline as the last valid one made it, while the
 * box says what is wrong: showing everything instead would flash the whole
 * traffic at every keystroke and hide that the filter is not applied.
 */
import { computed } from '@preact/signals';
import { hostOf, parseFilter, tryParseFilter, type Filter, type FilterSubject } from '../../src/filter/index.js';
import type { Row } from './model/store.js';
import { filterText, store } from './state.js';

export const parsedFilter = computed(() => tryParseFilter(filterText.value));

let lastValid: { source: string; filter: Filter } = { source: '', filter: parseFilter('') };

/** The filter the timeline applies: the expression in the box, or the last valid one while it is invalid. */
export const appliedFilter = computed(() => {
  const parsed = parsedFilter.value;
  if (parsed.ok) lastValid = { source: filterText.value.trim(), filter: parsed.filter };
  return lastValid;
});

export const rowPredicate = computed<((row: Row) => boolean) | null>(() => {
  const { filter } = appliedFilter.value;
  if (filter.empty) return null;
  return (row) => filter.matches(subjectOf(row));
});

function subjectOf(row: Row): FilterSubject {
  const upstream = store.connections.get(row.event.conn)?.upstream ?? null;
  const subject: FilterSubject = { event: row.event, violations: row.violations, host: upstream ? hostOf(upstream) : null };
  if (row.kind === 'frame' && row.message) subject.message = row.message.event;
  return subject;
}
