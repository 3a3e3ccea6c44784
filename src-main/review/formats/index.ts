/**
 * The annotation interchange formats by name (docs/annotation-formats.md): Comprehend Medical
 * JSONL, spaCy/Prodigy spans JSONL and BRAT standoff. Export then import gives the same annotations.
 */
import type { AnnotationFile, AnnotationFormat } from '../types';
import type { AnnotationImport, ExportDocument } from './common';
import { exportBrat, importBrat } from './brat';
import { exportComprehendJsonl, importComprehendJsonl } from './comprehend-jsonl';
import { exportSpacyJsonl, importSpacyJsonl } from './spacy-jsonl';

export type { AnnotationImport, ExportDocument, ImportedDocument, ImportError, ReviewImportResult } from './common';

export const ANNOTATION_FORMATS = ['comprehend-jsonl', 'spacy-jsonl', 'brat'] as const satisfies readonly AnnotationFormat[];

export function exportAnnotations(format: AnnotationFormat, documents: readonly ExportDocument[]): AnnotationFile[] {
  switch (format) {
    case 'comprehend-jsonl':
      return exportComprehendJsonl(documents);
    case 'spacy-jsonl':
      return exportSpacyJsonl(documents);
    case 'brat':
      return exportBrat(documents);
  }
}

export function importAnnotations(format: AnnotationFormat, files: readonly AnnotationFile[]): AnnotationImport {
  switch (format) {
    case 'comprehend-jsonl':
      return importComprehendJsonl(files);
    case 'spacy-jsonl':
      return importSpacyJsonl(files);
    case 'brat':
      return importBrat(files);
  }
}
