/**
 * The review workspace (issue 6 §1): `#/review` is the document queue, `#/review/<id>` one note.
 * Decisions are recorded under the reviewer's name from Settings, asked for once when empty.
 */
import { Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { HearthApi, JobState } from '../../../src-main/api/contract';
import { describeOutcome, err, ok, outcome, type Result } from '../../../src-main/api/result';
import type { ReviewDocument } from '../../../src-main/review/types';
import { useApi } from '../api/context';
import { useApiQuery } from '../api/hooks';
import type { BulkAcceptOutcome, ReviewBackend } from '../review/backend';
import { DocumentReview } from '../review/DocumentReview';
import { ReviewHistory } from '../review/history';
import { normalizeFilters, usePagedQueue, type QueueFilters } from '../review/queue';
import { QueueFiltersBar, QueueList } from '../review/QueueList';
import type { Route } from '../router/routes';
import { useSettings } from '../settings-context';
import { isTypingTarget } from '../shell/use-global-keys';
import { formatCount } from '../lib/format';

interface ReviewSession {
  history: ReviewHistory;
  /** Notes opened in this session, in order (for "previous document"). */
  visited: string[];
}

const ReviewSessionContext = createContext<ReviewSession | null>(null);

/** Undo/redo and the visited notes live as long as the unlocked vault (AppLayout), across screens. */
export function ReviewSessionProvider({ children }: { children: ReactNode }) {
  const [session] = useState<ReviewSession>(() => ({ history: new ReviewHistory(), visited: [] }));
  return <ReviewSessionContext.Provider value={session}>{children}</ReviewSessionContext.Provider>;
}

function useReviewSession(): ReviewSession {
  const session = useContext(ReviewSessionContext);
  if (!session) throw new Error('useReviewSession must be used inside <ReviewSessionProvider>');
  return session;
}

/** The review calls for one reviewer, over the API. */
export function reviewBackend(api: HearthApi, reviewer: string): ReviewBackend {
  return {
    reviewer,
    document: (documentId) => api.review.document({ documentId, reviewer }),
    apply: (documentId, changes, expectedRevision) =>
      api.review.apply({ documentId, reviewer, changes, ...(expectedRevision !== undefined ? { expectedRevision } : {}) }),
    setStatus: (documentId, status) => api.review.setStatus({ documentId, reviewer, status }),
    bulkAccept: async (scope) => {
      const started = await api.review.bulkAccept({ reviewer, ...scope });
      if (!started.ok || started.value.jobId === undefined) return started;
      return waitForBulkJob(api, started.value.jobId);
    },
    searchConcepts: (query, systems) => api.concepts.search({ query, systems, limit: 20 }),
    // Status and pending counts as this reviewer sees them.
    queue: (query) => api.review.queue({ ...query, viewer: reviewer }),
  };
}

const FINISHED: ReadonlySet<JobState['status']> = new Set(['succeeded', 'failed', 'cancelled']);

/** Bulk accept over many notes runs as a job (docs/review.md §4): waits for it, its message says what it did. */
async function waitForBulkJob(api: HearthApi, jobId: string): Promise<Result<BulkAcceptOutcome>> {
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    const state = await api.jobs.get({ jobId });
    if (!state.ok) return state;
    const job = state.value;
    if (FINISHED.has(job.status)) {
      if (job.status === 'failed') return err(job.error ?? outcome('exception', 'Bulk accept failed'));
      const message = job.progress.message ?? `Bulk accept ${job.status}`;
      return ok({ documents: 0, accepted: 0, jobMessage: job.status === 'cancelled' ? `${message} (cancelled)` : message });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

type ReviewRoute = Extract<Route, { screen: 'review' | 'review-document' }>;

export function ReviewScreen({ route, navigate }: { route: ReviewRoute; navigate: (route: Route, options?: { replace?: boolean }) => void }) {
  const { settings } = useSettings();
  const api = useApi();
  const reviewer = settings?.reviewerName;
  const backend = useMemo(() => (reviewer ? reviewBackend(api, reviewer) : undefined), [api, reviewer]);
  if (!settings) return null;
  if (!backend) return <ReviewerNameForm />;
  return route.screen === 'review' ? (
    <QueueScreen filters={route.filters} backend={backend} navigate={navigate} />
  ) : (
    <DocumentScreen documentId={route.documentId} filters={route.filters} backend={backend} navigate={navigate} />
  );
}

function ReviewerNameForm() {
  const { update } = useSettings();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [saving, setSaving] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setSaving(true);
    const result = await update({ reviewerName: name.trim() });
    setSaving(false);
    if (!result.ok) setError(describeOutcome(result.error));
  };
  return (
    <Card withBorder padding="lg" maw={520}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <Title order={3}>Who is reviewing?</Title>
          <Text size="sm" c="dimmed">
            Every decision is recorded with the reviewer’s name, so two reviewers of the same notes can be compared. You can change
            it later in Settings.
          </Text>
          <TextInput
            label="Your name"
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            maxLength={100}
            error={error}
            data-autofocus
            autoFocus
          />
          <Group>
            <Button type="submit" disabled={name.trim().length === 0} loading={saving}>
              Start reviewing
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function QueueScreen({ filters, backend, navigate }: { filters: QueueFilters; backend: ReviewBackend; navigate: (route: Route, options?: { replace?: boolean }) => void }) {
  const queue = usePagedQueue(filters, backend.queue);
  const reviewers = useApiQuery((api) => api.review.reviewers({}), []);
  const [selected, setSelected] = useState(0);
  const filterKey = JSON.stringify(normalizeFilters(filters));
  useEffect(() => setSelected(0), [filterKey]);

  const open = useCallback(
    (documentId: string) => navigate({ screen: 'review-document', documentId, filters }),
    [filters, navigate],
  );

  const latest = useRef({ queue, selected, open });
  latest.current = { queue, selected, open };
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (document.querySelector('[role="dialog"]')) return;
      const { queue: current, selected: index, open: openDocument } = latest.current;
      const total = current.total ?? 0;
      if (event.key === 'j' || event.key === 'ArrowDown') {
        event.preventDefault();
        setSelected(Math.min(index + 1, Math.max(0, total - 1)));
      } else if (event.key === 'k' || event.key === 'ArrowUp') {
        event.preventDefault();
        setSelected(Math.max(index - 1, 0));
      } else if (event.key === 'Enter') {
        const item = current.item(index);
        if (item) {
          event.preventDefault();
          openDocument(item.documentId);
        }
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Group gap="xs" align="baseline">
          <Title order={2}>Review</Title>
          {queue.total !== undefined && (
            <Text size="sm" c="dimmed" data-testid="queue-total">
              {formatCount(queue.total)} notes
            </Text>
          )}
        </Group>
        <Group gap="sm">
          <Text size="xs" c="dimmed">
            Reviewing as {backend.reviewer} · j/k to move, Enter to open
          </Text>
          <Button size="xs" variant="default" onClick={() => navigate({ screen: 'review-agreement' })} data-testid="open-agreement">
            Agreement…
          </Button>
          <Button size="xs" variant="default" onClick={() => navigate({ screen: 'review-exchange', filters })} data-testid="open-annotation-exchange">
            Export / import…
          </Button>
        </Group>
      </Group>
      <QueueFiltersBar
        value={filters}
        onChange={(next) => navigate({ screen: 'review', filters: normalizeFilters(next) }, { replace: true })}
        reviewers={(reviewers.data ?? []).map((entry) => entry.name)}
      />
      <QueueList queue={queue} selected={selected} onSelect={setSelected} onOpen={(item) => open(item.documentId)} />
    </Stack>
  );
}

function DocumentScreen({
  documentId,
  filters,
  backend,
  navigate,
}: {
  documentId: string;
  filters: QueueFilters;
  backend: ReviewBackend;
  navigate: (route: Route, options?: { replace?: boolean }) => void;
}) {
  const { history, visited } = useReviewSession();
  useEffect(() => {
    if (visited.at(-1) !== documentId) visited.push(documentId);
  }, [documentId, visited]);
  const previous = visited.length > 1 && visited.at(-1) === documentId ? visited.at(-2) : undefined;

  /**
   * The note after this one in the queue's order (with the same filters); when this one left the
   * filtered queue (marked done), the first one that is not this one.
   */
  const next = useCallback(
    async (current: ReviewDocument) => {
      const page = await backend.queue({ ...normalizeFilters(filters), offset: 0, count: 500 });
      if (!page.ok) return;
      const items = page.value.items;
      const index = items.findIndex((item) => item.documentId === current.documentId);
      const target = index === -1 ? items.find((item) => item.documentId !== current.documentId) : items[index + 1];
      if (target) navigate({ screen: 'review-document', documentId: target.documentId, filters });
      else navigate({ screen: 'review', filters });
    },
    [backend, filters, navigate],
  );

  return (
    <DocumentReview
      key={documentId}
      documentId={documentId}
      backend={backend}
      history={history}
      onBack={() => navigate({ screen: 'review', filters })}
      onNext={(current) => void next(current)}
      onPrevious={
        previous
          ? () => {
              visited.pop();
              navigate({ screen: 'review-document', documentId: previous, filters });
            }
          : undefined
      }
      onOpenDocument={(id) => navigate({ screen: 'review-document', documentId: id, filters })}
      onOpenPatient={(patientId) => navigate({ screen: 'patient', patientId, tab: 'notes', noteId: documentId })}
    />
  );
}
