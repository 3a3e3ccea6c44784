/**
 * Terminology packs (docs/terminology.md): the ICD-10-CM and RxNorm releases stored in the vault
 * for the clinical NLP's concept linking, and an import of official release files read on this
 * machine (the services read the paths, in web mode too), followed as a job: progress, Cancel,
 * then the report. A stored pack changes the engine: the NLP panel then offers to re-run notes.
 */
import { Alert, Anchor, Badge, Button, Card, Group, List, Progress, SimpleGrid, Skeleton, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { IconBook, IconFolderOpen, IconPlayerStop } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { JobState } from '../../../src-main/api/contract';
import { describeOutcome } from '../../../src-main/api/result';
import type { Icd10ImportSummary, RxNormImportSummary, TerminologyImportReport, TerminologyPackInfo } from '../../../src-main/nlp/terminology/report-types';
import { useClient } from '../api/context';
import { useApiCall, useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { NlpStatusPanel } from '../components/NlpStatusPanel';
import { formatBytes, formatCount, formatDuration, formatRate } from '../lib/format';
import type { Route } from '../router/routes';
import { FINISHED_JOB_STATUSES, useJob } from '../shell/use-job';

const SYSTEM_LABEL: Record<TerminologyPackInfo['system'], string> = { ICD10CM: 'ICD-10-CM', RXNORM: 'RxNorm' };

export function TerminologyScreen({ route, navigate }: { route: Extract<Route, { screen: 'terminology' }>; navigate: (route: Route) => void }) {
  // Bumped when an import finishes, so the list shows what it stored.
  const [listGeneration, setListGeneration] = useState(0);
  return (
    <Stack>
      <Title order={2}>Terminology</Title>
      <Text size="sm" c="dimmed" maw={760}>
        The clinical NLP links the conditions and medications it finds to ICD-10-CM and RxNorm codes. It knows a built-in
        lexicon; the official releases you load here add every code and name, and are kept in the vault (encrypted, versioned).
      </Text>
      <PackList generation={listGeneration} />
      {route.jobId ? (
        <ImportJobPanel
          key={route.jobId}
          jobId={route.jobId}
          onFinished={() => setListGeneration((g) => g + 1)}
          onNewImport={() => navigate({ screen: 'terminology' })}
        />
      ) : (
        <ImportForm onStarted={(jobId) => navigate({ screen: 'terminology', jobId })} />
      )}
    </Stack>
  );
}

function PackList({ generation }: { generation: number }) {
  const packs = useApiQuery((api) => api.terminology.list({}), [generation]);
  if (packs.error) return <ErrorAlert error={packs.error} title="Cannot list the terminology packs" onRetry={packs.reload} />;
  if (!packs.data) return <Skeleton height={120} data-testid="packs-loading" />;
  if (packs.data.length === 0) return <NoPacks />;
  return (
    <Card withBorder padding="sm">
      <Text fw={600} mb="xs">
        Stored packs
      </Text>
      <Table.ScrollContainer minWidth={560}>
        <Table data-testid="terminology-packs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>System</Table.Th>
              <Table.Th>Version</Table.Th>
              <Table.Th ta="right">Codes</Table.Th>
              <Table.Th ta="right">Size</Table.Th>
              <Table.Th>Stored</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {packs.data.map((pack) => (
              <Table.Tr key={pack.codeSystemId}>
                <Table.Td>{SYSTEM_LABEL[pack.system]}</Table.Td>
                <Table.Td>{pack.version}</Table.Td>
                <Table.Td ta="right">{formatCount(pack.count)}</Table.Td>
                <Table.Td ta="right" title={`${pack.parts} part${pack.parts === 1 ? '' : 's'}, compressed`}>
                  {formatBytes(pack.bytes)}
                </Table.Td>
                <Table.Td>{pack.lastUpdated ? new Date(pack.lastUpdated).toLocaleString() : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

/** The empty state: what a pack is and where the official files come from. */
function NoPacks() {
  return (
    <Card withBorder padding="md" data-testid="terminology-empty">
      <Group gap="xs" mb="xs">
        <IconBook size={20} />
        <Text fw={600}>No terminology pack yet</Text>
      </Group>
      <Text size="sm" mb="xs">
        A pack is an official code system release read into the vault: every code with its titles and index terms (ICD-10-CM),
        or every drug concept with its names, brands and ingredients (RxNorm). Without one, the NLP still links the common
        conditions and drugs of its built-in lexicon.
      </Text>
      <List size="sm" spacing={4}>
        <List.Item>
          <b>ICD-10-CM</b> (CDC, public domain): the order file <code>icd10cm-order-YYYY.txt</code> from the "Code Descriptions"
          zip, and for more synonyms the Alphabetic Index <code>icd10cm_index_YYYY.xml</code>, both at{' '}
          <Anchor href="https://www.cdc.gov/nchs/icd/icd-10-cm/files.html" target="_blank" rel="noreferrer">
            cdc.gov/nchs/icd/icd-10-cm
          </Anchor>
          .
        </List.Item>
        <List.Item>
          <b>RxNorm</b> (NLM): the RRF files <code>RXNCONSO.RRF</code>, <code>RXNREL.RRF</code> and <code>RXNSAT.RRF</code> of the
          full release (a free UMLS licence) or of the Current Prescribable Content (no licence), from{' '}
          <Anchor href="https://www.nlm.nih.gov/research/umls/rxnorm/docs/rxnormfiles.html" target="_blank" rel="noreferrer">
            nlm.nih.gov/research/umls/rxnorm
          </Anchor>
          .
        </List.Item>
      </List>
      <Text size="sm" c="dimmed" mt="xs">
        Unzip them on this computer and give their folder below: the files are found by name, three levels deep.
      </Text>
    </Card>
  );
}

/** One path per line; blank lines are ignored. */
function pathsOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function ImportForm({ onStarted }: { onStarted: (jobId: string) => void }) {
  const client = useClient();
  const [text, setText] = useState('');
  const start = useApiCall((api, paths: string[]) => api.terminology.import({ paths }));
  const paths = pathsOf(text);

  const submit = async (): Promise<void> => {
    const result = await start.run(paths);
    if (result.ok) onStarted(result.value.jobId);
  };
  const pick = async (): Promise<void> => {
    const folder = await client.pickFolder?.();
    if (folder) setText((previous) => (previous.trim() === '' ? folder : `${previous.trimEnd()}\n${folder}`));
  };

  return (
    <Card withBorder padding="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Stack>
          <Textarea
            label="Release files or folders"
            description="Paths on this computer, one per line: the folders of the unzipped releases, or the files themselves"
            placeholder={'/home/me/terminology/icd10cm-2026\n/home/me/terminology/RxNorm_full_prescribe'}
            rows={3}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            data-testid="terminology-paths"
          />
          {start.error && <ErrorAlert error={start.error} title="The import did not start" />}
          <Group justify="space-between">
            {client.pickFolder ? (
              <Button variant="default" leftSection={<IconFolderOpen size={16} />} onClick={() => void pick()}>
                Choose a folder…
              </Button>
            ) : (
              <span />
            )}
            <Button type="submit" leftSection={<IconBook size={16} />} loading={start.loading} disabled={paths.length === 0} data-testid="start-terminology-import">
              Import {paths.length > 1 ? `${paths.length} paths` : 'release'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function ImportJobPanel({ jobId, onFinished, onNewImport }: { jobId: string; onFinished: () => void; onNewImport: () => void }) {
  const { job, error } = useJob(jobId);
  const cancel = useApiCall((api) => api.jobs.cancel({ jobId }));
  const finished = job ? FINISHED_JOB_STATUSES.has(job.status) : false;
  // The latest callback, called once when the job finishes (not again at each render).
  const onFinishedRef = useRef(onFinished);
  onFinishedRef.current = onFinished;
  useEffect(() => {
    if (finished) onFinishedRef.current();
  }, [finished]);

  if (!job) return error ? <ErrorAlert error={error} title="Cannot follow the terminology import" /> : <Skeleton height={120} />;
  const { progress } = job;
  // Bytes read are known from the start (the files' sizes); records are lines and XML terms.
  const percent = progress.bytesTotal ? Math.min(100, ((progress.bytesDone ?? 0) / progress.bytesTotal) * 100) : undefined;
  return (
    <Stack>
      <Card withBorder padding="md" data-testid="terminology-job">
        <Group justify="space-between" mb="xs" wrap="nowrap">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0, flex: 1 }}>
            <Text fw={600} truncate="end" title={job.title}>
              {job.title}
            </Text>
            <StatusBadge status={job.status} />
          </Group>
          {!finished && (
            <Button color="red" variant="light" leftSection={<IconPlayerStop size={16} />} onClick={() => void cancel.run()} loading={cancel.loading} style={{ flexShrink: 0 }}>
              Cancel
            </Button>
          )}
        </Group>
        {!finished && (
          <>
            <Progress value={percent ?? 100} animated striped={percent === undefined} size="lg" aria-label="Terminology import progress" />
            <Group gap="lg" mt="xs">
              <Text size="sm" data-testid="terminology-job-done">
                {formatCount(progress.done)} records read
              </Text>
              <Text size="sm" c="dimmed">
                {formatRate(progress.ratePerSecond)}
              </Text>
              {progress.bytesTotal !== undefined && (
                <Text size="sm" c="dimmed">
                  {formatBytes(progress.bytesDone ?? 0)} of {formatBytes(progress.bytesTotal)}
                </Text>
              )}
              {progress.etaSeconds !== undefined && (
                <Text size="sm" c="dimmed">
                  about {formatDuration(progress.etaSeconds)} left
                </Text>
              )}
              {progress.message && (
                <Text size="sm" c="dimmed" data-testid="terminology-job-message">
                  {progress.message}
                </Text>
              )}
            </Group>
            <Text size="xs" c="dimmed" mt="xs">
              Cancelling while the files are read stores nothing; a pack whose write has begun is stored whole.
            </Text>
          </>
        )}
        {job.status === 'failed' && (
          <Alert color="red" mt="sm" title="The import failed" data-testid="terminology-job-error">
            {job.error ? describeOutcome(job.error) : 'No reason was given'}
          </Alert>
        )}
        {job.status === 'cancelled' && (
          <Text size="sm" c="dimmed" mt="xs">
            Cancelled: the packs already stored stay as they were.
          </Text>
        )}
        {cancel.error && <ErrorAlert error={cancel.error} title="Could not cancel" />}
      </Card>
      {finished && (
        <Group justify="flex-end">
          <Button variant="default" leftSection={<IconBook size={16} />} onClick={onNewImport}>
            Import another release
          </Button>
        </Group>
      )}
      {job.status === 'succeeded' && <ReportPanel jobId={jobId} />}
    </Stack>
  );
}

function StatusBadge({ status }: { status: JobState['status'] }) {
  const color = { queued: 'gray', running: 'blue', succeeded: 'green', failed: 'red', cancelled: 'orange' }[status];
  return (
    <Badge color={color} variant="light" data-testid="terminology-job-status" style={{ flexShrink: 0 }}>
      {status}
    </Badge>
  );
}

function ReportPanel({ jobId }: { jobId: string }) {
  const report = useApiQuery<TerminologyImportReport>((api) => api.terminology.report({ jobId }), [jobId]);
  if (report.error) return <ErrorAlert error={report.error} title="Cannot read the import report" onRetry={report.reload} />;
  if (!report.data) return <Skeleton height={160} />;
  const data = report.data;
  const changed = [data.icd10?.stored, data.rxnorm?.stored].some((stored) => stored === 'created' || stored === 'updated');
  return (
    <Stack data-testid="terminology-report">
      <Title order={3}>Report</Title>
      <Text size="sm" c="dimmed">
        Read in {formatDuration(data.seconds)}: {data.files.join(', ') || 'no files'}
      </Text>
      {data.icd10 && <Icd10Report summary={data.icd10} />}
      {data.rxnorm && <RxNormReport summary={data.rxnorm} />}
      {changed ? (
        <>
          <Text size="sm">
            The NLP engine now links with this pack. Notes it processed before keep their results until you re-run them.
          </Text>
          <NlpStatusPanel />
        </>
      ) : (
        <Text size="sm" c="dimmed">
          Nothing changed: the vault already held these releases.
        </Text>
      )}
    </Stack>
  );
}

function StoredBadge({ stored }: { stored: Icd10ImportSummary['stored'] }) {
  if (!stored) return null;
  const color = { created: 'green', updated: 'blue', unchanged: 'gray' }[stored];
  return (
    <Badge color={color} variant="light" data-testid="pack-stored">
      {stored}
    </Badge>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={700} size="lg" data-testid={testId}>
        {formatCount(value)}
      </Text>
    </div>
  );
}

function Icd10Report({ summary }: { summary: Icd10ImportSummary }) {
  return (
    <Card withBorder padding="sm" data-testid="report-icd10">
      <Group gap="xs" mb="xs">
        <Text fw={600}>ICD-10-CM {summary.version}</Text>
        <StoredBadge stored={summary.stored} />
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 3 }}>
        <Stat label="Codes" value={summary.codes} testId="report-icd10-codes" />
        <Stat label="Billable" value={summary.billable} testId="report-icd10-billable" />
        <Stat label="Headers" value={summary.headers} />
      </SimpleGrid>
      {summary.indexVersion !== undefined ? (
        <Text size="sm" mt="sm" data-testid="report-icd10-index">
          Alphabetic Index {summary.indexVersion}: {formatCount(summary.indexTermsRead)} terms read, {formatCount(summary.indexTermsWithCode)} with a
          code, {formatCount(summary.indexTermsJoined)} joined to this release, {formatCount(summary.indexTermsDropped)} dropped (their{' '}
          {formatCount(summary.indexCodesDropped)} codes are not in it)
        </Text>
      ) : (
        <Text size="sm" mt="sm" c="dimmed">
          No Alphabetic Index was read: only the code titles are searched.
        </Text>
      )}
    </Card>
  );
}

function RxNormReport({ summary }: { summary: RxNormImportSummary }) {
  const ttys = Object.entries(summary.byTty).sort((a, b) => b[1] - a[1]);
  return (
    <Card withBorder padding="sm" data-testid="report-rxnorm">
      <Group gap="xs" mb="xs">
        <Text fw={600}>RxNorm {summary.version}</Text>
        <Badge variant="outline" color="gray">
          {summary.source === 'rrf' ? 'RRF' : 'partial tables'}
        </Badge>
        <StoredBadge stored={summary.stored} />
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Stat label="Concepts" value={summary.concepts} testId="report-rxnorm-concepts" />
        <Stat label="Rows read" value={summary.rowsRead} />
        <Stat label="Brand → ingredient" value={summary.brandIngredientLinks} />
        <Stat label="Clinical drugs" value={summary.clinicalDrugs} />
      </SimpleGrid>
      <Table mt="sm" data-testid="report-rxnorm-tty" maw={360}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Term type</Table.Th>
            <Table.Th ta="right">Concepts</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {ttys.map(([tty, count]) => (
            <Table.Tr key={tty}>
              <Table.Td>{tty}</Table.Td>
              <Table.Td ta="right">{formatCount(count)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm" c="dimmed" mt="xs">
        Synonyms: {formatCount(summary.synonyms)}
      </Text>
    </Card>
  );
}
