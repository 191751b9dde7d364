/**
 * For each violation rule, the sentence of the RFC it enforces, quoted (the
 * inspector page shows it under the violation, so a reader needs no other
 * page). `|Name|` and `_Fail the WebSocket Connection_` are the RFCs' own
 * notation. Where the RFC spreads a rule over several sentences, the one that
 * states the requirement is quoted.
 */
import type { RuleId } from './rules.js';

const UPGRADE_4_1 = 'The request MUST contain an |Upgrade| header field whose value MUST include the "websocket" keyword.';
const GET_4_1 = 'The method of the request MUST be GET, and the HTTP version MUST be at least 1.1.';
const CONTROL_5_5 = 'All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented.';

export const RULE_QUOTES = {
  'handshake-method': GET_4_1,
  'handshake-http-version': GET_4_1,
  'handshake-missing-host':
    'The request MUST contain a |Host| header field whose value contains /host/ plus optionally ":" followed by /port/ (when not using the default port).',
  'handshake-upgrade-header': UPGRADE_4_1,
  'handshake-connection-header': 'The request MUST contain a |Connection| header field whose value MUST include the "Upgrade" token.',
  'handshake-key-invalid':
    'The request MUST include a header field with the name |Sec-WebSocket-Key|. The value of this header field MUST be a nonce consisting of a randomly selected 16-byte value that has been base64-encoded.',
  'handshake-version': 'The request MUST include a header field with the name |Sec-WebSocket-Version|. The value of this header field MUST be 13.',
  'handshake-accept-mismatch':
    'If the response lacks a |Sec-WebSocket-Accept| header field or the |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of the concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" but ignoring any leading and trailing whitespace, the client MUST _Fail the WebSocket Connection_.',
  'handshake-subprotocol-not-offered':
    "If the response includes a |Sec-WebSocket-Protocol| header field and this header field indicates the use of a subprotocol that was not present in the client's handshake (the server has indicated a subprotocol not requested by the client), the client MUST _Fail the WebSocket Connection_.",
  'handshake-extension-not-offered':
    "If the response includes a |Sec-WebSocket-Extensions| header field and this header field indicates the use of an extension that was not present in the client's handshake (the server has indicated an extension not requested by the client), the client MUST _Fail the WebSocket Connection_.",
  'client-frame-unmasked': 'A client MUST mask all frames that it sends to the server.',
  'server-frame-masked': 'A server MUST NOT mask any frames that it sends to the client.',
  'reserved-bits':
    'RSV1, RSV2, RSV3: MUST be 0 unless an extension is negotiated that defines meanings for non-zero values. If a nonzero value is received and none of the negotiated extensions defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_.',
  'reserved-opcode': 'If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_.',
  'control-frame-too-long': CONTROL_5_5,
  'control-frame-fragmented': CONTROL_5_5,
  'unexpected-continuation':
    'A fragmented message consists of a single frame with the FIN bit clear and an opcode other than 0, followed by zero or more frames with the FIN bit clear and the opcode set to 0, and terminated by a single frame with the FIN bit set and an opcode of 0.',
  'expected-continuation':
    'The fragments of one message MUST NOT be interleaved between the fragments of another message unless an extension has been negotiated that can interpret the interleaving.',
  'length-not-minimal':
    "Note that in all cases, the minimal number of bytes MUST be used to encode the length, for example, the length of a 124-byte-long string can't be encoded as the sequence 126, 0, 124.",
  'length-msb-set':
    'If 127, the following 8 bytes interpreted as a 64-bit unsigned integer (the most significant bit MUST be 0) are the payload length.',
  'invalid-utf8':
    'When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_.',
  'close-payload-length-one':
    'If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer (in network byte order) representing a status code with value /code/ defined in Section 7.4.',
  'close-code-invalid':
    '1005 is a reserved value and MUST NOT be set as a status code in a Close control frame by an endpoint. (Likewise 1004, 1006 and 1015; codes 0-999 are not used, 1016-2999 are reserved for this protocol, 5000 and above are undefined.)',
  'data-after-close': 'The application MUST NOT send any more data frames after sending a Close frame.',
  'deflate-rsv1-misuse':
    'An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames and non-first fragments of a data message.',
  'deflate-error':
    'An endpoint uses the following algorithm to decompress a message: append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the payload of the message, and decompress the resulting data using DEFLATE. (Data that does not inflate is not a valid compressed message.)',
  'mask-key-weak':
    'The masking key needs to be unpredictable; thus, the masking key MUST be derived from a strong source of entropy, and the masking key for a given frame MUST NOT make it simple for a server/proxy to predict the masking key for a subsequent frame.',
  'abnormal-closure':
    'If _The WebSocket Connection is Closed_ and no Close control frame was received by the endpoint (such as could occur if the underlying transport connection is lost), _The WebSocket Connection Close Code_ is considered to be 1006.',
} as const satisfies Record<RuleId, string>;

export function ruleQuote(rule: RuleId): string {
  return RULE_QUOTES[rule];
}
