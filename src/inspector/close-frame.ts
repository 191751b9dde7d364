/** The payload of a close frame (RFC 6455 5.5.1): an optional 2-byte code, then a UTF-8 reason. */
import { isUtf8 } from 'node:buffer';
import type { CloseInfo, Side, ViolationEvent } from './events.js';
import { closeCodeName, isSendableCloseCode } from './close-codes.js';
import { violation } from './events.js';

export function parseClosePayload(payload: Uint8Array, from: Side): { close: CloseInfo; violations: ViolationEvent[] } {
  const violations: ViolationEvent[] = [];
  if (payload.length === 0) return { close: { code: null, codeName: null, reason: '' }, violations };
  if (payload.length === 1) {
    violations.push(violation('close-payload-length-one', from, 'close frame has a 1-byte payload; a code takes 2 bytes'));
    return { close: { code: null, codeName: null, reason: '' }, violations };
  }
  const code = (payload[0]! << 8) | payload[1]!;
  if (!isSendableCloseCode(code)) {
    violations.push(violation('close-code-invalid', from, `close code ${code} (${closeCodeName(code)}) may not be sent on the wire`));
  }
  const reasonBytes = payload.subarray(2);
  if (!isUtf8(reasonBytes)) {
    violations.push(violation('invalid-utf8', from, 'the close reason is not valid UTF-8'));
  }
  const reason = Buffer.from(reasonBytes.buffer, reasonBytes.byteOffset, reasonBytes.length).toString('utf8');
  return { close: { code, codeName: closeCodeName(code), reason }, violations };
}
