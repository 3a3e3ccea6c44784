/** The CLI's progress lines: the import's records and bytes, the NLP's notes (its scan as a message). */
import { describe, expect, it } from 'vitest';
import type { JobState } from '../../../src-main/api/contract';
import { nlpProgressLine, progressLine } from '../../../src-main/cli/progress';

function job(kind: JobState['kind'], title: string, progress: JobState['progress']): JobState {
  return { id: 'j', kind, title, status: 'running', startedAt: '2026-01-01T00:00:00Z', progress };
}

describe('CLI progress lines', () => {
  it('shows an import in records and bytes', () => {
    expect(progressLine(job('import', 'Importing a.ndjson', { done: 500, total: 1000, bytesDone: 1_048_576, bytesTotal: 2_097_152, ratePerSecond: 250.4, etaSeconds: 2 }))).toBe(
      'Importing a.ndjson: 500/1000 records, 1.0 MB of 2.0 MB, 250/s, ETA 2s',
    );
  });

  it('shows the NLP scan as its message, then notes done of total with rate and time left', () => {
    expect(nlpProgressLine(job('nlp', 'Clinical NLP', { done: 0, message: 'Looked at 200 notes' }))).toBe('Looked at 200 notes');
    expect(nlpProgressLine(job('nlp', 'Clinical NLP', { done: 0 }))).toBe('Clinical NLP');
    expect(nlpProgressLine(job('nlp', 'Clinical NLP', { done: 32, total: 46, ratePerSecond: 16.7, etaSeconds: 1, message: 'Processed 32 of 46 notes' }))).toBe(
      'Clinical NLP: 32/46 notes, 16.7/s, ETA 1s',
    );
  });
});
