/**
 * `query.export`: a query's matches (all pages) as NDJSON (one resource per line, as Bulk Data
 * writes them, https://hl7.org/fhir/uv/bulkdata/export.html) or CSV (RFC 4180: the chosen columns,
 * simple paths of paths.ts, a header row, CRLF), built as a job with progress and cancellation.
 * The text is kept in parts of about 1 MB that the UI reads with `query.exportResult` and hands to
 * the browser as one download (web mode and Electron alike). Kept for the last few exports only.
 */
import type { JobState } from '../api/contract';
import { fhirError } from '../fhir/outcome-error';
import type { ResourceRepository } from '../fhir/repository';
import type { JobManager } from '../jobs/job-manager';
import { matchPages, matchQuery } from './pages';
import { csvRow, defaultColumns, isSimplePath, pathText } from './paths';
import type { QueryExportFormat, QueryExportPart } from './types';

/** Characters per part (a part is one API answer). */
export const PART_SIZE = 1_000_000;
/** Finished exports kept for reading; older ones are dropped. */
const KEPT = 4;

export interface QueryExportResult {
  fileName: string;
  mimeType: string;
  format: QueryExportFormat;
  resources: number;
  parts: string[];
}

export class QueryExports {
  private readonly results = new Map<string, QueryExportResult>();

  constructor(
    private readonly jobs: JobManager,
    private readonly repository: ResourceRepository,
  ) {}

  /** Checks the query with the engine first, so a bad parameter is the caller's 400 rather than a failed job. */
  async start(input: { query: string; format: QueryExportFormat; columns?: readonly string[] }): Promise<JobState> {
    const { resourceType, pairs } = matchQuery(input.query, true);
    await this.repository.search(resourceType, [...pairs, ['_count', '0'], ['_total', 'none']]);
    const columns = input.columns && input.columns.length > 0 ? [...input.columns] : defaultColumns(resourceType);
    const bad = columns.find((c) => !isSimplePath(c));
    if (bad !== undefined) throw fhirError('invalid', `"${bad.slice(0, 80)}" is not a simple element path (e.g. code.coding.code)`, 400, ['columns']);
    const title = `Query export (${input.format === 'csv' ? 'CSV' : 'NDJSON'}): ${resourceType}`;
    return this.jobs.start('query', title, async (context) => {
      const parts: string[] = [];
      let current = input.format === 'csv' ? csvRow(columns) : '';
      let resources = 0;
      let bytes = Buffer.byteLength(current);
      for await (const page of matchPages(this.repository, resourceType, pairs, { signal: context.signal })) {
        for (const resource of page.resources) {
          const line = input.format === 'csv' ? csvRow(columns.map((c) => pathText(resource, c))) : `${JSON.stringify(resource)}\n`;
          current += line;
          bytes += Buffer.byteLength(line);
          resources++;
          if (current.length >= PART_SIZE) {
            parts.push(current);
            current = '';
          }
        }
        context.progress({ done: resources, ...(page.total !== undefined ? { total: page.total } : {}), bytesDone: bytes, message: `Reading ${resourceType}` });
      }
      if (context.signal.aborted) return { cancelled: true };
      if (current.length > 0 || parts.length === 0) parts.push(current);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
      this.results.set(context.jobId, {
        fileName: `${resourceType}-${stamp}.${input.format === 'csv' ? 'csv' : 'ndjson'}`,
        mimeType: input.format === 'csv' ? 'text/csv' : 'application/fhir+ndjson',
        format: input.format,
        resources,
        parts,
      });
      while (this.results.size > KEPT) this.results.delete(this.results.keys().next().value!);
      return {};
    });
  }

  part(jobId: string, part: number): QueryExportPart {
    const job = this.jobs.get(jobId);
    if (!job || job.kind !== 'query') throw fhirError('not-found', 'No such query export', 404, ['jobId']);
    const result = this.results.get(jobId);
    if (!result) {
      if (job.status === 'succeeded') throw fhirError('not-found', 'This export is no longer kept: export again', 404, ['jobId']);
      throw fhirError('conflict', `The export is ${job.status}`, 409, ['jobId']);
    }
    const text = result.parts[part];
    if (text === undefined) throw fhirError('not-found', `No part ${part} (the export has ${result.parts.length})`, 404, ['part']);
    return { jobId, fileName: result.fileName, mimeType: result.mimeType, format: result.format, resources: result.resources, part, parts: result.parts.length, text };
  }
}
