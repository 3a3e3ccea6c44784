/**
 * The spaCy and BRAT exports read by Python the way spaCy, Prodigy and BRAT read them (code point
 * offsets, universal newlines): python/check_offsets.py checks every span's text. Skips when no
 * python3 is on the PATH.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportBrat } from '../../../../src-main/review/formats/brat';
import { exportSpacyJsonl } from '../../../../src-main/review/formats/spacy-jsonl';
import { randomDocuments } from './random-documents';

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const hasPython = python.status === 0;
if (!hasPython) console.warn('python-readers: python3 not found, skipping the Python cross-check');

describe.skipIf(!hasPython)('exports read by Python', () => {
  it('every spaCy span and BRAT text-bound has its text at its offsets', () => {
    const documents = Array.from({ length: 20 }, (_, s) => randomDocuments(s + 1, 5)).flat();
    const expected = documents.reduce((n, d) => n + d.annotations.length, 0);
    const dir = mkdtempSync(path.join(tmpdir(), 'hearth-formats-'));
    try {
      writeFileSync(path.join(dir, 'spans.jsonl'), exportSpacyJsonl(documents)[0]!.text);
      mkdirSync(path.join(dir, 'brat'));
      for (const file of exportBrat(documents)) writeFileSync(path.join(dir, 'brat', file.name), file.text);
      const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python', 'check_offsets.py');
      const run = spawnSync('python3', [script, path.join(dir, 'spans.jsonl'), path.join(dir, 'brat')], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ spans: expected, bounds: expected });
      expect(expected).toBeGreaterThan(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
