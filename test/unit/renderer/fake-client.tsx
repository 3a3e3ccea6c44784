/**
 * A RendererClient over an in-test handler map: each channel answers from a function, every call
 * is recorded, and events can be pushed. (A .tsx file so it is type-checked with the DOM library.)
 */
import { createApi } from '../../../src-main/api/client';
import type { HearthEvent } from '../../../src-main/api/contract';
import { err, ok, outcome, type Result } from '../../../src-main/api/result';
import type { RendererClient } from '../../../src-renderer/src/api/types';

export type Handlers = Record<string, (input: Record<string, unknown>) => Result<unknown> | Promise<Result<unknown>>>;

export function fakeClient(handlers: Handlers) {
  const calls: Array<{ channel: string; input: Record<string, unknown> }> = [];
  const listeners = new Set<(event: HearthEvent) => void>();
  const client: RendererClient = {
    platform: 'web',
    api: createApi(async (channel, payload) => {
      const input = (payload ?? {}) as Record<string, unknown>;
      calls.push({ channel, input });
      const handler = handlers[channel];
      return handler ? handler(input) : err(outcome('not-supported', `No fake for ${channel}`));
    }),
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConnectionChange: () => () => undefined,
    close: () => undefined,
  };
  const emit = (event: HearthEvent): void => {
    for (const listener of listeners) listener(event);
  };
  return { client, calls, emit };
}

export { err, ok, outcome };
