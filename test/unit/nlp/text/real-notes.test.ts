/**
 * The text stage on real-looking notes (../shared/data/notes/mtsamples_first322.csv, read in place,
 * never copied): offsets always consistent, headings found, and no quadratic blow-up on
 * pathological input.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../../../src-main/nlp/text/index';
import { checkDocument } from './check-document';

const repoRoot = path.resolve(__dirname, '../../../..');
const notesFile = path.resolve(repoRoot, '../shared/data/notes/mtsamples_first322.csv');

/** RFC 4180 CSV: quoted fields with "" escapes and line breaks inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (char !== '\r') field += char;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}


describe.skipIf(!existsSync(notesFile))('text stage on mtsamples notes', () => {
  const rows = existsSync(notesFile) ? parseCsv(readFileSync(notesFile, 'utf8')) : [];
  const column = rows[0]?.indexOf('transcription') ?? -1;
  const notes = rows.slice(1).map((row) => row[column] ?? '').filter((note) => note.length > 0);

  it('reads the notes (a message when the file is absent: the suite is skipped)', () => {
    expect(notes.length).toBeGreaterThan(300);
  });

  it('keeps every token, sentence and section offset consistent on every note', () => {
    for (const note of notes) checkDocument(analyzeText(note));
  });

  it('finds the common upper-case headings where the notes write them', () => {
    const expectations: Array<[string, string]> = [
      ['PAST MEDICAL HISTORY:', 'past_medical_history'],
      ['FAMILY HISTORY:', 'family_history'],
      ['SOCIAL HISTORY:', 'social_history'],
      ['REVIEW OF SYSTEMS:', 'review_of_systems'],
      ['PHYSICAL EXAMINATION:', 'physical_exam'],
      ['ALLERGIES:', 'allergies'],
      ['POSTOPERATIVE DIAGNOSIS:', 'assessment'],
    ];
    for (const [heading, kind] of expectations) {
      const withHeading = notes.filter((note) => note.includes(heading));
      const found = withHeading.filter((note) => analyzeText(note).sections.some((section) => section.kind === kind && section.heading === heading));
      expect(withHeading.length, heading).toBeGreaterThan(3);
      expect(found.length / withHeading.length, heading).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('splits the notes into sentences of a plausible size', () => {
    let words = 0;
    let sentenceCount = 0;
    for (const note of notes) {
      const doc = analyzeText(note);
      sentenceCount += doc.sentences.length;
      words += doc.tokens.filter((token) => token.kind === 'word').length;
    }
    const wordsPerSentence = words / sentenceCount;
    expect(wordsPerSentence).toBeGreaterThan(6);
    expect(wordsPerSentence).toBeLessThan(25);
  });
});

describe('text stage on pathological input', () => {
  it.each([
    ['one long line of words', 'word '.repeat(60_000)],
    ['colons everywhere', 'A B C D E F G H: '.repeat(20_000)],
    ['list markers', '1. 2. 3. 4. 5. '.repeat(20_000)],
    ['short lines', 'x\n'.repeat(150_000)],
    ['commas', ','.repeat(300_000)],
  ])('stays linear on %s (~300 KB: a quadratic pass would take minutes)', (_name, text) => {
    // CPU time of this process, not wall time: a loaded machine does not make it fail.
    const started = process.cpuUsage();
    const doc = analyzeText(text);
    expect(doc.tokens.length).toBeGreaterThan(0);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(15_000);
  });
});
