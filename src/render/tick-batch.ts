/**
 * A text output whose writes of one event-loop tick go out as one write.
 * The proxy's views write a line or more per event, at high rates: a write
 * per line costs a syscall each on a pipe, and measured 2-2.5x slower for
 * NDJSON (400k events: 1.2 s against 0.5 s into a pipe).
 */
import type { TextOut } from './sink.js';

/** A tick's text is written at once, or sooner past this many characters, so one burst can't pile up memory. */
const BATCH_CHARS = 64 * 1024;

export function tickBatched(out: TextOut): TextOut & { flush(): void } {
  let batch = '';
  let timer: NodeJS.Immediate | null = null;
  const flush = (): void => {
    if (timer) clearImmediate(timer);
    timer = null;
    if (batch === '') return;
    out.write(batch);
    batch = '';
  };
  return {
    write(text) {
      batch += text;
      if (batch.length >= BATCH_CHARS) flush();
      else timer ??= setImmediate(flush);
      return true;
    },
    flush,
  };
}
