/**
 * An event's JSON text, as the NDJSON output and the inspector's store both
 * need it. The proxy hands each event to the store and then to the NDJSON
 * sink, so the last event's text is remembered: with --json and the
 * inspector on, each event is serialized once, not twice.
 */
import type { WireEvent } from '../inspector/events.js';
import { DecodedMessage } from '../inspector/message-event.js';

let lastEvent: WireEvent | null = null;
let lastJson = '';

export function eventJson(event: WireEvent): string {
  if (event !== lastEvent) {
    lastJson = event instanceof DecodedMessage ? messageJson(event) : JSON.stringify(event);
    lastEvent = event;
  }
  return lastJson;
}

/**
 * A decoded message's line, written field by field (the same text as
 * JSON.stringify of its toJSON, which a test holds it to): no object is built
 * for it. Base64 never needs escaping, so it goes in whole: JSON.stringify
 * scanning a 64 KiB preview's base64 (87 KB) took ~140 µs, most of the
 * proxy's cost per 1 MiB message.
 */
export function messageJson(m: DecodedMessage): string {
  const stamp = `${m.conn === undefined ? '' : `"conn":${m.conn},`}${m.ts === undefined ? '' : `"ts":${m.ts},`}`;
  const body = m.kind === 'text' ? `"text":${JSON.stringify(m.text)}` : `"base64":"${m.base64}"`;
  return (
    `{"type":"message",${stamp}"from":"${m.from}","kind":"${m.kind}","frames":${m.frames},"compressed":${m.compressed},` +
    `"wireBytes":${m.wireBytes},"size":${m.size},"truncated":${m.truncated},${body}${m.injected ? ',"injected":true' : ''}}`
  );
}
