/**
 * The page's names for the events it receives: exactly the core's WireEvent
 * (src/inspector/events.ts, the one definition), narrowed by type.
 */
import type { WireEvent } from '../../../src/inspector/events.js';
import type { EvictedEvent, LiveEvent } from '../../../src/ui/live-events.js';

export type { EvictedEvent, LiveEvent, WireEvent };
export type Side = 'client' | 'server';
export type Wire<T extends WireEvent['type']> = Extract<WireEvent, { type: T }>;
export type FrameWire = Wire<'frame'>;
export type MessageWire = Wire<'message'>;
export type ViolationWire = Wire<'violation'>;
