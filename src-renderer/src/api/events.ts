/** Run-time check of pushed events: the socket carries untrusted text until proven otherwise. */
import type { HearthEvent } from '../../../src-main/api/contract';

/**
 * The payload field of every event type. Typed against HearthEvent so that a new event type in the
 * contract fails to compile here instead of being dropped in the browser (as 'nlp' once was).
 */
const PAYLOAD_FIELD: { [K in HearthEvent['type']]: Exclude<keyof Extract<HearthEvent, { type: K }>, 'type'> } = {
  job: 'job',
  vault: 'status',
  settings: 'settings',
  nlp: 'status',
};

export function parseHearthEvent(value: unknown): HearthEvent | null {
  if (typeof value !== 'object' || value === null) return null;
  const candidate = value as Record<string, unknown>;
  const isObject = (field: unknown): boolean => typeof field === 'object' && field !== null;
  const kind = candidate.type;
  if (typeof kind !== 'string' || !Object.hasOwn(PAYLOAD_FIELD, kind)) return null;
  // The services are trusted to fill the payload; checking its outer shape catches strays.
  return isObject(candidate[PAYLOAD_FIELD[kind as HearthEvent['type']]]) ? (value as HearthEvent) : null;
}

/** A tiny listener set shared by the transports. */
export class EventHub<T> {
  private readonly listeners = new Set<(value: T) => void>();

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      // One faulty listener must not stop the others from hearing about a lock.
      try {
        listener(value);
      } catch (error) {
        console.error('Event listener failed', error instanceof Error ? error.name : 'unknown');
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
