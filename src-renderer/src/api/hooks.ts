/**
 * Loading / error / data state for API calls. Results are values, so a hook never has to catch:
 * `error` is the OperationOutcome of a failed call.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type DependencyList } from 'react';
import type { HearthApi } from '../../../src-main/api/contract';
import type { OperationOutcome, Result } from '../../../src-main/api/result';
import { useApi } from './context';

export interface QueryState<T> {
  data: T | undefined;
  error: OperationOutcome | undefined;
  loading: boolean;
  /** Runs the call again (Retry buttons, refresh after an import). */
  reload: () => void;
}

/** Runs `query` on mount and whenever `deps` change; stale answers are dropped. */
export function useApiQuery<T>(
  query: (api: HearthApi) => Promise<Result<T>> | null,
  deps: DependencyList,
): QueryState<T> {
  const api = useApi();
  const [generation, setGeneration] = useState(0);
  // A fresh identity whenever the inputs change: an answer is only "current" for its request,
  // so a render right after the inputs changed says loading instead of showing stale data.
  // The caller lists what its query reads in `deps` (like useEffect itself).
  const request = useMemo(() => ({}), [api, generation, ...deps]);
  const [state, setState] = useState<{ request?: object; data?: T; error?: OperationOutcome; loading: boolean }>({
    loading: true,
  });
  const queryRef = useRef(query);
  queryRef.current = query;

  useEffect(() => {
    let current = true;
    const pending = queryRef.current(api);
    if (!pending) {
      setState({ request, loading: false });
      return;
    }
    setState((previous) => ({ ...previous, loading: true }));
    void pending.then((result) => {
      if (!current) return;
      setState(result.ok ? { request, data: result.value, loading: false } : { request, error: result.error, loading: false });
    });
    return () => {
      current = false;
    };
  }, [api, request]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  const settled = state.request === request && !state.loading;
  // Data of an earlier request stays visible while the next loads (tables dim rather than blank).
  return { data: state.data, error: settled ? state.error : undefined, loading: !settled, reload };
}

export interface CallState<A extends unknown[], T> {
  run: (...args: A) => Promise<Result<T>>;
  loading: boolean;
  error: OperationOutcome | undefined;
  clearError: () => void;
}

/** A call made on demand (a button): tracks loading and the last error. */
export function useApiCall<A extends unknown[], T>(
  call: (api: HearthApi, ...args: A) => Promise<Result<T>>,
): CallState<A, T> {
  const api = useApi();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<OperationOutcome | undefined>(undefined);
  const callRef = useRef(call);
  callRef.current = call;
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(
    async (...args: A): Promise<Result<T>> => {
      setLoading(true);
      setError(undefined);
      const result = await callRef.current(api, ...args);
      if (mounted.current) {
        setLoading(false);
        setError(result.ok ? undefined : result.error);
      }
      return result;
    },
    [api],
  );
  const clearError = useCallback(() => setError(undefined), []);
  return { run, loading, error, clearError };
}
