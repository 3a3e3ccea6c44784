import { Alert, Button, Card, Group, Progress, Stack, Text, Tooltip } from '@mantine/core';
import { IconPlayerPlay, IconPlayerStop, IconRefresh, IconSchool } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { NlpQueueStatus } from '../../../src-main/api/contract';
import type { LearningSummary } from '../../../src-main/nlp/learning/model';
import { useHearthEvent } from '../api/context';
import { useApiCall, useApiQuery } from '../api/hooks';
import { formatCount, formatDuration } from '../lib/format';
import { FINISHED_JOB_STATUSES, useJob } from '../shell/use-job';
import { ErrorAlert } from './ErrorAlert';

/**
 * The clinical NLP queue at a glance (docs/nlp-results.md): notes processed, waiting and failed,
 * the running job's progress with Cancel, Resume when paused, and the older-engine notice with
 * Re-run, and what the engine learned from reviewers' corrections (docs/review.md §5). Kept
 * current by `nlp` events; nlp.status on mount.
 */
export function NlpStatusPanel() {
  const query = useApiQuery((api) => api.nlp.status({}), []);
  const [status, setStatus] = useState<NlpQueueStatus | undefined>(undefined);
  useEffect(() => {
    if (query.data) setStatus(query.data);
  }, [query.data]);
  useHearthEvent((event) => {
    if (event.type === 'nlp') setStatus(event.status);
  });
  const start = useApiCall((api) => api.nlp.start({}));
  const rerun = useApiCall((api) => api.nlp.rerun({ scope: 'outdated' }));
  const cancel = useApiCall((api) => api.nlp.cancel({}));
  const apply = (result: { ok: true; value: NlpQueueStatus } | { ok: false }) => {
    if (result.ok) setStatus(result.value);
  };

  if (query.error && !status) return <ErrorAlert error={query.error} title="Cannot read the NLP status" onRetry={query.reload} />;
  if (!status) return null;
  const callError = start.error ?? rerun.error ?? cancel.error;
  return (
    <Card withBorder padding="md" data-testid="nlp-status">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>Clinical NLP</Text>
          {status.versions && (
            <Text size="xs" c="dimmed">
              engine {status.versions.engine}, lexicon {status.versions.lexicon}
            </Text>
          )}
        </Group>
        {!status.available ? (
          <Text size="sm" c="dimmed">
            No NLP engine in this session: notes are not analysed.
          </Text>
        ) : (
          <>
            <Text size="sm" data-testid="nlp-counts">
              {formatCount(status.current)} of {formatCount(status.notes)} notes processed
              {status.pending > 0 ? `, ${formatCount(status.pending)} waiting` : ''}
              {status.failed > 0 ? `, ${formatCount(status.failed)} failed` : ''}
              {status.scanned ? '' : ' (still looking for notes)'}
            </Text>
            {status.jobId !== undefined && <NlpJobProgress jobId={status.jobId} onCancel={() => void cancel.run().then(apply)} cancelling={cancel.loading} />}
            {status.paused && (
              <Group gap="xs">
                <Text size="sm" c="dimmed">
                  Paused: new notes wait.
                </Text>
                <Button size="xs" variant="light" leftSection={<IconPlayerPlay size={14} />} loading={start.loading} onClick={() => void start.run().then(apply)}>
                  Resume
                </Button>
              </Group>
            )}
            {status.notice !== undefined && (
              <Alert color="yellow" variant="light" p="xs" data-testid="nlp-notice">
                <Group justify="space-between" wrap="nowrap">
                  <Text size="sm">{status.notice}.</Text>
                  <Button size="xs" leftSection={<IconRefresh size={14} />} loading={rerun.loading} onClick={() => void rerun.run().then(apply)}>
                    Re-run
                  </Button>
                </Group>
              </Alert>
            )}
            <NlpLearning packs={status.versions?.packs.join(',') ?? ''} />
            {status.errors.length > 0 && (
              <Stack gap={2} data-testid="nlp-errors">
                {status.errors.slice(-5).map((e) => (
                  <Text key={`${e.id}:${e.message}`} size="xs" c="red">
                    DocumentReference/{e.id}: {e.message}
                  </Text>
                ))}
              </Stack>
            )}
          </>
        )}
        {callError && <ErrorAlert error={callError} title="The NLP queue did not answer" />}
      </Stack>
    </Card>
  );
}

/**
 * One line on what reviewers' corrections taught the engine; asked again when the engine's
 * versions change (a new model restarts it). Says nothing when nothing was learned or the session
 * cannot tell (it is not what the panel is about).
 */
function NlpLearning({ packs }: { packs: string }) {
  const query = useApiQuery((api) => api.nlp.learning({}), [packs]);
  const relearn = useApiCall((api) => api.nlp.relearn({}));
  const [relearned, setRelearned] = useState<{ summary: LearningSummary; changed: boolean } | undefined>(undefined);
  // A model derived since (the automatic rebuild after later review changes) replaces what Relearn answered.
  useEffect(() => {
    if (query.data) setRelearned((current) => (current && current.summary.version !== query.data!.version ? undefined : current));
  }, [query.data]);
  const learned = relearned?.summary ?? query.data;
  if (!learned || learned.corrections === 0) return null;
  const run = async (): Promise<void> => {
    const before = learned.version;
    const result = await relearn.run();
    if (result.ok) setRelearned({ summary: result.value, changed: result.value.version !== before });
  };
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap" justify="space-between">
        <Text size="xs" c="dimmed" data-testid="nlp-learning">
          Learned from {formatCount(learned.corrections)} review corrections: {formatCount(learned.suppressions)} suppressed mentions, {formatCount(learned.terms)} terms,{' '}
          {formatCount(learned.concepts)} concept choices, {formatCount(learned.rejectedConcepts)} corrected concept links, {formatCount(learned.triggers)} trigger phrases,{' '}
          {formatCount(learned.pseudoTriggers)} non-trigger phrases
        </Text>
        <Tooltip label="Learn again from every review record now (also done a few seconds after each review change)">
          <Button size="compact-xs" variant="subtle" leftSection={<IconSchool size={14} />} loading={relearn.loading} onClick={() => void run()} data-testid="nlp-relearn">
            Relearn
          </Button>
        </Tooltip>
      </Group>
      {relearn.loading && <Progress value={100} animated striped size="xs" aria-label="Relearning" />}
      {relearned && !relearn.loading && (
        <Text size="xs" c="dimmed" data-testid="nlp-relearned">
          {relearned.changed
            ? `New model from ${formatCount(learned.records)} review records: the engine restarts with it, and the notes it reads differently are re-run.`
            : `Nothing new from ${formatCount(learned.records)} review records.`}
        </Text>
      )}
      {relearn.error && <ErrorAlert error={relearn.error} title="Relearning failed" />}
    </Stack>
  );
}

function NlpJobProgress({ jobId, onCancel, cancelling }: { jobId: string; onCancel: () => void; cancelling: boolean }) {
  const { job } = useJob(jobId);
  if (!job || FINISHED_JOB_STATUSES.has(job.status)) return null;
  const { progress } = job;
  const percent = progress.total ? Math.min(100, (progress.done / progress.total) * 100) : undefined;
  return (
    <Stack gap={4} data-testid="nlp-job">
      <Progress value={percent ?? 100} animated striped={percent === undefined} aria-label="NLP progress" />
      <Group justify="space-between">
        <Group gap="sm">
          <Text size="sm">{progress.message ?? (job.status === 'queued' ? 'Waiting for another job' : 'Working')}</Text>
          {progress.ratePerSecond !== undefined && (
            <Text size="sm" c="dimmed">
              {formatCount(Math.round(progress.ratePerSecond))} notes/s
            </Text>
          )}
          {progress.etaSeconds !== undefined && (
            <Text size="sm" c="dimmed">
              about {formatDuration(progress.etaSeconds)} left
            </Text>
          )}
        </Group>
        <Button size="xs" variant="subtle" color="red" leftSection={<IconPlayerStop size={14} />} loading={cancelling} onClick={onCancel}>
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}
