/**
 * The review queue's filters as `review.queue` takes them, and their place in the route
 * (`#/review?status=done&min=0.2`), without React: the router imports this.
 */
import type { EntityCategory } from '../../../src-main/nlp/types';
import type { ReviewStatus } from '../../../src-main/review/types';

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

