/**
 * An in-memory ReviewBackend with the service's rules that the screen relies on: revisions, 412 on
 * a stale one, ids for added entities, dropping a record, status moves.
 */
import { err, ok, outcome, type Result } from '../../../../src-main/api/result';
import type { AnnotationChange, ConceptSearchResult, ReviewDocument } from '../../../../src-main/review/types';
import type { BulkAcceptScope, ReviewBackend } from '../../../../src-renderer/src/review/backend';
import { applyLocally } from '../../../../src-renderer/src/review/edits';

export function fakeBackend(documents: ReviewDocument[], options: { failApply?: () => boolean } = {}) {
  const store = new Map(documents.map((document) => [document.documentId, structuredClone(document)]));
  const engine = new Map(documents.map((document) => [document.documentId, structuredClone(document)]));
  const calls: Array<{ method: string; documentId?: string; changes?: AnnotationChange[] }> = [];
  let nextId = 1;
  const backend: ReviewBackend = {
    reviewer: 'Ada',
    document: async (documentId) => {
      calls.push({ method: 'document', documentId });
      const document = store.get(documentId);
      return document ? ok(structuredClone(document)) : err(outcome('not-found', `No note ${documentId}`));
    },
    apply: async (documentId, changes, expectedRevision) => {
      calls.push({ method: 'apply', documentId, changes });
      const document = store.get(documentId)!;
      if (options.failApply?.()) return err(outcome('exception', 'The vault could not write'));
      if (expectedRevision !== undefined && expectedRevision !== document.revision) return err(outcome('conflict', 'Stale revision'));
      const named = changes.map((change) => (change.id === undefined && change.after ? { ...change, id: `u:${nextId++}` } : change));
      // Re-adding a dropped added entity (redo) uses the id it had.
      const pristine = engine.get(documentId)!;
      let next = applyLocally(document, named, 'Ada', '2026-11-27T00:00:00Z');
      next = {
        ...next,
        annotations: next.annotations.map((annotation) => {
          const original = pristine.annotations.find((entry) => entry.id === annotation.id);
          const change = named.find((entry) => entry.id === annotation.id);
          if (change && change.after === null && original) return structuredClone(original);
          return annotation;
        }),
        revision: document.revision + 1,
      };
      store.set(documentId, next);
      return ok(structuredClone(next));
    },
    setStatus: async (documentId, status) => {
      calls.push({ method: 'setStatus', documentId });
      const document = { ...store.get(documentId)!, status };
      document.revision += 1;
      store.set(documentId, document);
      return ok(structuredClone(document));
    },
    bulkAccept: async (scope: BulkAcceptScope): Promise<Result<{ documents: number; accepted: number }>> => {
      calls.push({ method: 'bulkAccept', ...(scope.documentId ? { documentId: scope.documentId } : {}) });
      let accepted = 0;
      let touched = 0;
      for (const [id, document] of store) {
        if (scope.documentId && scope.documentId !== id) continue;
        const targets = document.annotations.filter(
          (annotation) =>
            annotation.decision === 'pending' &&
            annotation.origin === 'engine' &&
            (scope.minScore === undefined || (annotation.score ?? 0) >= scope.minScore) &&
            (scope.text === undefined || annotation.text.toLowerCase() === scope.text.toLowerCase()) &&
            (scope.category === undefined || annotation.category === scope.category),
        );
        if (targets.length === 0) continue;
        touched += 1;
        accepted += targets.length;
        const ids = new Set(targets.map((annotation) => annotation.id));
        store.set(id, {
          ...document,
          revision: document.revision + 1,
          annotations: document.annotations.map((annotation) => (ids.has(annotation.id) ? { ...annotation, decision: 'accepted' } : annotation)),
        });
      }
      return ok({ documents: touched, accepted });
    },
    searchConcepts: async (query): Promise<Result<ConceptSearchResult>> =>
      ok({
        hits: [
          { system: 'ICD10CM', code: 'R07.9', display: `Chest pain, unspecified (${query})`, source: 'pack', score: 10, billable: true },
          { system: 'ICD10CM', code: 'R07.89', display: 'Other chest pain', source: 'pack', score: 9, billable: true },
        ],
        tookMs: 3,
        vocabularies: ['icd10cm-2026'],
      }),
    queue: async () => ok({ total: store.size, offset: 0, items: [] }),
  };
  return { backend, store, calls };
}
