/**
 * Under the timeline: the controls that act on live traffic (the composer,
 * Replay, the Intercept panel), or, when the page shows a saved capture
 * (`wsinspect read FILE --ui`), one line saying why there are none: nothing
 * is live, so nothing can be sent, held or replayed (the server refuses too).
 */
import type { Connection } from '../model/store.js';
import { liveProxy } from '../state.js';
import { Composer } from './composer.js';
import { InterceptPanel } from './intercept-panel.js';
import { ReplayPanel } from './replay-panel.js';

export function ActPanels({ conn }: { conn: Connection | undefined }) {
  const live = liveProxy.value;
  // Until the server has said which it is, offer nothing rather than controls that may vanish.
  if (live === null) return null;
  if (!live) {
    return (
      <p class="act act-capture" role="note">
        A saved capture: nothing to send to, hold or replay here (<code>wsinspect replay FILE --conn N</code> re-sends a recorded connection to a server).
      </p>
    );
  }
  const selected = conn && conn.request ? conn.conn : null;
  return (
    <div class="act">
      <Composer conn={selected} />
      <ReplayPanel conn={selected} />
      <InterceptPanel />
    </div>
  );
}
