/**
 * The limit baseline: raw sql.js inserts of the same JSON, no indexes, no validation, no
 * encryption, no disk. Each transaction Bundle's text is parsed and its resources inserted as
 * `INSERT INTO r(type, id, json)` in one SQL transaction per Bundle.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { loadSqlJs } from '../../../src-main/vault';
import { PhasePeak } from './measure';
import { type BundleText, type WriteResult, writeBundles } from './phases';

export interface RawResult {
  write: WriteResult;
  peakRssMb: number;
  peakMethod: string;
}

export async function runRawSqlJs(size: number, bundles: () => Iterable<BundleText>): Promise<RawResult> {
  const SQL = await loadSqlJs();
  const peak = new PhasePeak();
  peak.start();
  const db = new SQL.Database();
  try {
    db.run('CREATE TABLE r (type TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO r (type, id, json) VALUES (?, ?, ?)');
    const write = await writeBundles(size, bundles, peak, async (body) => {
      const bundle = JSON.parse(body) as Bundle;
      db.run('BEGIN');
      for (const entry of bundle.entry ?? []) {
        const resource = entry.resource;
        if (!resource) continue;
        insert.run([resource.resourceType, resource.id ?? '', JSON.stringify(resource)]);
      }
      db.run('COMMIT');
    });
    insert.free();
    const stored = Number(db.exec('SELECT count(*) FROM r')[0]?.values[0]?.[0] ?? 0);
    if (stored !== size) throw new Error(`raw sql.js stored ${stored} of ${size} rows`);
    const measured = peak.stop();
    return { write, peakRssMb: measured.peakMb, peakMethod: measured.method };
  } finally {
    peak.stop();
    db.close();
  }
}
