/**
 * Export: writes the vault to a folder on this machine (the services run here, in web mode too)
 * as Bulk Data NDJSON or a collection Bundle (docs/export.md), then follows the job as the Import
 * screen does: progress, Cancel, and the files written.
 */
import { Alert, Badge, Button, Card, Group, Progress, SegmentedControl, Skeleton, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconFileExport, IconFolderOpen, IconPlayerStop } from '@tabler/icons-react';
import { useState } from 'react';
import type { ExportReport, InputOf } from '../../../src-main/api/contract';
import { describeOutcome } from '../../../src-main/api/result';
import { useClient } from '../api/context';
import { useApiCall, useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { formatBytes, formatCount, formatDuration, formatRate } from '../lib/format';
import type { Route } from '../router/routes';
import { FINISHED_JOB_STATUSES, useJob } from '../shell/use-job';


export function ExportScreen({ route, navigate }: { route: Extract<Route, { screen: 'export' }>; navigate: (route: Route) => void }) {
  return (
    <Stack>
      <Title order={2}>Export</Title>
      {route.jobId ? (
        <ExportJobPanel key={route.jobId} jobId={route.jobId} onNewExport={() => navigate({ screen: 'export' })} />
      ) : (
        <ExportForm onStarted={(jobId) => navigate({ screen: 'export', jobId })} />
      )}
    </Stack>
  );
}

/** "a, b ,c" → ["a", "b", "c"]; empty → undefined (no filter). */
function listOf(text: string): string[] | undefined {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

type Scope = 'all' | 'patients' | 'group';

function ExportForm({ onStarted }: { onStarted: (jobId: string) => void }) {
  const client = useClient();
  const [outDir, setOutDir] = useState('');
  // The desktop app's native picker; the typed path works everywhere.
  const chooseFolder = async () => {
    const picked = await client.pickFolder?.('export');
    if (picked) setOutDir(picked);
  };
  const [format, setFormat] = useState<'ndjson' | 'bundle'>('ndjson');
  const [types, setTypes] = useState('');
  const [since, setSince] = useState('');
  const [scope, setScope] = useState<Scope>('all');
  const [patients, setPatients] = useState('');
  const [group, setGroup] = useState('');
  const start = useApiCall((api, input: InputOf<'export', 'start'>) => api.export.start(input));

  const submit = async (): Promise<void> => {
    const typeList = listOf(types);
    const patientList = scope === 'patients' ? listOf(patients) : undefined;
    const input: InputOf<'export', 'start'> = {
      outDir: outDir.trim(),
      format,
      ...(typeList ? { types: typeList } : {}),
      ...(since.trim() !== '' ? { since: since.trim() } : {}),
      ...(patientList ? { patients: patientList } : {}),
      ...(scope === 'group' && group.trim() !== '' ? { group: group.trim() } : {}),
    };
    const result = await start.run(input);
    if (result.ok) onStarted(result.value.jobId);
  };
  const missingScope = (scope === 'patients' && !listOf(patients)) || (scope === 'group' && group.trim() === '');

  return (
    <Card withBorder padding="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Stack>
          <Group align="flex-end" wrap="nowrap">
            <TextInput
              style={{ flex: 1 }}
              label="Output folder"
              description="A new or empty folder on this computer"
              placeholder="/home/me/hearth-export"
              value={outDir}
              onChange={(event) => setOutDir(event.currentTarget.value)}
              required
              data-testid="export-folder"
            />
            {client.pickFolder && (
              <Button variant="default" leftSection={<IconFolderOpen size={16} />} onClick={() => void chooseFolder()}>
                Choose a folder…
              </Button>
            )}
          </Group>
          <div>
            <Text size="sm" fw={500} mb={4}>
              Format
            </Text>
            <SegmentedControl
              value={format}
              onChange={(value) => setFormat(value === 'bundle' ? 'bundle' : 'ndjson')}
              data={[
                { value: 'ndjson', label: 'Bulk Data NDJSON' },
                { value: 'bundle', label: 'FHIR Bundle' },
              ]}
            />
          </div>
          <div>
            <Text size="sm" fw={500} mb={4}>
              Resources
            </Text>
            <SegmentedControl
              value={scope}
              onChange={(value) => setScope(value === 'patients' ? 'patients' : value === 'group' ? 'group' : 'all')}
              data={[
                { value: 'all', label: 'Everything' },
                { value: 'patients', label: 'Patients' },
                { value: 'group', label: 'Group' },
              ]}
            />
          </div>
          {scope === 'patients' && (
            <TextInput
              label="Patient ids"
              description="Comma-separated; their records (the Patient compartment) are exported"
              value={patients}
              onChange={(event) => setPatients(event.currentTarget.value)}
            />
          )}
          {scope === 'group' && (
            <TextInput
              label="Group id"
              description="The records of the Group's patients are exported"
              value={group}
              onChange={(event) => setGroup(event.currentTarget.value)}
            />
          )}
          <TextInput
            label="Resource types"
            description="Comma-separated, e.g. Patient,Observation; empty for every type"
            value={types}
            onChange={(event) => setTypes(event.currentTarget.value)}
          />
          <TextInput
            label="Changed since"
            description="A FHIR instant, e.g. 2026-01-01T00:00:00Z; empty for all"
            value={since}
            onChange={(event) => setSince(event.currentTarget.value)}
          />
          {start.error && <ErrorAlert error={start.error} title="Could not start the export" />}
          <Group justify="flex-end">
            <Button type="submit" leftSection={<IconFileExport size={16} />} loading={start.loading} disabled={outDir.trim() === '' || missingScope}>
              Export
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function ExportJobPanel({ jobId, onNewExport }: { jobId: string; onNewExport: () => void }) {
  const { job, error } = useJob(jobId);
  const cancel = useApiCall((api) => api.jobs.cancel({ jobId }));
  if (!job) return error ? <ErrorAlert error={error} title="Cannot follow the export" /> : <Skeleton height={120} />;
  const finished = FINISHED_JOB_STATUSES.has(job.status);
  const { progress } = job;
  const percent = progress.total ? Math.min(100, (progress.done / progress.total) * 100) : undefined;
  const color = { queued: 'gray', running: 'blue', succeeded: 'green', failed: 'red', cancelled: 'orange' }[job.status];
  return (
    <Stack>
      <Card withBorder padding="md" data-testid="export-job">
        <Group justify="space-between" mb="xs" wrap="nowrap">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0, flex: 1 }}>
            <Text fw={600} truncate="end" title={job.title}>
              {job.title}
            </Text>
            <Badge color={color} variant="light" data-testid="export-status">
              {job.status}
            </Badge>
          </Group>
          {!finished && (
            <Button color="red" variant="light" leftSection={<IconPlayerStop size={16} />} onClick={() => void cancel.run()} loading={cancel.loading}>
              Cancel
            </Button>
          )}
        </Group>
        {!finished && (
          <>
            <Progress value={percent ?? 100} animated striped={percent === undefined} size="lg" aria-label="Export progress" />
            <Group gap="lg" mt="xs">
              <Text size="sm" data-testid="export-done">
                {formatCount(progress.done)}
                {progress.total !== undefined ? ` / ${formatCount(progress.total)}` : ''} resources
              </Text>
              <Text size="sm" c="dimmed">
                {formatRate(progress.ratePerSecond)}
              </Text>
              {progress.etaSeconds !== undefined && (
                <Text size="sm" c="dimmed">
                  about {formatDuration(progress.etaSeconds)} left
                </Text>
              )}
              {progress.bytesDone !== undefined && (
                <Text size="sm" c="dimmed">
                  {formatBytes(progress.bytesDone)} written
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
      {finished && (
        <Group justify="flex-end">
          <Button variant="default" leftSection={<IconFileExport size={16} />} onClick={onNewExport}>
            Export again
          </Button>
        </Group>
      )}
      {finished && job.status !== 'failed' && <ExportReportPanel jobId={jobId} />}
    </Stack>
  );
}

function ExportReportPanel({ jobId }: { jobId: string }) {
  const report = useApiQuery<ExportReport>((api) => api.export.report({ jobId }), [jobId]);
  if (report.error) return <ErrorAlert error={report.error} title="Cannot read the export report" onRetry={report.reload} />;
  if (!report.data) return <Skeleton height={80} />;
  const { data } = report;
  return (
    <Card withBorder padding="md" data-testid="export-report">
      <Text size="sm" mb="xs">
        {formatCount(data.resources)} resources, {formatBytes(data.bytes)} in <Text span ff="monospace">{data.outDir}</Text>
        {data.status === 'cancelled' ? ' (cancelled: no manifest was written)' : ''}
      </Text>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th ta="right">Resources</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[...data.output, ...data.errors].map((file) => (
            <Table.Tr key={file.url}>
              <Table.Td ff="monospace">{file.url}</Table.Td>
              <Table.Td>{file.type}</Table.Td>
              <Table.Td ta="right">{formatCount(file.count)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
