/**
 * The document queue's data side: filters as the `review.queue` call takes them, and a paged cache
 * that loads only the pages the virtualised list shows, so 100,000 notes scroll without loading
 * 100,000 rows.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EntityCategory } from '../../../src-main/nlp/types';
import type { OperationOutcome, Result } from '../../../src-main/api/result';
import type { ReviewQueueItem, ReviewQueuePage, ReviewStatus } from '../../../src-main/review/types';

export type QueueSort = 'score' | 'date' | 'title';

export interface QueueFilters {
  status?: ReviewStatus[];
  reviewer?: string;
  category?: EntityCategory;
  scoreMin?: number;
  scoreMax?: number;
  hasNegated?: boolean;
  /** Title contains. */
  text?: string;
  /** Default: lowest score first. */
  sort?: QueueSort;
}

export type QueueQuery = QueueFilters & { offset: number; count: number };
export type FetchQueuePage = (query: QueueQuery) => Promise<Result<ReviewQueuePage>>;

export const QUEUE_PAGE_SIZE = 200;

/** The filters with empty values left out, so equal filters give equal queries (and cache keys). */
export function normalizeFilters(filters: QueueFilters): QueueFilters {
  const out: QueueFilters = {};
  if (filters.status && filters.status.length > 0 && filters.status.length < 3) out.status = [...filters.status].sort();
  if (filters.reviewer) out.reviewer = filters.reviewer;
  if (filters.category) out.category = filters.category;
  if (filters.scoreMin !== undefined && filters.scoreMin > 0) out.scoreMin = filters.scoreMin;
  if (filters.scoreMax !== undefined && filters.scoreMax < 1) out.scoreMax = filters.scoreMax;
  if (filters.hasNegated) out.hasNegated = true;
  const text = filters.text?.trim();
  if (text) out.text = text;
  if (filters.sort && filters.sort !== 'score') out.sort = filters.sort;
  return out;
}

/** Filters ⇄ the `?` part of `#/review` (a reload or Back keeps the queue as it was). */
export function filtersToQuery(filters: QueueFilters): URLSearchParams {
  const normal = normalizeFilters(filters);
  const query = new URLSearchParams();
  if (normal.status) query.set('status', normal.status.join(','));
  if (normal.reviewer) query.set('reviewer', normal.reviewer);
  if (normal.category) query.set('category', normal.category);
  if (normal.scoreMin !== undefined) query.set('min', String(normal.scoreMin));
  if (normal.scoreMax !== undefined) query.set('max', String(normal.scoreMax));
  if (normal.hasNegated) query.set('negated', '1');
  if (normal.text) query.set('q', normal.text);
  if (normal.sort) query.set('sort', normal.sort);
  return query;
}

const STATUSES: ReviewStatus[] = ['unreviewed', 'in-progress', 'done'];
const CATEGORY = /^[A-Z_]{3,40}$/;

export function filtersFromQuery(query: URLSearchParams): QueueFilters {
  const filters: QueueFilters = {};
  const status = (query.get('status') ?? '').split(',').filter((value): value is ReviewStatus => (STATUSES as string[]).includes(value));
  if (status.length > 0) filters.status = status;
  const reviewer = query.get('reviewer');
  if (reviewer) filters.reviewer = reviewer.slice(0, 100);
  const category = query.get('category');
  if (category && CATEGORY.test(category)) filters.category = category as EntityCategory;
  const score = (name: string): number | undefined => {
    const raw = query.get(name);
    const value = raw === null ? NaN : Number(raw);
    return Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
  };
  const min = score('min');
  const max = score('max');
  if (min !== undefined) filters.scoreMin = min;
  if (max !== undefined) filters.scoreMax = max;
  if (query.get('negated') === '1') filters.hasNegated = true;
  const text = query.get('q');
  if (text) filters.text = text.slice(0, 200);
  const sort = query.get('sort');
  if (sort === 'date' || sort === 'title') filters.sort = sort;
  return normalizeFilters(filters);
}

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
