/**
 * Builds a typed HearthApi object from any "call this channel with this payload" function, so
 * the renderer (over IPC or HTTP), the worker client and the tests share one typed surface.
 * Free of Node and zod imports: the renderer and the preload bundle it.
 */
import type { HearthApi } from './contract';
import { API_METHODS, channelName } from './methods';
import type { Result } from './result';

export type CallChannel = (channel: string, payload: unknown) => Promise<Result<unknown>>;

export function createApi(call: CallChannel): HearthApi {
  const api: Record<string, Record<string, (input: unknown) => Promise<Result<unknown>>>> = {};
  for (const [domain, methods] of Object.entries(API_METHODS)) {
    const fns: Record<string, (input: unknown) => Promise<Result<unknown>>> = {};
    for (const method of methods as readonly string[]) {
      const channel = channelName(domain, method);
      fns[method] = (input: unknown) => call(channel, input ?? {});
    }
    api[domain] = fns;
  }
  return api as unknown as HearthApi;
}
