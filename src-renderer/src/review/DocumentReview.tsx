/**
 * One note under review (issue 6 §1): the note with its entities, the side panel, every action by
 * key or button, bulk accept, status, and undo/redo across the session.
 *
 * Every change shows at once (optimistic) and goes to the service in order, one call at a time, with
 * the revision it was made on. When a call fails the view goes back to what the service holds and
 * the failed action stays on screen with a Retry: nothing is dropped silently.
 */
import { Alert, Anchor, Badge, Box, Button, Card, Center, Group, Loader, ScrollArea, Select, Stack, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowBackUp, IconArrowForwardUp, IconArrowLeft, IconChecks, IconChevronLeft, IconChevronRight, IconKeyboard,
} from '@tabler/icons-react';
import { memo, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { describeOutcome, type OperationOutcome, type Result } from '../../../src-main/api/result';
import { ENTITY_CATEGORIES, type EntityCategory } from '../../../src-main/nlp/types';
import type { ReviewAnnotation, ReviewDocument, ReviewStatus } from '../../../src-main/review/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { isTypingTarget } from '../shell/use-global-keys';
import type { BulkAcceptOutcome, BulkAcceptScope, ReviewBackend } from './backend';
import { BulkAcceptModal } from './BulkAcceptModal';
import { CATEGORY_STYLES, conceptSystemFor, traitMarker } from './categories';
import { CheatSheet } from './CheatSheet';
import * as edits from './edits';
import { EntityPanel, type EntityPanelActions } from './EntityPanel';
import type { ReviewHistory } from './history';
import { createReviewKeymap, type ReviewCommand } from './keymap';
import { trimSelection, type Spanned } from './layout';
import { NoteView } from './NoteView';
import { STATUS_COLOR, STATUS_LABEL } from './QueueList';

/** One change on its way to the service. */
interface Operation {
  key: number;
  label: string;
  /** The optimistic view. */
  local: (document: ReviewDocument) => ReviewDocument;
  run: (current: ReviewDocument) => Promise<Result<ReviewDocument>>;
  /** After the service took it: history bookkeeping. */
  done?: (before: ReviewDocument, after: ReviewDocument) => void;
}

const CHEAT_SHEET_KEY = 'hearth.review.cheatSheet';

/** Letter and colour of each category (static: memoised out of every action's re-render). */
const CategoryLegend = memo(function CategoryLegend() {
  return (
    <Group gap={6}>
      {ENTITY_CATEGORIES.map((category) => (
        <Group key={category} gap={3} wrap="nowrap">
          <Text size="10px" fw={700} px={3} style={{ background: CATEGORY_STYLES[category].color, color: CATEGORY_STYLES[category].ink, borderRadius: 3 }}>
            {CATEGORY_STYLES[category].letter}
          </Text>
          <Text size="xs">{CATEGORY_STYLES[category].label}</Text>
        </Group>
      ))}
    </Group>
  );
});

function shortText(annotation: ReviewAnnotation): string {
  return annotation.text.length > 40 ? `${annotation.text.slice(0, 39)}…` : annotation.text;
}

function initialSelection(document: ReviewDocument): string | undefined {
  return (document.annotations.find((annotation) => annotation.decision === 'pending') ?? document.annotations[0])?.id;
}

export function DocumentReview({
  documentId,
  backend,
  history,
  onBack,
  onNext,
  onPrevious,
  onOpenDocument,
  onOpenPatient,
}: {
  documentId: string;
  backend: ReviewBackend;
  history: ReviewHistory;
  onBack: () => void;
  onNext: (current: ReviewDocument) => void;
  onPrevious?: (() => void) | undefined;
  /** Undo or redo of a change made in another document opens that document. */
  onOpenDocument: (documentId: string) => void;
  /** Opens the chart of the note's patient (the header's subject link). */
  onOpenPatient?: (patientId: string) => void;
}) {
  const [confirmed, setConfirmed] = useState<ReviewDocument | undefined>(undefined);
  const [loadError, setLoadError] = useState<OperationOutcome | undefined>(undefined);
  const [loadGeneration, setLoadGeneration] = useState(0);
  const [operations, setOperations] = useState<Operation[]>([]);
  const [failure, setFailure] = useState<{ label: string; error: OperationOutcome; retry?: Operation } | undefined>(undefined);
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [textSelection, setTextSelection] = useState<Spanned | null>(null);
  const [newCategory, setNewCategory] = useState<EntityCategory>('MEDICAL_CONDITION');
  const [conceptSearchOpen, setConceptSearchOpen] = useState(false);
  const [bulkOpen, setBulkOpen] = useState(false);
  const [bulkBusy, setBulkBusy] = useState(false);
  const [cheatSheet, setCheatSheet] = useState(() => {
    try {
      return window.localStorage.getItem(CHEAT_SHEET_KEY) !== 'hidden';
    } catch {
      return true;
    }
  });
  const historyState = useSyncExternalStore(history.subscribe, history.getSnapshot);
  const confirmedRef = useRef<ReviewDocument | undefined>(undefined);
  const running = useRef(false);
  const nextKey = useRef(0);
  const reviewer = backend.reviewer;

  // Load (and reload after a conflict).
  useEffect(() => {
    let current = true;
    setLoadError(undefined);
    setOperations([]);
    setFailure(undefined);
    setConceptSearchOpen(false);
    setTextSelection(null);
    void backend.document(documentId).then((result) => {
      if (!current) return;
      if (!result.ok) {
        setLoadError(result.error);
        return;
      }
      confirmedRef.current = result.value;
      setConfirmed(result.value);
      setSelectedId((selected) =>
        selected && result.value.annotations.some((annotation) => annotation.id === selected) ? selected : initialSelection(result.value),
      );
    });
    return () => {
      current = false;
    };
  }, [backend, documentId, loadGeneration]);

  const document = useMemo(
    () => (confirmed ? operations.reduce((view, operation) => operation.local(view), confirmed) : undefined),
    [confirmed, operations],
  );
  const documentRef = useRef(document);
  documentRef.current = document;

  // The queue of operations: the first one runs; the others wait for its answer.
  useEffect(() => {
    const operation = operations[0];
    const base = confirmedRef.current;
    if (!operation || !base || running.current) return;
    running.current = true;
    void operation.run(base).then((result) => {
      running.current = false;
      if (confirmedRef.current?.documentId !== base.documentId) return;
      if (result.ok) {
        const answer = edits.reuseUnchanged(documentRef.current, result.value);
        confirmedRef.current = answer;
        setConfirmed(answer);
        operation.done?.(base, answer);
        setOperations((pending) => pending.filter((entry) => entry !== operation));
        return;
      }
      // The later operations were built on this one: they go too, and the view shows the service's state.
      setOperations([]);
      setFailure({ label: operation.label, error: result.error, retry: operation });
      if (result.error.issue.some((issue) => issue.code === 'conflict')) setLoadGeneration((value) => value + 1);
    });
  }, [operations]);

  const enqueue = useCallback((operation: Omit<Operation, 'key'>) => {
    setFailure(undefined);
    setOperations((pending) => [...pending, { ...operation, key: (nextKey.current += 1) }]);
  }, []);

  /** A reviewer's action: shown now, sent in order, recorded for undo once the service took it. */
  const commit = useCallback(
    (label: string, batch: edits.Edit[], select?: 'added') => {
      if (batch.length === 0) return;
      const changes = edits.toChanges(batch);
      enqueue({
        label,
        local: (view) => edits.applyLocally(view, changes, reviewer, new Date().toISOString()),
        run: (current) => backend.apply(documentId, changes, current.revision),
        done: (before, after) => {
          const known = new Set(before.annotations.map((annotation) => annotation.id));
          const fresh = after.annotations.filter((annotation) => !known.has(annotation.id));
          // Added entities get their ids from the service: undo needs them.
          const recorded = batch.map((entry) => {
            if (entry.id !== undefined || !entry.after) return entry;
            const match = fresh.find((annotation) => annotation.begin === entry.after!.begin && annotation.end === entry.after!.end);
            return match ? { ...entry, id: match.id } : entry;
          });
          history.record({ documentId, label, edits: recorded.filter((entry) => entry.id !== undefined) });
          if (select === 'added') {
            const added = recorded.find((entry) => entry.before === null && entry.id !== undefined);
            if (added?.id) setSelectedId(added.id);
          }
        },
      });
    },
    [backend, documentId, enqueue, history, reviewer],
  );

  const selected = document?.annotations.find((annotation) => annotation.id === selectedId);

  const undoOrRedo = useCallback(
    (direction: 'undo' | 'redo') => {
      const entry = direction === 'undo' ? history.peekUndo() : history.peekRedo();
      if (!entry) return;
      const changes = direction === 'undo' ? history.undoChanges(entry) : history.redoChanges(entry);
      const label = `${direction === 'undo' ? 'Undo' : 'Redo'}: ${entry.label}`;
      const finish = (): void => (direction === 'undo' ? history.commitUndo(entry) : history.commitRedo(entry));
      if (entry.documentId !== documentId) {
        void backend.apply(entry.documentId, changes).then((result) => {
          if (!result.ok) {
            setFailure({ label, error: result.error });
            return;
          }
          finish();
          notifications.show({ title: label, message: 'Done in the document it was made in, now open.' });
          onOpenDocument(entry.documentId);
        });
        return;
      }
      enqueue({
        label,
        local: (view) => edits.applyLocally(view, changes, reviewer, new Date().toISOString()),
        run: (current) => backend.apply(documentId, changes, current.revision),
        done: finish,
      });
      const target = changes.find((change) => change.id !== undefined)?.id;
      if (target) setSelectedId(target);
    },
    [backend, documentId, enqueue, history, onOpenDocument, reviewer],
  );

  const setStatus = useCallback(
    (status: ReviewStatus) =>
      enqueue({
        label: `Mark ${STATUS_LABEL[status].toLowerCase()}`,
        local: (view) => ({ ...view, status }),
        run: () => backend.setStatus(documentId, status),
      }),
    [backend, documentId, enqueue],
  );

  const addSelection = useCallback(() => {
    const view = documentRef.current;
    if (!view || !textSelection) return;
    const span = trimSelection(view.text, textSelection.begin, textSelection.end);
    if (!span) return;
    commit(`Add “${view.text.slice(span.begin, span.end)}”`, [edits.add(span.begin, span.end, newCategory)], 'added');
    setTextSelection(null);
    window.getSelection()?.removeAllRanges();
  }, [commit, newCategory, textSelection]);

  const bulkAccept = useCallback(
    (scope: BulkAcceptScope) => {
      const view = documentRef.current;
      if (!view) return;
      setBulkBusy(true);
      let summary: BulkAcceptOutcome = { documents: 0, accepted: 0 };
      enqueue({
        label: 'Bulk accept',
        local: (current) => current,
        run: async () => {
          const result = await backend.bulkAccept(scope);
          setBulkBusy(false);
          if (!result.ok) return result;
          summary = result.value;
          return backend.document(documentId);
        },
        done: (before, after) => {
          setBulkOpen(false);
          const previous = new Map(before.annotations.map((annotation) => [annotation.id, annotation]));
          const batch: edits.Edit[] = [];
          for (const annotation of after.annotations) {
            const old = previous.get(annotation.id);
            if (old && old.decision !== 'accepted' && annotation.decision === 'accepted') {
              batch.push({ id: annotation.id, before: edits.restorableState(old), after: edits.stateOf(annotation) });
            }
          }
          history.record({ documentId, label: `Bulk accept (${batch.length} here)`, edits: batch });
          notifications.show({
            color: 'green',
            title: 'Bulk accept',
            message: summary.jobMessage ?? `${summary.accepted} accepted in ${summary.documents} document${summary.documents === 1 ? '' : 's'}.`,
          });
        },
      });
    },
    [backend, documentId, enqueue, history],
  );

  const actions = useMemo<EntityPanelActions | undefined>(() => {
    if (!selected || !document) return undefined;
    const name = shortText(selected);
    return {
      accept: () => commit(`Accept “${name}”`, [edits.accept(selected)]),
      reject: () => commit(`Reject “${name}”`, [edits.reject(selected)]),
      remove: () => commit(`Delete “${name}”`, [edits.remove(selected)]),
      toggleTrait: (trait) => commit(`Toggle ${traitMarker(trait) ?? trait} on “${name}”`, [edits.toggleTrait(selected, trait)]),
      setCategory: (category, type) =>
        commit(`Set ${CATEGORY_STYLES[category].label.toLowerCase()} on “${name}”`, [edits.setCategory(selected, category, type)]),
      setConcept: (concept) => {
        setConceptSearchOpen(false);
        commit(`Set ${concept.code} on “${name}”`, [edits.setConcept(selected, concept)]);
      },
      resize: (edge, delta) => {
        const change = edits.resize(selected, edge, delta, document.text.length);
        if (change) commit(`Resize “${name}”`, [change]);
      },
      openConceptSearch: () => setConceptSearchOpen(true),
      closeConceptSearch: () => setConceptSearchOpen(false),
    };
  }, [commit, document, selected]);

  const onDragEdge = useCallback(
    (id: string, edge: 'begin' | 'end', offset: number) => {
      const annotation = documentRef.current?.annotations.find((entry) => entry.id === id);
      if (!annotation) return;
      const change = edge === 'begin' ? edits.setSpan(annotation, offset, annotation.end) : edits.setSpan(annotation, annotation.begin, offset);
      if (change) commit(`Resize “${shortText(annotation)}”`, [change]);
    },
    [commit],
  );

  const toggleCheatSheet = useCallback(() => {
    setCheatSheet((shown) => {
      try {
        window.localStorage.setItem(CHEAT_SHEET_KEY, shown ? 'hidden' : 'shown');
      } catch {
        // Storage refused (private mode): the choice lasts for this page only.
      }
      return !shown;
    });
  }, []);

  const moveSelection = useCallback((delta: number) => {
    const view = documentRef.current;
    if (!view || view.annotations.length === 0) return;
    setConceptSearchOpen(false);
    setSelectedId((current) => {
      const index = view.annotations.findIndex((annotation) => annotation.id === current);
      const next = index === -1 ? (delta > 0 ? 0 : view.annotations.length - 1) : Math.max(0, Math.min(view.annotations.length - 1, index + delta));
      return view.annotations[next]!.id;
    });
  }, []);

  const run = useCallback(
    (command: ReviewCommand) => {
      switch (command.kind) {
        case 'next-entity':
          return moveSelection(1);
        case 'previous-entity':
          return moveSelection(-1);
        case 'accept':
          return actions?.accept();
        case 'reject':
          return actions?.reject();
        case 'delete':
          return actions?.remove();
        case 'toggle-trait':
          return actions?.toggleTrait(command.trait);
        case 'set-category':
          if (textSelection) return setNewCategory(command.category);
          return actions?.setCategory(command.category);
        case 'resize':
          return actions?.resize(command.edge, command.delta);
        case 'edit-concept':
          if (selected && conceptSystemFor(selected.category) && backend.searchConcepts) setConceptSearchOpen(true);
          // The key must not look dead: say why nothing opens (only conditions and medications carry a concept).
          else if (selected && !conceptSystemFor(selected.category))
            notifications.show({ id: 'review-no-concept', message: `${CATEGORY_STYLES[selected.category].label} entities have no concept: only conditions (ICD-10-CM) and medications (RxNorm) do.` });
          return;
        case 'add-from-selection':
          return addSelection();
        case 'bulk-accept':
          return setBulkOpen(true);
        case 'next-document':
          if (documentRef.current) onNext(documentRef.current);
          return;
        case 'previous-document':
          return onPrevious?.();
        case 'mark-done':
          return setStatus('done');
        case 'undo':
          return undoOrRedo('undo');
        case 'redo':
          return undoOrRedo('redo');
        case 'cheat-sheet':
          return toggleCheatSheet();
        case 'escape':
          if (conceptSearchOpen) setConceptSearchOpen(false);
          else if (textSelection) setTextSelection(null);
          return;
      }
    },
    [actions, addSelection, backend.searchConcepts, conceptSearchOpen, moveSelection, onNext, onPrevious, selected, setStatus, textSelection, toggleCheatSheet, undoOrRedo],
  );

  const runRef = useRef(run);
  runRef.current = run;
  useEffect(() => {
    const keymap = createReviewKeymap();
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || isTypingTarget(event.target)) return;
      // A dialog (bulk accept, command palette, shortcuts) has the keyboard.
      if (window.document.querySelector('[role="dialog"]')) return;
      const command = keymap.handle(event, Date.now());
      if (!command) return;
      event.preventDefault();
      runRef.current(command);
    };
    // Capture phase: runs before the global keys, which skip an event already handled.
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, []);

  if (loadError && !confirmed) {
    return (
      <Stack>
        <Button variant="subtle" leftSection={<IconArrowLeft size={16} />} onClick={onBack} w="fit-content">
          Queue
        </Button>
        <ErrorAlert error={loadError} title="Cannot open this note for review" onRetry={() => setLoadGeneration((value) => value + 1)} />
      </Stack>
    );
  }
  if (!document) {
    return (
      <Center mih={240}>
        <Loader />
      </Center>
    );
  }

  const counts = { pending: 0, accepted: 0, rejected: 0 };
  for (const annotation of document.annotations) counts[annotation.decision] += 1;
  const saving = operations.length > 0;

  return (
    <Stack gap="sm" data-testid="document-review">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
          <Tooltip label="Back to the queue">
            <Button variant="subtle" size="xs" leftSection={<IconArrowLeft size={16} />} onClick={onBack}>
              Queue
            </Button>
          </Tooltip>
          <Stack gap={0} style={{ minWidth: 0 }}>
            <Title order={3} style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} data-testid="review-title">
              {document.title}
            </Title>
            <Text size="xs" c="dimmed">
              {document.patient && onOpenPatient ? (
                <>
                  {document.date ? `${document.date.slice(0, 10)} · ` : ''}
                  <Anchor component="button" type="button" size="xs" onClick={() => onOpenPatient(document.patient!.slice('Patient/'.length))} data-testid="review-patient-link">
                    {document.patient}
                  </Anchor>
                  {` · reviewing as ${reviewer}`}
                </>
              ) : (
                [document.date?.slice(0, 10), document.patient, `reviewing as ${reviewer}`].filter(Boolean).join(' · ')
              )}
            </Text>
          </Stack>
          <Badge color={STATUS_COLOR[document.status]} variant="light" data-testid="review-status" style={{ flexShrink: 0 }}>
            {STATUS_LABEL[document.status]}
          </Badge>
        </Group>
        <Group gap={6}>
          <Text size="xs" c="dimmed" data-testid="review-counts">
            {counts.pending} pending · {counts.accepted} accepted · {counts.rejected} rejected
          </Text>
          <Text size="xs" c={saving ? 'orange' : 'dimmed'} w={58} data-testid="save-state">
            {saving ? 'Saving…' : 'Saved'}
          </Text>
          <Tooltip label={historyState.undoLabel ? `Undo: ${historyState.undoLabel} (Ctrl+Z)` : 'Nothing to undo'}>
            <Button size="xs" variant="default" px={8} disabled={!historyState.canUndo} onClick={() => undoOrRedo('undo')} aria-label="Undo">
              <IconArrowBackUp size={16} />
            </Button>
          </Tooltip>
          <Tooltip label={historyState.redoLabel ? `Redo: ${historyState.redoLabel} (Ctrl+Shift+Z)` : 'Nothing to redo'}>
            <Button size="xs" variant="default" px={8} disabled={!historyState.canRedo} onClick={() => undoOrRedo('redo')} aria-label="Redo">
              <IconArrowForwardUp size={16} />
            </Button>
          </Tooltip>
          <Button size="xs" variant="default" leftSection={<IconChecks size={16} />} onClick={() => setBulkOpen(true)}>
            Bulk accept (b)
          </Button>
          {document.status !== 'in-progress' && (
            <Button size="xs" variant="default" onClick={() => setStatus('in-progress')}>
              In progress
            </Button>
          )}
          {document.status !== 'done' && (
            <Button size="xs" color="green" onClick={() => setStatus('done')} data-testid="mark-done">
              Done (⇧D)
            </Button>
          )}
          {onPrevious && (
            <Tooltip label="Previous document (p)">
              <Button size="xs" variant="default" px={8} onClick={onPrevious} aria-label="Previous document">
                <IconChevronLeft size={16} />
              </Button>
            </Tooltip>
          )}
          <Tooltip label="Next document (n)">
            <Button size="xs" variant="default" rightSection={<IconChevronRight size={16} />} onClick={() => onNext(document)} data-testid="next-document">
              Next
            </Button>
          </Tooltip>
          <Tooltip label="Keys (?)">
            <Button size="xs" variant={cheatSheet ? 'light' : 'default'} px={8} onClick={toggleCheatSheet} aria-label="Keyboard cheat sheet">
              <IconKeyboard size={16} />
            </Button>
          </Tooltip>
        </Group>
      </Group>
      {failure && (
        <Alert color="red" variant="light" title={`Not saved: ${failure.label}`} withCloseButton onClose={() => setFailure(undefined)} data-testid="review-failure">
          <Text size="sm">{describeOutcome(failure.error)}</Text>
          <Text size="xs" c="dimmed">
            The note shows what is stored.
          </Text>
          {failure.retry && (
            <Button size="xs" mt="xs" variant="outline" color="red" onClick={() => enqueue(failure.retry!)}>
              Retry
            </Button>
          )}
        </Alert>
      )}
      {document.textChanged && (
        <Alert color="yellow" variant="light" title="The note changed since it was reviewed">
          Spans of earlier decisions may be off: check them.
        </Alert>
      )}
      {document.nlp !== 'succeeded' && (
        <Alert color="blue" variant="light">
          {document.nlp === 'failed' ? 'The NLP engine failed on this note: only entities added by hand are shown.' : 'The NLP engine has not read this note yet.'}
        </Alert>
      )}
      <Group align="flex-start" wrap="nowrap" gap="sm">
        {/* Plain boxes around the note: a Mantine Card or ScrollArea gives its subtree a new context
            value on every render, and React then walks the note's thousands of elements for consumers. */}
        <Box
          style={{ flex: 1, minWidth: 0, border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-md)', background: 'var(--mantine-color-body)' }}
        >
          <Box h="calc(100vh - 190px)" style={{ overflow: 'auto' }} data-testid="note-scroll">
            <NoteView
              text={document.text}
              sections={document.sections}
              annotations={document.annotations}
              selectedId={selectedId}
              onSelect={(id) => {
                setSelectedId(id);
                setConceptSearchOpen(false);
              }}
              onTextSelected={setTextSelection}
              onDragEdge={onDragEdge}
            />
          </Box>
        </Box>
        <ScrollArea h="calc(100vh - 190px)" w={380} style={{ flexShrink: 0 }} type="auto">
          <Stack gap="sm" pr={8}>
            {textSelection && (
              <Card withBorder padding="xs" data-testid="add-entity">
                <Text size="xs" mb={6}>
                  Add “{document.text.slice(textSelection.begin, textSelection.end).trim().slice(0, 60)}” as
                </Text>
                <Group gap="xs">
                  <Select
                    size="xs"
                    data={ENTITY_CATEGORIES.map((category) => ({ value: category, label: `${CATEGORY_STYLES[category].digit} · ${CATEGORY_STYLES[category].label}` }))}
                    value={newCategory}
                    onChange={(value) => value && setNewCategory(value as EntityCategory)}
                    allowDeselect={false}
                    w={200}
                    aria-label="Category of the new entity"
                  />
                  <Button size="xs" onClick={addSelection}>
                    Add (e)
                  </Button>
                </Group>
              </Card>
            )}
            {selected && actions ? (
              <EntityPanel annotation={selected} conceptSearchOpen={conceptSearchOpen} search={backend.searchConcepts} actions={actions} />
            ) : (
              <Card withBorder padding="sm">
                <Text size="sm" c="dimmed">
                  {document.annotations.length === 0
                    ? 'No entities in this note. Select text to add one.'
                    : 'Select an entity: j / k, or click it.'}
                </Text>
              </Card>
            )}
            {cheatSheet && <CheatSheet onClose={toggleCheatSheet} />}
            <CategoryLegend />
          </Stack>
        </ScrollArea>
      </Group>
      <BulkAcceptModal
        opened={bulkOpen}
        onClose={() => setBulkOpen(false)}
        documentId={documentId}
        text={selected?.text}
        busy={bulkBusy}
        onRun={bulkAccept}
      />
    </Stack>
  );
}
