/**
 * An event's JSON text, as the NDJSON output and the inspector's store both
 * need it. The proxy hands each event to the store and then to the NDJSON
 * sink, so the last event's text is remembered: with --json and the
 * inspector on, each event is serialized once, not twice.
 */
import type { WireEvent } from '../inspector/events.js';
import { DecodedMessage } from '../inspector/message-event.js';
import { DecodedFrame } from '../inspector/frame-event.js';

let lastEvent: WireEvent | null = null;
let lastJson = '';

export function eventJson(event: WireEvent): string {
  if (event !== lastEvent) {
    lastJson = event instanceof DecodedFrame ? frameJson(event) : event instanceof DecodedMessage ? messageJson(event) : JSON.stringify(event);
    lastEvent = event;
  }
  return lastJson;
}

/** `"conn":N,"ts":T,` of a stamped event, or nothing. */
function stampJson(e: { conn?: number; ts?: number }): string {
  return `${e.conn === undefined ? '' : `"conn":${e.conn},`}${e.ts === undefined ? '' : `"ts":${e.ts},`}`;
}

/**
 * A decoded frame's line, written field by field (the same text as
 * JSON.stringify, which a test holds it to): JSON.stringify of the frame,
 * the most common event, was the proxy's largest cost with --json. Every
 * string here is hex, a fixed name or a side; only a close reason needs escaping.
 */
export function frameJson(f: DecodedFrame): string {
  let json =
    `{"type":"frame",${stampJson(f)}"from":"${f.from}","fin":${f.fin},"rsv1":${f.rsv1},"rsv2":${f.rsv2},"rsv3":${f.rsv3},` +
    `"opcode":${f.opcode},"opcodeName":"${f.opcodeName}","masked":${f.masked},"maskKey":${f.maskKey === null ? 'null' : `"${f.maskKey}"`},` +
    `"payloadLength":${f.payloadLength},"headerLength":${f.headerLength},"wireLength":${f.wireLength},"offset":${f.offset},"lengthBits":${f.lengthBits}`;
  if (f.payloadHead !== undefined) json += `,"payloadHead":"${f.payloadHead}"`;
  if (f.messageKind !== undefined) json += `,"messageKind":${f.messageKind === null ? 'null' : `"${f.messageKind}"`}`;
  if (f.compressed !== undefined) json += `,"compressed":${f.compressed}`;
  if (f.payloadHex !== undefined) json += `,"payloadHex":"${f.payloadHex}"`;
  if (f.close !== undefined) json += `,"close":${JSON.stringify(f.close)}`;
  if (f.injected !== undefined) json += ',"injected":true';
  return `${json}}`;
}

/**
 * A decoded message's line, written field by field (the same text as
 * JSON.stringify of its toJSON, which a test holds it to): no object is built
 * for it. Base64 never needs escaping, so it goes in whole: JSON.stringify
 * scanning a 64 KiB preview's base64 (87 KB) took ~140 µs, most of the
 * proxy's cost per 1 MiB message.
 */
export function messageJson(m: DecodedMessage): string {
  const stamp = stampJson(m);
  const body = m.kind === 'text' ? `"text":${JSON.stringify(m.text)}` : `"base64":"${m.base64}"`;
  return (
    `{"type":"message",${stamp}"from":"${m.from}","kind":"${m.kind}","frames":${m.frames},"compressed":${m.compressed},` +
    `"wireBytes":${m.wireBytes},"size":${m.size},"truncated":${m.truncated},${body}${m.injected ? ',"injected":true' : ''}}`
  );
}
