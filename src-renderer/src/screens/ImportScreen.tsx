import {
  ActionIcon, Alert, Badge, Button, Card, Group, Pagination, Progress, SimpleGrid, Skeleton, Stack, Table, Text, TextInput, Title,
} from '@mantine/core';
import { Dropzone, type FileWithPath } from '@mantine/dropzone';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconFileImport, IconFolderOpen, IconPlayerStop, IconUpload, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import type { ImportReport, ImportSource, JobState } from '../../../src-main/api/contract';
import { describeOutcome, err, outcome, type Result } from '../../../src-main/api/result';
import { useClient } from '../api/context';
import { useApiCall, useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { downloadJson } from '../lib/download';
import { formatBytes, formatCount, formatDuration, formatRate } from '../lib/format';
import type { Route } from '../router/routes';
import { FINISHED_JOB_STATUSES, useJob } from '../shell/use-job';
import { useVaultData } from '../shell/vault-data';

const ACCEPT = {
  'application/json': ['.json'],
  'application/fhir+json': ['.json'],
  'application/x-ndjson': ['.ndjson'],
  'application/ndjson': ['.ndjson'],
  'application/fhir+ndjson': ['.ndjson'],
};

export function ImportScreen({ route, navigate }: { route: Extract<Route, { screen: 'import' }>; navigate: (route: Route) => void }) {
  const { activeJobId, setActiveJobId } = useVaultData();
  const jobId = route.jobId ?? activeJobId;
  const startOver = () => {
    setActiveJobId(undefined);
    navigate({ screen: 'import' });
  };
  return (
    <Stack>
      <Title order={2}>Import</Title>
      {jobId ? (
        <JobPanel key={jobId} jobId={jobId} onNewImport={startOver} />
      ) : (
        <>
          <FilePicker onStarted={(id) => navigate({ screen: 'import', jobId: id })} />
          <PathImport onStarted={(id) => navigate({ screen: 'import', jobId: id })} />
        </>
      )}
    </Stack>
  );
}

/** Their text as `import.start` sources (Electron, whose IPC has no file streaming). */
async function textSources(files: readonly File[]): Promise<ImportSource[]> {
  return Promise.all(files.map(async (file) => ({ kind: 'text' as const, name: file.name, text: await file.text() })));
}

function FilePicker({ onStarted }: { onStarted: (jobId: string) => void }) {
  const { setActiveJobId } = useVaultData();
  const client = useClient();
  const [files, setFiles] = useState<FileWithPath[]>([]);
  // The web mode streams the files to the server: the page never holds their text.
  const start = useApiCall(async (api, chosen: readonly File[]): Promise<Result<{ jobId: string }>> => {
    if (client.importFiles) return client.importFiles(chosen);
    let sources: ImportSource[];
    try {
      sources = await textSources(chosen);
    } catch {
      return err(outcome('exception', 'A selected file could not be read'));
    }
    return api.import.start({ sources });
  });

  const addFiles = (added: FileWithPath[]) => {
    setFiles((previous) => {
      const known = new Set(previous.map((file) => `${file.name}:${file.size}`));
      return [...previous, ...added.filter((file) => !known.has(`${file.name}:${file.size}`))];
    });
  };

  const run = async () => {
    const result = await start.run(files);
    if (result.ok) {
      setActiveJobId(result.value.jobId);
      setFiles([]);
      onStarted(result.value.jobId);
    }
  };

  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  return (
    <Stack>
      <Dropzone
        onDrop={addFiles}
        onReject={(rejections) =>
          notifications.show({
            color: 'orange',
            title: 'Some files were skipped',
            message: `${rejections.length} file(s) are not .json or .ndjson`,
          })
        }
        accept={ACCEPT}
        multiple
        data-testid="dropzone"
      >
        <Group justify="center" gap="xl" mih={160} style={{ pointerEvents: 'none' }}>
          <Dropzone.Accept>
            <IconUpload size={52} stroke={1.5} color="var(--mantine-color-orange-6)" />
          </Dropzone.Accept>
          <Dropzone.Reject>
            <IconX size={52} stroke={1.5} color="var(--mantine-color-red-6)" />
          </Dropzone.Reject>
          <Dropzone.Idle>
            <IconFileImport size={52} stroke={1.5} color="var(--mantine-color-dimmed)" />
          </Dropzone.Idle>
          <div>
            <Text size="xl" inline>
              Drag FHIR files here or click to choose them
            </Text>
            <Text size="sm" c="dimmed" inline mt={7} display="block">
              A resource or a Bundle (.json), or NDJSON with one resource per line (.ndjson)
            </Text>
          </div>
        </Group>
      </Dropzone>
      {files.length > 0 && (
        <Card withBorder padding="sm">
          <Table data-testid="selected-files">
            <Table.Tbody>
              {files.map((file) => (
                <Table.Tr key={`${file.name}:${file.size}`}>
                  <Table.Td>{file.name}</Table.Td>
                  <Table.Td ta="right" c="dimmed">
                    {formatBytes(file.size)}
                  </Table.Td>
                  <Table.Td w={40}>
                    <ActionIcon variant="subtle" color="gray" aria-label={`Remove ${file.name}`} disabled={start.loading} onClick={() => setFiles((previous) => previous.filter((candidate) => candidate !== file))}>
                      <IconX size={16} />
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between" mt="sm">
            <Text size="sm" c="dimmed">
              {files.length} file{files.length === 1 ? '' : 's'}, {formatBytes(totalBytes)}
            </Text>
            <Group gap="xs">
              <Button variant="default" onClick={() => setFiles([])} disabled={start.loading}>
                Clear
              </Button>
              <Button leftSection={<IconFileImport size={16} />} onClick={() => void run()} loading={start.loading} data-testid="start-import">
                Import {files.length} file{files.length === 1 ? '' : 's'}
              </Button>
            </Group>
          </Group>
        </Card>
      )}
      {start.loading && (
        <Text size="sm" c="dimmed">
          Sending {files.length} file{files.length === 1 ? '' : 's'} ({formatBytes(totalBytes)}) to the vault…
        </Text>
      )}
      {start.error && <ErrorAlert error={start.error} title="The import did not start" />}
    </Stack>
  );
}

/**
 * A folder or file on this computer, read by the services where they run (the desktop app, or the
 * web mode's server on this machine): an $export folder with its manifest, a Synthea fhir/ or csv/
 * folder, or a file too large to send through the page. The desktop app adds the native picker.
 */
function PathImport({ onStarted }: { onStarted: (jobId: string) => void }) {
  const { setActiveJobId } = useVaultData();
  const client = useClient();
  const [source, setSource] = useState('');
  const start = useApiCall((api, chosen: string) => api.import.start({ sources: [{ kind: 'path', path: chosen }] }));
  const choose = async () => {
    const picked = await client.pickFolder?.('import');
    if (picked) setSource(picked);
  };
  const run = async () => {
    const result = await start.run(source.trim());
    if (result.ok) {
      setActiveJobId(result.value.jobId);
      setSource('');
      onStarted(result.value.jobId);
    }
  };
  return (
    <Card withBorder padding="sm">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <Stack gap="xs">
          <Group align="flex-end" wrap="nowrap">
            <TextInput
              style={{ flex: 1 }}
              label="Or a folder or file on this computer"
              description="A Bulk Data $export folder (with its manifest.json), a Synthea fhir/ or csv/ folder, or one file"
              placeholder="/home/me/export"
              value={source}
              onChange={(event) => setSource(event.currentTarget.value)}
              data-testid="import-path"
            />
            {client.pickFolder && (
              <Button variant="default" leftSection={<IconFolderOpen size={16} />} onClick={() => void choose()}>
                Choose a folder…
              </Button>
            )}
            <Button type="submit" leftSection={<IconFileImport size={16} />} disabled={source.trim() === ''} loading={start.loading} data-testid="import-path-start">
              Import
            </Button>
          </Group>
          {start.error && <ErrorAlert error={start.error} title="The import did not start" />}
        </Stack>
      </form>
    </Card>
  );
}

function JobPanel({ jobId, onNewImport }: { jobId: string; onNewImport: () => void }) {
  const { job, error } = useJob(jobId);
  const cancel = useApiCall((api) => api.jobs.cancel({ jobId }));
  const finished = job ? FINISHED_JOB_STATUSES.has(job.status) : false;

  if (!job) {
    return error ? <ErrorAlert error={error} title="Cannot follow the import" /> : <Skeleton height={120} />;
  }
  const { progress } = job;
  // Records when their total is known; else bytes read, which the services know from the start.
  const percent = progress.total
    ? Math.min(100, (progress.done / progress.total) * 100)
    : progress.bytesTotal
      ? Math.min(100, ((progress.bytesDone ?? 0) / progress.bytesTotal) * 100)
      : undefined;
  return (
    <Stack>
      <Card withBorder padding="md" data-testid="job-panel">
        <Group justify="space-between" mb="xs" wrap="nowrap">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0, flex: 1 }}>
            <Text fw={600} truncate="end" title={job.title}>
              {job.title}
            </Text>
            <StatusBadge status={job.status} />
          </Group>
          {!finished && (
            <Button
              style={{ flexShrink: 0 }}
              color="red"
              variant="light"
              leftSection={<IconPlayerStop size={16} />}
              onClick={() => void cancel.run()}
              loading={cancel.loading}
            >
              Cancel
            </Button>
          )}
        </Group>
        {!finished && (
          <>
            <Progress
              value={percent ?? 100}
              animated={percent === undefined || job.status === 'running'}
              striped={percent === undefined}
              size="lg"
              aria-label="Import progress"
            />
            <Group gap="lg" mt="xs">
              <Text size="sm" data-testid="job-done">
                {formatCount(progress.done)}
                {progress.total !== undefined ? ` / ${formatCount(progress.total)}` : ''} records
              </Text>
              <Text size="sm" c="dimmed">
                {formatRate(progress.ratePerSecond)}
              </Text>
              {progress.etaSeconds !== undefined && (
                <Text size="sm" c="dimmed">
                  about {formatDuration(progress.etaSeconds)} left
                </Text>
              )}
              {progress.bytesTotal !== undefined && (
                <Text size="sm" c="dimmed">
                  {formatBytes(progress.bytesDone ?? 0)} of {formatBytes(progress.bytesTotal)}
                </Text>
              )}
              {progress.message && (
                <Text size="sm" c="dimmed">
                  {progress.message}
                </Text>
              )}
            </Group>
          </>
        )}
        {job.error && (
          <Alert color="red" mt="sm">
            {describeOutcome(job.error)}
          </Alert>
        )}
        {cancel.error && <ErrorAlert error={cancel.error} title="Could not cancel" />}
      </Card>
      {/* Not where Cancel was: a click aimed at Cancel just as the job ends must not start over. */}
      {finished && (
        <Group justify="flex-end">
          <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={onNewImport}>
            Import more
          </Button>
        </Group>
      )}
      {finished && <ReportPanel jobId={jobId} />}
    </Stack>
  );
}

function StatusBadge({ status }: { status: JobState['status'] }) {
  const color = { queued: 'gray', running: 'blue', succeeded: 'green', failed: 'red', cancelled: 'orange' }[status];
  return (
    <Badge color={color} variant="light" data-testid="job-status" style={{ flexShrink: 0 }}>
      {status}
    </Badge>
  );
}

const ERRORS_PER_PAGE = 25;

function ReportPanel({ jobId }: { jobId: string }) {
  const report = useApiQuery<ImportReport>((api) => api.import.report({ jobId }), [jobId]);
  const [page, setPage] = useState(1);
  if (report.error) return <ErrorAlert error={report.error} title="Cannot read the import report" onRetry={report.reload} />;
  if (!report.data) return <Skeleton height={200} />;
  const data = report.data;
  const pages = Math.max(1, Math.ceil(data.errors.length / ERRORS_PER_PAGE));
  const shown = data.errors.slice((page - 1) * ERRORS_PER_PAGE, page * ERRORS_PER_PAGE);
  return (
    <Stack data-testid="import-report">
      <Group justify="space-between">
        <Title order={3}>Report</Title>
        <Button variant="default" leftSection={<IconDownload size={16} />} onClick={() => downloadJson(`hearth-import-${jobId}.json`, data)}>
          Save report
        </Button>
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Stat label="Created" value={data.created} color="green" />
        <Stat label="Updated" value={data.updated} color="blue" />
        <Stat label="Unchanged" value={data.unchanged} color="gray" />
        <Stat label="Failed" value={data.failed} color={data.failed > 0 ? 'red' : 'gray'} />
      </SimpleGrid>
      <Card withBorder padding="sm">
        <Text fw={600} mb="xs">
          Files
        </Text>
        <Table.ScrollContainer minWidth={560}>
          <Table data-testid="report-files">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>File</Table.Th>
                <Table.Th ta="right">Records</Table.Th>
                <Table.Th ta="right">Created</Table.Th>
                <Table.Th ta="right">Updated</Table.Th>
                <Table.Th ta="right">Unchanged</Table.Th>
                <Table.Th ta="right">Failed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.files.map((file) => (
                <Table.Tr key={file.file}>
                  <Table.Td>
                    {file.file}
                    {file.problem && (
                      <Text size="xs" c="red">
                        {file.problem}
                      </Text>
                    )}
                    {file.notice && (
                      <Text size="xs" c="dimmed">
                        {file.notice}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{formatCount(file.records)}</Table.Td>
                  <Table.Td ta="right">{formatCount(file.created)}</Table.Td>
                  <Table.Td ta="right">{formatCount(file.updated)}</Table.Td>
                  <Table.Td ta="right">{formatCount(file.unchanged)}</Table.Td>
                  <Table.Td ta="right" c={file.failed > 0 ? 'red' : undefined}>
                    {formatCount(file.failed)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      {data.errors.length > 0 && (
        <Card withBorder padding="sm">
          <Text fw={600} mb="xs">
            Records that were not imported ({formatCount(data.errors.length)})
          </Text>
          <Table.ScrollContainer minWidth={560}>
            <Table striped data-testid="report-errors">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>File</Table.Th>
                  <Table.Th ta="right">Line</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((error, index) => (
                  <Table.Tr key={`${error.file}:${error.line}:${error.entryIndex ?? ''}:${index}`}>
                    <Table.Td>{error.file}</Table.Td>
                    <Table.Td ta="right">
                      {error.line}
                      {error.entryIndex !== undefined && (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          (entry {error.entryIndex})
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{error.resourceType ?? ''}</Table.Td>
                    <Table.Td>{error.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {pages > 1 && <Pagination mt="sm" size="sm" total={pages} value={page} onChange={setPage} />}
        </Card>
      )}
    </Stack>
  );
}

function Stat({ label, value, color }: { label: string; value: number; color: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={700} size="xl" c={color === 'gray' ? undefined : color} data-testid={`report-${label.toLowerCase()}`}>
        {formatCount(value)}
      </Text>
    </Card>
  );
}
