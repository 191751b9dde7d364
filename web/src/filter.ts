/**
 * The filter box's expression, parsed by the shared filter language
 * (src/filter: the same one as `proxy --filter`), as a predicate over the
 * store's rows. A frame is judged with its violations and, for data frames,
 * its message (so a message's frames show with it).
 */
import { computed } from '@preact/signals';
import { hostOf, tryParseFilter, type FilterSubject } from '../../src/filter/index.js';
import type { Row } from './model/store.js';
import { filterText, store } from './state.js';

export const parsedFilter = computed(() => tryParseFilter(filterText.value));

export const rowPredicate = computed<((row: Row) => boolean) | null>(() => {
  const parsed = parsedFilter.value;
  if (!parsed.ok || parsed.filter.empty) return null;
  const filter = parsed.filter;
  return (row) => filter.matches(subjectOf(row));
});

function subjectOf(row: Row): FilterSubject {
  const upstream = store.connections.get(row.event.conn)?.upstream ?? null;
  const subject: FilterSubject = { event: row.event, violations: row.violations, host: upstream ? hostOf(upstream) : null };
  if (row.kind === 'frame' && row.message) subject.message = row.message.event;
  return subject;
}
