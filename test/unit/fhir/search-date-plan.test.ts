/**
 * Date ranges as a search driver (search/date-plan.ts): the `low` window each prefix implies for a
 * row of a given span must hold every row the condition matches (else the driver would miss
 * matches), and a range over resources with several rows (Timing events) must still find them.
 */
import { describe, expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { explainSearch } from '../../../src-main/fhir/search/explain';
import { dateCondition } from '../../../src-main/fhir/search/conditions';
import { lowRange } from '../../../src-main/fhir/search/date-plan';
import { DATE_MAX_MS, DATE_MIN_MS } from '../../../src-main/fhir/search/extract';
import { loadSqlJs } from '../../../src-main/vault/sqljs';
import { currentQuery } from '../../tools/current-query';

const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
const VALUES = ['2021', '2021-03', '2021-03-01', '2021-03-01T10:20:30Z', '2021-03-01T10:20:30.123Z'];

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('date plan: low windows (search.html#date)', () => {
  it('knows every prefix but ne', () => {
    for (const prefix of PREFIXES) {
      for (const value of VALUES) {
        expect(lowRange(dateCondition('date', `${prefix}${value}`), 1000) === undefined, `${prefix}${value}`).toBe(prefix === 'ne');
      }
    }
  });

  it('holds every row each condition matches, for the row’s own span', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      db.run('CREATE TABLE sp_date (low INTEGER NOT NULL, high INTEGER NOT NULL)');
      const random = seeded(11);
      const center = Date.UTC(2021, 2, 1);
      const spans = [1, 1000, 60_000, 86_400_000, 31 * 86_400_000, 366 * 86_400_000, 20 * 366 * 86_400_000];
      const insert = db.prepare('INSERT INTO sp_date VALUES (?, ?)');
      for (let i = 0; i < 4000; i++) {
        const low = center + Math.round((random() - 0.5) * 4 * 366 * 86_400_000);
        const span = spans[Math.floor(random() * spans.length)]!;
        insert.run([low, low + span]);
      }
      // Open-ended periods (extract.ts: an open end is unbounded).
      insert.run([center - 86_400_000, DATE_MAX_MS]);
      insert.run([DATE_MIN_MS, center + 86_400_000]);
      insert.free();
      for (const prefix of PREFIXES.filter((p) => p !== 'ne')) {
        let checked = 0;
        for (const value of VALUES) {
          const condition = dateCondition('date', `${prefix}${value}`);
          const matched = db.exec(`SELECT low, high FROM sp_date WHERE ${condition.sql}`, condition.values)[0]?.values ?? [];
          checked += matched.length;
          for (const [low, high] of matched) {
            const range = lowRange(condition, Number(high) - Number(low))!;
            expect(Number(low) >= range.min && Number(low) < range.max, `${prefix}${value}: row [${low}, ${high})`).toBe(true);
          }
        }
        expect(checked, `${prefix} matches some rows`).toBeGreaterThan(0);
      }
    } finally {
      db.close();
    }
  });
});

describe('date plan: searches', () => {
  const observation = (id: string, effective: Partial<Observation>): Observation => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text: 'x' },
    ...effective,
  });

  it('finds a range over one row, over an open period, and over two Timing events', async () => {
    const repo = new MemoryRepository();
    const resources: Observation[] = [
      observation('instant-inside', { effectiveDateTime: '2021-03-03T10:00:00Z' }),
      observation('timing-both-sides', { effectiveTiming: { event: ['2021-02-01', '2021-03-20'] } }),
      observation('open-period', { effectivePeriod: { start: '2021-01-01' } }),
      observation('period-overlapping', { effectivePeriod: { start: '2021-02-20', end: '2021-03-02' } }),
      observation('after', { effectiveDateTime: '2021-04-01' }),
      observation('timing-after', { effectiveTiming: { event: ['2021-03-10', '2021-03-20'] } }),
      observation('before', { effectiveDateTime: '2021-02-01T00:00:00Z' }),
    ];
    for (let i = 0; i < 60; i++) resources.push(observation(`filler-${i}`, { effectiveDateTime: `20${10 + (i % 9)}-0${1 + (i % 9)}-1${i % 10}` }));
    const outcomes = await repo.writeBatch(resources.map((resource) => ({ kind: 'update', resource })));
    expect(outcomes.every((o) => o.status === 'created')).toBe(true);
    const bundle = await repo.search('Observation', new URLSearchParams('date=ge2021-03-01&date=lt2021-03-08&_count=50'));
    const ids = (bundle.entry ?? []).map((e) => e.resource?.id).sort();
    expect(ids).toEqual(['instant-inside', 'open-period', 'period-overlapping', 'timing-both-sides']);
    expect(bundle.total).toBe(4);
  });
});

describe('date plan: index use', () => {
  // sp_date's only key index is (psid, span class, low) (index-tables.ts): a date filter alone, or a
  // composite's date component, must read it one span class at a time, each a `low` range.
  it.each([
    ['Patient', 'birthdate=1980-01-05'],
    ['Patient', 'birthdate=lt1980-01-05&family=x'],
    ['Observation', 'code-value-date=http://loinc.org|1234-5$2021-03-01'],
  ])('%s?%s reads sp_date by (psid, span, low) ranges', async (resourceType, query) => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      fhirProjector.createSchema(db);
      const steps = explainSearch(db, currentQuery(resourceType, query)).flatMap((s) => s.plan.filter((step) => / sp_date\b/.test(step)));
      expect(steps.length).toBeGreaterThan(0);
      for (const step of steps) expect(step).toMatch(/^SEARCH sp_date USING (COVERING )?INDEX sp_date_span \(psid=\? AND span=\? AND low[<>]/);
    } finally {
      db.close();
    }
  });
});
