// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { VaultProbe } from '../../../src-main/api/contract';
import type { Result } from '../../../src-main/api/result';
import { ApiProvider } from '../../../src-renderer/src/api/context';
import { useApiCall, useApiQuery } from '../../../src-renderer/src/api/hooks';
import { err, fakeClient, ok, outcome } from './fake-client';

afterEach(cleanup);

/** Answers held back until the test releases them, to control their order. */
function deferredProbes() {
  const pending = new Map<string, (result: Result<unknown>) => void>();
  const { client, calls } = fakeClient({
    'vault.probe': (input) => new Promise((resolve) => pending.set(String(input.path), resolve)),
    'vault.lock': () => err(outcome('exception', 'The vault could not be locked')),
  });
  const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider client={client}>{children}</ApiProvider>;
  const answer = (path: string): VaultProbe => ({ path, exists: true, isVault: true, canCreate: false });
  return { pending, calls, wrapper, answer };
}

describe('useApiQuery', () => {
  it('reports loading when its inputs change and drops answers to older requests', async () => {
    const { pending, wrapper, answer } = deferredProbes();
    const { result, rerender } = renderHook(({ path }) => useApiQuery((api) => api.vault.probe({ path }), [path]), {
      wrapper,
      initialProps: { path: '/a' },
    });
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(pending.has('/a')).toBe(true));
    await act(async () => pending.get('/a')!(ok(answer('/a'))));
    expect(result.current.loading).toBe(false);
    expect(result.current.data?.path).toBe('/a');

    rerender({ path: '/b' });
    // Same render as the change: already loading, never "settled with /a's data".
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(pending.has('/b')).toBe(true));
    rerender({ path: '/c' });
    await waitFor(() => expect(pending.has('/c')).toBe(true));
    await act(async () => pending.get('/c')!(ok(answer('/c'))));
    await act(async () => pending.get('/b')!(ok(answer('/b'))));
    expect(result.current.data?.path).toBe('/c');
    expect(result.current.loading).toBe(false);
  });

  it('runs again on reload and skips when the query returns null', async () => {
    const { pending, calls, wrapper, answer } = deferredProbes();
    const { result } = renderHook(() => useApiQuery((api) => api.vault.probe({ path: '/r' }), []), { wrapper });
    await waitFor(() => expect(pending.has('/r')).toBe(true));
    await act(async () => pending.get('/r')!(ok(answer('/r'))));
    act(() => result.current.reload());
    await waitFor(() => expect(calls.filter((call) => call.channel === 'vault.probe')).toHaveLength(2));

    const skipped = renderHook(() => useApiQuery<VaultProbe>(() => null, []), { wrapper });
    await waitFor(() => expect(skipped.result.current.loading).toBe(false));
    expect(skipped.result.current.data).toBeUndefined();
  });
});

describe('useApiCall', () => {
  it('exposes the outcome of a failed call and clears it', async () => {
    const { wrapper } = deferredProbes();
    const { result } = renderHook(() => useApiCall((api) => api.vault.lock({})), { wrapper });
    let answer: Result<unknown> | undefined;
    await act(async () => {
      answer = await result.current.run();
    });
    expect(answer?.ok).toBe(false);
    expect(result.current.error?.issue?.[0]?.diagnostics).toBe('The vault could not be locked');
    act(() => result.current.clearError());
    expect(result.current.error).toBeUndefined();
  });
});
