/**
 * The document queue's data side: filters as the `review.queue` call takes them, and a paged cache
 * that loads only the pages the virtualised list shows, so 100,000 notes scroll without loading
 * 100,000 rows.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { OperationOutcome, Result } from '../../../src-main/api/result';
import type { ReviewQueueItem, ReviewQueuePage } from '../../../src-main/review/types';
import { normalizeFilters, type QueueFilters } from './queue-filters';

export { filtersFromQuery, filtersToQuery, normalizeFilters, type QueueFilters, type QueueSort } from './queue-filters';

export type QueueQuery = QueueFilters & { offset: number; count: number };
export type FetchQueuePage = (query: QueueQuery) => Promise<Result<ReviewQueuePage>>;

export const QUEUE_PAGE_SIZE = 200;

export interface PagedQueue {
  total: number | undefined;
  /** The row at `index`, once its page has arrived. */
  item(index: number): ReviewQueueItem | undefined;
  /** Loads the pages holding rows start..end (inclusive) that are not loaded or loading. */
  ensure(start: number, end: number): void;
  error: OperationOutcome | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * Pages of the queue for `filters`; changing the filters starts over (answers for older filters
 * are dropped). Rows are fetched by page of QUEUE_PAGE_SIZE as the list asks for them.
 */
export function usePagedQueue(filters: QueueFilters, fetchPage: FetchQueuePage, pageSize = QUEUE_PAGE_SIZE): PagedQueue {
  const key = JSON.stringify(normalizeFilters(filters));
  const [generation, setGeneration] = useState(0);
  const [state, setState] = useState<{ total?: number; error?: OperationOutcome; version: number }>({ version: 0 });
  const pages = useRef(new Map<number, ReviewQueueItem[]>());
  const inFlight = useRef(new Set<number>());
  const current = useRef({ key, generation });
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback(
    (page: number) => {
      if (pages.current.has(page) || inFlight.current.has(page)) return;
      inFlight.current.add(page);
      const asked = { ...current.current };
      const query: QueueQuery = { ...(JSON.parse(asked.key) as QueueFilters), offset: page * pageSize, count: pageSize };
      void fetchRef.current(query).then((result) => {
        if (asked.key !== current.current.key || asked.generation !== current.current.generation) return;
        inFlight.current.delete(page);
        if (!result.ok) {
          setState((previous) => ({ ...previous, error: result.error, version: previous.version + 1 }));
          return;
        }
        pages.current.set(page, result.value.items);
        setState((previous) => ({ total: result.value.total, version: previous.version + 1 }));
      });
    },
    [pageSize],
  );

  useEffect(() => {
    current.current = { key, generation };
    pages.current = new Map();
    inFlight.current = new Set();
    setState((previous) => ({ version: previous.version + 1 }));
    load(0);
  }, [key, generation, load]);

  const ensure = useCallback(
    (start: number, end: number) => {
      if (state.total === undefined) return;
      const last = Math.min(end, state.total - 1);
      for (let page = Math.floor(Math.max(0, start) / pageSize); page * pageSize <= last; page += 1) load(page);
    },
    [load, pageSize, state.total],
  );

  const item = useCallback(
    (index: number) => pages.current.get(Math.floor(index / pageSize))?.[index % pageSize],
    // The version changes whenever a page arrives, so rows re-read the cache.
    [pageSize, state.version],
  );

  return {
    total: state.total,
    item,
    ensure,
    error: state.error,
    loading: state.total === undefined && state.error === undefined,
    reload: () => setGeneration((value) => value + 1),
  };
}
