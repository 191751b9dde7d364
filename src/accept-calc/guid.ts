/** The GUID RFC 6455 (4.2.2) appends to the key before hashing; its own module so the inspector page can import it without node:crypto. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
