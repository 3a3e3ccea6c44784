/** The CLI's progress lines: the import's records and bytes, sync's resources, the NLP's notes (its scan as a message). */
import { describe, expect, it } from 'vitest';
import type { JobState } from '../../../src-main/api/contract';
import { nlpProgressLine, progressLine, syncProgressLine } from '../../../src-main/cli/progress';

function job(kind: JobState['kind'], title: string, progress: JobState['progress']): JobState {
  return { id: 'j', kind, title, status: 'running', startedAt: '2026-01-01T00:00:00Z', progress };
}

describe('CLI progress lines', () => {
  it('shows an import in records and bytes', () => {
    expect(progressLine(job('import', 'Importing a.ndjson', { done: 500, total: 1000, bytesDone: 1_048_576, bytesTotal: 2_097_152, ratePerSecond: 250.4, etaSeconds: 2 }))).toBe(
      'Importing a.ndjson: 500/1000 records, 1.0 MB of 2.0 MB, 250/s, ETA 2s',
    );
  });

  it('shows a push in resources of the plan, a pull in resources so far and the type it is at', () => {
    expect(syncProgressLine(job('sync', 'Push to hub', { done: 40, total: 120, message: 'Pushed 40 of 120', ratePerSecond: 35.2, etaSeconds: 2 }))).toBe('Push to hub: 40/120 resources, 35/s, ETA 2s');
    expect(syncProgressLine(job('sync', 'Pull from hub', { done: 250, message: 'Pulled Patient (2 of 4 types)' }))).toBe('Pull from hub: 250 resources; Pulled Patient (2 of 4 types)');
    expect(syncProgressLine(job('sync', 'Dry run: push to hub', { done: 0 }))).toBe('Dry run: push to hub: 0 resources');
  });

  it('shows the NLP scan as its message, then notes done of total with rate and time left', () => {
    expect(nlpProgressLine(job('nlp', 'Clinical NLP', { done: 0, message: 'Looked at 200 notes' }))).toBe('Looked at 200 notes');
    expect(nlpProgressLine(job('nlp', 'Clinical NLP', { done: 0 }))).toBe('Clinical NLP');
    expect(nlpProgressLine(job('nlp', 'Clinical NLP', { done: 32, total: 46, ratePerSecond: 16.7, etaSeconds: 1, message: 'Processed 32 of 46 notes' }))).toBe(
      'Clinical NLP: 32/46 notes, 16.7/s, ETA 1s',
    );
  });
});
