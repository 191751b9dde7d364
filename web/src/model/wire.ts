/**
 * The page's names for the events it receives: exactly the core's WireEvent
 * (src/inspector/events.ts, the one definition), narrowed by type.
 */
import type { WireEvent } from '../../../src/inspector/events.js';

export type { WireEvent };
export type Side = 'client' | 'server';
export type Wire<T extends WireEvent['type']> = Extract<WireEvent, { type: T }>;
/**
 * Contract fields ("More event fields") that the core's types gain with the
 * connection refactor; until then they are read as optional, and a missing
 * one is unknown, never invented.
 */
interface FrameExtras {
  payloadHex?: string;
  messageKind?: 'text' | 'binary' | null;
  compressed?: boolean;
  injected?: true;
}
export type FrameWire = Wire<'frame'> & FrameExtras;
export type MessageWire = Wire<'message'> & { injected?: true };
export type ViolationWire = Wire<'violation'>;
