// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, type Route } from '../../../src-renderer/src/router/routes';

describe('hash routes', () => {
  it('round-trips every screen', () => {
    const routes: Route[] = [
      { screen: 'home' },
      { screen: 'resources', page: 1, pageSize: 50 },
      { screen: 'resources', resourceType: 'Patient', page: 3, pageSize: 100 },
      { screen: 'resource', resourceType: 'Patient', id: 'abc-123' },
      { screen: 'resource', resourceType: 'Observation', id: 'o.1', versionId: '2' },
      { screen: 'import' },
      { screen: 'import', jobId: 'job-1' },
      { screen: 'terminology' },
      { screen: 'terminology', jobId: 'job-2' },
      { screen: 'settings' },
      { screen: 'review', filters: {} },
      { screen: 'review', filters: { status: ['in-progress', 'unreviewed'], scoreMax: 0.5, sort: 'date' } },
      { screen: 'review-document', documentId: 'note-7', filters: {} },
      { screen: 'review-document', documentId: 'note-7', filters: { category: 'MEDICATION', hasNegated: true } },
      { screen: 'sync' },
      { screen: 'sync', server: 'medplum', jobId: 'job-3', conflict: 'Patient/p1' },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(formatRoute({ screen: 'resource', resourceType: 'Patient', id: '123' })).toBe('#/resources/Patient/123');
    expect(formatRoute({ screen: 'terminology', jobId: 'j 1' })).toBe('#/terminology?job=j%201');
  });

  it('falls back safely on hostile or malformed hashes', () => {
    expect(parseRoute('#/nowhere')).toEqual({ screen: 'home' });
    expect(parseRoute('')).toEqual({ screen: 'home' });
    expect(parseRoute('#/resources/not a type')).toEqual({ screen: 'resources', page: 1, pageSize: 50 });
    expect(parseRoute('#/resources/Patient/..%2F..%2Fetc')).toEqual({ screen: 'resources', resourceType: 'Patient', page: 1, pageSize: 50 });
    expect(parseRoute('#/resources/Patient?page=-4&size=7')).toEqual({ screen: 'resources', resourceType: 'Patient', page: 1, pageSize: 50 });
    expect(parseRoute('#/review/..%2Fx?status=nope')).toEqual({ screen: 'review', filters: {} });
    expect(parseRoute('#/sync?server=../x&conflict=Patient/..%2Fp')).toEqual({ screen: 'sync' });
    expect(parseRoute('#/resources/Patient/%E0%A4%A')).toEqual({ screen: 'resources', resourceType: 'Patient', page: 1, pageSize: 50 });
  });
});
