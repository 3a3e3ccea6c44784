/**
 * Loading / error / data state for API calls. Results are values, so a hook never has to catch:
 * `error` is the OperationOutcome of a failed call.
 */
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
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
  const [state, setState] = useState<{ data?: T; error?: OperationOutcome; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const queryRef = useRef(query);
  queryRef.current = query;

  useEffect(() => {
    let current = true;
    const pending = queryRef.current(api);
    if (!pending) {
      setState({ loading: false });
      return;
    }
    setState((previous) => ({ ...previous, loading: true }));
    void pending.then((result) => {
      if (!current) return;
      setState(result.ok ? { data: result.value, loading: false } : { error: result.error, loading: false });
    });
    return () => {
      current = false;
    };
    // The caller lists what its query reads in `deps` (like useEffect itself).
  }, [api, generation, ...deps]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
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
