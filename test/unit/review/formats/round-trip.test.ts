/** Export then import gives the same annotations, in every format, on random documents (docs/annotation-formats.md). */
import { describe, expect, it } from 'vitest';
import { ANNOTATION_FORMATS, exportAnnotations, importAnnotations } from '../../../../src-main/review/formats';
import { randomDocuments } from './random-documents';

describe.each(ANNOTATION_FORMATS)('%s round trip', (format) => {
  it('gives back every document and annotation, on 40 seeds', () => {
    let annotations = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const documents = randomDocuments(seed, 6);
      const files = exportAnnotations(format, documents);
      const back = importAnnotations(format, files);
      expect(back.errors, `seed ${seed}`).toEqual([]);
      expect(back.documents, `seed ${seed}`).toStrictEqual(documents.map((d) => ({ documentId: d.documentId, text: d.text, annotations: d.annotations })));
      annotations += documents.reduce((n, d) => n + d.annotations.length, 0);
    }
    // The generator does produce work (a broken one would make the test pass vacuously).
    expect(annotations).toBeGreaterThan(500);
  });

  it('is stable: exporting the imported documents writes the same files', () => {
    const documents = randomDocuments(99, 5);
    const files = exportAnnotations(format, documents);
    expect(exportAnnotations(format, importAnnotations(format, files).documents)).toEqual(files);
  });

  it('handles no documents and documents without annotations', () => {
    const empty = [{ documentId: 'empty', text: 'nothing here', annotations: [] }];
    const one = importAnnotations(format, exportAnnotations(format, empty));
    expect({ documents: one.documents, errors: one.errors }).toStrictEqual({ documents: empty, errors: [] });
    expect(one.sources).toEqual([{ file: expect.stringMatching(/\.(jsonl|ann)$/), line: format === 'brat' ? 0 : 1 }]);
    expect(importAnnotations(format, exportAnnotations(format, []))).toStrictEqual({ documents: [], errors: [], sources: [] });
  });
});
