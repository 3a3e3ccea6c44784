/**
 * Hash routes (`#/resources/Patient/123`), so the browser's Back works in web mode and a reload
 * keeps the screen. Parsing never trusts the hash: unknown shapes fall back to Home.
 */

import { filtersFromQuery, filtersToQuery, type QueueFilters } from '../review/queue-filters';

export type Route =
  | { screen: 'home' }
  | { screen: 'resources'; resourceType?: string; page: number; pageSize: number }
  | { screen: 'resource'; resourceType: string; id: string; versionId?: string }
  | { screen: 'import'; jobId?: string }
  | { screen: 'export'; jobId?: string }
  | { screen: 'terminology'; jobId?: string }
  | { screen: 'settings' }
  | { screen: 'review'; filters: QueueFilters }
  | { screen: 'review-document'; documentId: string; filters: QueueFilters }
  | { screen: 'patient'; patientId: string; tab: ChartTab; noteId?: string }
  /** The query screen (docs/query.md); `query` is `Type?params` as the raw query box shows it. */
  | { screen: 'query'; query?: string }
  /** Agreement of two reviewers (`#/agreement?a=&b=&ids=&doc=`): figures, then one note side by side. */
  | { screen: 'review-agreement'; a?: string; b?: string; documentIds?: string[]; documentId?: string }
  /** Annotation export and import (`#/annotations?<queue filters>`): "the current queue filter" is the one it came from. */
  | { screen: 'review-exchange'; filters: QueueFilters }
  /** Sync with FHIR servers (docs/sync.md): `#/sync?server=NAME&job=ID&conflict=Type/id`. */
  | { screen: 'sync'; server?: string; jobId?: string; conflict?: string };

/** The patient chart's sections (docs/patient-chart.md). */
export const CHART_TABS = ['timeline', 'trends', 'notes', 'conditions'] as const;
export type ChartTab = (typeof CHART_TABS)[number];

export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

function positiveInt(value: string | null, fallback: number): number {
  const parsed = value === null ? NaN : Number(value);
  return Number.isInteger(parsed) && parsed >= 1 ? parsed : fallback;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  const segments = pathPart.split('/').filter((part) => part.length > 0).map(safeDecode);
  const query = new URLSearchParams(queryPart);
  const [first, type, id, historyMarker, versionId] = segments;
  switch (first) {
    case 'resources': {
      if (type === undefined) return { screen: 'resources', page: 1, pageSize: DEFAULT_PAGE_SIZE };
      if (!TYPE.test(type)) return { screen: 'resources', page: 1, pageSize: DEFAULT_PAGE_SIZE };
      if (id === undefined) {
        const size = positiveInt(query.get('size'), DEFAULT_PAGE_SIZE);
        return {
          screen: 'resources',
          resourceType: type,
          page: positiveInt(query.get('page'), 1),
          pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
        };
      }
      if (!ID.test(id)) return { screen: 'resources', resourceType: type, page: 1, pageSize: DEFAULT_PAGE_SIZE };
      if (historyMarker === '_history' && versionId && ID.test(versionId)) {
        return { screen: 'resource', resourceType: type, id, versionId };
      }
      return { screen: 'resource', resourceType: type, id };
    }
    case 'import': {
      const jobId = query.get('job');
      return jobId ? { screen: 'import', jobId } : { screen: 'import' };
    }
    case 'export': {
      const jobId = query.get('job');
      return jobId ? { screen: 'export', jobId } : { screen: 'export' };
    }
    case 'terminology': {
      const jobId = query.get('job');
      return jobId ? { screen: 'terminology', jobId } : { screen: 'terminology' };
    }
    case 'settings':
      return { screen: 'settings' };
    case 'review': {
      // The document view keeps the queue's filters, so "next document" follows the same order.
      const filters = filtersFromQuery(query);
      return type !== undefined && ID.test(type) ? { screen: 'review-document', documentId: type, filters } : { screen: 'review', filters };
    }
    case 'patient': {
      if (type === undefined || !ID.test(type)) return { screen: 'home' };
      const tabParam = query.get('tab');
      const tab = (CHART_TABS as readonly string[]).includes(tabParam ?? '') ? (tabParam as ChartTab) : 'timeline';
      const note = query.get('note');
      return note !== null && ID.test(note) ? { screen: 'patient', patientId: type, tab, noteId: note } : { screen: 'patient', patientId: type, tab };
    }
    case 'query': {
      const text = query.get('q');
      return text && text.length <= 8192 ? { screen: 'query', query: text } : { screen: 'query' };
    }
    case 'agreement': {
      const name = (key: string) => query.get(key)?.trim().slice(0, 100) || undefined;
      const a = name('a');
      const b = name('b');
      const documentIds = (query.get('ids') ?? '').split(',').filter((id) => ID.test(id)).slice(0, 1000);
      const documentId = query.get('doc') ?? '';
      return {
        screen: 'review-agreement',
        ...(a ? { a } : {}),
        ...(b ? { b } : {}),
        ...(documentIds.length > 0 ? { documentIds } : {}),
        ...(ID.test(documentId) ? { documentId } : {}),
      };
    }
    case 'annotations':
      return { screen: 'review-exchange', filters: filtersFromQuery(query) };
    case 'sync': {
      const server = query.get('server') ?? '';
      const job = query.get('job') ?? '';
      const conflict = query.get('conflict') ?? '';
      return {
        screen: 'sync',
        ...(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(server) ? { server } : {}),
        ...(job !== '' && job.length <= 100 ? { jobId: job } : {}),
        ...(/^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/.test(conflict) ? { conflict } : {}),
      };
    }
    default:
      return { screen: 'home' };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

export function formatRoute(route: Route): string {
  switch (route.screen) {
    case 'home':
      return '#/';
    case 'resources': {
      if (!route.resourceType) return '#/resources';
      const query = new URLSearchParams();
      if (route.page > 1) query.set('page', String(route.page));
      if (route.pageSize !== DEFAULT_PAGE_SIZE) query.set('size', String(route.pageSize));
      const suffix = query.size > 0 ? `?${query.toString()}` : '';
      return `#/resources/${encodeURIComponent(route.resourceType)}${suffix}`;
    }
    case 'resource': {
      const base = `#/resources/${encodeURIComponent(route.resourceType)}/${encodeURIComponent(route.id)}`;
      return route.versionId ? `${base}/_history/${encodeURIComponent(route.versionId)}` : base;
    }
    case 'import':
      return route.jobId ? `#/import?job=${encodeURIComponent(route.jobId)}` : '#/import';
    case 'export':
      return route.jobId ? `#/export?job=${encodeURIComponent(route.jobId)}` : '#/export';
    case 'terminology':
      return route.jobId ? `#/terminology?job=${encodeURIComponent(route.jobId)}` : '#/terminology';
    case 'settings':
      return '#/settings';
    case 'review':
    case 'review-document': {
      const query = filtersToQuery(route.filters);
      const suffix = query.size > 0 ? `?${query.toString()}` : '';
      return route.screen === 'review' ? `#/review${suffix}` : `#/review/${encodeURIComponent(route.documentId)}${suffix}`;
    }
    case 'patient': {
      const query = new URLSearchParams();
      if (route.tab !== 'timeline') query.set('tab', route.tab);
      if (route.noteId) query.set('note', route.noteId);
      const suffix = query.size > 0 ? `?${query.toString()}` : '';
      return `#/patient/${encodeURIComponent(route.patientId)}${suffix}`;
    }
    case 'query':
      return route.query ? `#/query?${new URLSearchParams({ q: route.query }).toString()}` : '#/query';
    case 'review-agreement': {
      const query = new URLSearchParams();
      if (route.a) query.set('a', route.a);
      if (route.b) query.set('b', route.b);
      if (route.documentIds && route.documentIds.length > 0) query.set('ids', route.documentIds.join(','));
      if (route.documentId) query.set('doc', route.documentId);
      return query.size > 0 ? `#/agreement?${query.toString()}` : '#/agreement';
    }
    case 'review-exchange': {
      const query = filtersToQuery(route.filters);
      return query.size > 0 ? `#/annotations?${query.toString()}` : '#/annotations';
    }
    case 'sync': {
      const query = new URLSearchParams();
      if (route.server) query.set('server', route.server);
      if (route.jobId) query.set('job', route.jobId);
      if (route.conflict) query.set('conflict', route.conflict);
      return query.size > 0 ? `#/sync?${query.toString()}` : '#/sync';
    }
  }
}

export function patientRoute(patientId: string, tab: ChartTab = 'timeline', noteId?: string): Route {
  return noteId ? { screen: 'patient', patientId, tab, noteId } : { screen: 'patient', patientId, tab };
}

export function resourcesRoute(resourceType?: string): Route {
  return resourceType
    ? { screen: 'resources', resourceType, page: 1, pageSize: DEFAULT_PAGE_SIZE }
    : { screen: 'resources', page: 1, pageSize: DEFAULT_PAGE_SIZE };
}
