/**
 * `--filter EXPR` for the terminal views: a sink that passes on only what
 * the expression shows (src/filter's stream rules). It never touches what is
 * forwarded; only what is printed.
 */
import { createFilterView, type Filter } from '../filter/index.js';
import type { EventSink } from './sink.js';

export function createFilteredSink(filter: Filter, sink: EventSink): EventSink {
  if (filter.empty) return sink;
  const view = createFilterView(filter);
  let timer: NodeJS.Immediate | null = null;
  // A frame waiting for its violations is decided once the batch of events it came in is over.
  const flush = (): void => {
    timer = null;
    for (const event of view.flush()) sink.write(event);
  };
  return {
    write(event) {
      for (const shown of view.push(event)) sink.write(shown);
      if (filter.needsFollowers) timer ??= setImmediate(flush);
    },
    async close() {
      if (timer) clearImmediate(timer);
      flush();
      await sink.close();
    },
  };
}
