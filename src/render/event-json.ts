/**
 * An event's JSON text, as the NDJSON output and the inspector's store both
 * need it. The proxy hands each event to the store and then to the NDJSON
 * sink (with the inspector on, that sink is used only with --filter or
 * --json-lossy: otherwise --json prints the store's bytes), so the last
 * event's text is remembered: each event is serialized once, not twice.
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

/** The last stamp written: a connection's frame and message of one read share it (ts is in ms). */
let lastConn: number | undefined;
let lastTs: number | undefined;
let lastStamp = '';

/** `"conn":N,"ts":T,` of a stamped event, or nothing. Writing a 13-digit ts was a fifth of a frame's line. */
function stampJson(e: { conn?: number; ts?: number }): string {
  if (e.conn !== lastConn || e.ts !== lastTs) {
    lastConn = e.conn;
    lastTs = e.ts;
    lastStamp = `${e.conn === undefined ? '' : `"conn":${e.conn},`}${e.ts === undefined ? '' : `"ts":${e.ts},`}`;
  }
  return lastStamp;
}

/**
 * `"from":…,"maskKey":` of a frame, by everything it depends on (side, the
 * first header byte, the mask bit): 1024 shapes at most, a handful in use.
 */
const frameHeads: (string | undefined)[] = [];

function frameHead(f: DecodedFrame): string {
  const shape = (f.from === 'client' ? 1 : 0) | (f.fin ? 2 : 0) | (f.rsv1 ? 4 : 0) | (f.rsv2 ? 8 : 0) | (f.rsv3 ? 16 : 0) | (f.masked ? 32 : 0) | (f.opcode << 6);
  return (frameHeads[shape] ??=
    `"from":"${f.from}","fin":${f.fin},"rsv1":${f.rsv1},"rsv2":${f.rsv2},"rsv3":${f.rsv3},` +
    `"opcode":${f.opcode},"opcodeName":"${f.opcodeName}","masked":${f.masked},"maskKey":`);
}

/**
 * A decoded frame's line, written field by field (the same text as
 * JSON.stringify, which a test holds it to): JSON.stringify of the frame,
 * the most common event, was the proxy's largest cost with --json. Every
 * string here is hex, a fixed name or a side; only a close reason needs escaping.
 * What depends only on the header's shape is made once (frameHead).
 */
export function frameJson(f: DecodedFrame): string {
  let json =
    `{"type":"frame",${stampJson(f)}${frameHead(f)}${f.maskKey === null ? 'null' : `"${f.maskKey}"`},` +
    `"payloadLength":${f.payloadLength},"headerLength":${f.headerLength},"wireLength":${f.wireLength},"offset":${f.offset},"lengthBits":${f.lengthBits}`;
  if (f.payloadHead !== undefined) json += `,"payloadHead":"${f.payloadHead}"`;
  if (f.messageKind !== undefined) json += f.messageKind === null ? ',"messageKind":null' : f.messageKind === 'text' ? ',"messageKind":"text"' : ',"messageKind":"binary"';
  if (f.compressed !== undefined) json += f.compressed ? ',"compressed":true' : ',"compressed":false';
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
