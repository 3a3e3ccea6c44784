/**
 * Sync with FHIR servers (docs/sync.md): server profiles (sync/ServerForm.tsx: secrets go in and are
 * never shown again; SMART App Launch sign-in in sync/AuthorizationCard.tsx), Test connection, Push and Pull with a dry run first, the job's progress with
 * Pause (cancel at a chunk boundary; the persisted run resumes) and Cancel (the run is forgotten),
 * the last report with per-resource failures and their OperationOutcome, and the conflict queue.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Modal,
  NavLink,
  Progress,
  ScrollArea,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCloudDownload, IconCloudUpload, IconEye, IconPencil, IconPlayerPause, IconPlayerPlay, IconPlayerStop, IconPlugConnected, IconPlus, IconTrash } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { InputOf } from '../../../src-main/api/contract';
import { describeOutcome } from '../../../src-main/api/result';
import type { ConnectionReport, PullReport, PushReport, ServerProfile } from '../../../src-main/sync/types';
import { useApiCall, useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { countOf, formatCount } from '../lib/format';
import type { Route } from '../router/routes';
import { isTypingTarget } from '../shell/use-global-keys';
import { FINISHED_JOB_STATUSES, useJob } from '../shell/use-job';
import { AuthorizationCard } from '../sync/AuthorizationCard';
import { ConflictKindBadge, ConflictPanel } from '../sync/ConflictPanel';
import { ServerForm } from '../sync/ServerForm';
import { caLabel } from '../sync/server-form';

type SyncRoute = Extract<Route, { screen: 'sync' }>;
type Navigate = (route: Route, options?: { replace?: boolean }) => void;

const when = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString() : 'never');

export function SyncScreen({ route, navigate }: { route: SyncRoute; navigate: Navigate }) {
  const servers = useApiQuery((api) => api.sync.servers({}), []);
  const [editing, setEditing] = useState<ServerProfile | 'new' | undefined>(undefined);
  const remove = useApiCall((api, name: string) => api.sync.removeServer({ name }));
  const list = servers.data ?? [];
  const selected = route.server && list.some((s) => s.name === route.server) ? route.server : list[0]?.name;

  const [removing, setRemoving] = useState<string | undefined>(undefined);
  const confirmRemove = (name: string): void => setRemoving(name);
  const doRemove = async (name: string): Promise<void> => {
    const r = await remove.run(name);
    setRemoving(undefined);
    if (r.ok) {
      servers.reload();
      navigate({ screen: 'sync' }, { replace: true });
    } else notifications.show({ color: 'red', title: 'Could not remove', message: describeOutcome(r.error) });
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Sync</Title>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} data-testid="sync-add-server">
          Add server
        </Button>
      </Group>
      {servers.error ? (
        <ErrorAlert error={servers.error} title="Cannot list the servers" onRetry={servers.reload} />
      ) : !servers.data ? (
        <Skeleton height={160} />
      ) : list.length === 0 ? (
        <Card withBorder padding="xl" data-testid="sync-empty">
          <Stack align="center" gap="xs">
            <IconCloudUpload size={36} opacity={0.6} />
            <Text fw={600}>No FHIR servers yet</Text>
            <Text size="sm" c="dimmed" ta="center" maw={520}>
              Add a server (HAPI FHIR, Medplum, HealthLake, Azure or Google FHIR) to push the curated vault to it and pull its updates. https only; plain http only to
              this computer.
            </Text>
            <Button mt="sm" leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
              Add server
            </Button>
          </Stack>
        </Card>
      ) : (
        <Grid>
          <Grid.Col span={{ base: 12, md: 3 }}>
            <Card withBorder padding="xs">
              {list.map((s) => (
                <NavLink
                  key={s.name}
                  active={s.name === selected}
                  label={s.name}
                  description={s.baseUrl}
                  onClick={() => navigate({ screen: 'sync', server: s.name })}
                  data-testid={`sync-server-${s.name}`}
                  rightSection={
                    <Group gap={2} wrap="nowrap">
                      <Button size="compact-xs" variant="subtle" aria-label={`Edit ${s.name}`} onClick={(e) => (e.stopPropagation(), setEditing(s))}>
                        <IconPencil size={14} />
                      </Button>
                      <Button size="compact-xs" variant="subtle" color="red" aria-label={`Remove ${s.name}`} onClick={(e) => (e.stopPropagation(), confirmRemove(s.name))}>
                        <IconTrash size={14} />
                      </Button>
                    </Group>
                  }
                />
              ))}
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 9 }}>
            {selected && <ServerPanel key={selected} profile={list.find((s) => s.name === selected)!} route={route} navigate={navigate} onProfileChanged={servers.reload} />}
          </Grid.Col>
        </Grid>
      )}
      <Modal opened={removing !== undefined} onClose={() => setRemoving(undefined)} title={`Remove the server "${removing ?? ''}"?`}>
        <Text size="sm">Its profile and sealed credentials leave the vault. What was synced stays on both sides.</Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setRemoving(undefined)}>
            Keep
          </Button>
          <Button color="red" loading={remove.loading} onClick={() => removing && void doRemove(removing)}>
            Remove
          </Button>
        </Group>
      </Modal>
      <Modal opened={editing !== undefined} onClose={() => setEditing(undefined)} title={editing === 'new' ? 'Add a FHIR server' : `Edit ${editing?.name ?? ''}`} size="lg">
        {editing !== undefined && (
          <ServerForm
            existing={editing === 'new' ? undefined : editing}
            onSaved={(p) => {
              setEditing(undefined);
              servers.reload();
              navigate({ screen: 'sync', server: p.name });
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}

/** How a profile signs in, for its badge. */
export function authLabel(p: ServerProfile): string {
  switch (p.auth) {
    case 'none':
      return 'no auth';
    case 'basic':
      return `basic (${p.user ?? ''})`;
    case 'bearer':
      return 'bearer token';
    case 'smart-backend':
      return `SMART backend (${p.smart?.clientId ?? ''})`;
    case 'smart-launch':
      return p.authorizedAt ? `SMART sign-in (${p.smart?.clientId ?? ''})` : `SMART sign-in needed (${p.smart?.clientId ?? ''})`;
  }
}

type Scope = 'changed' | 'all' | 'types' | 'query' | 'reviewed';

function ServerPanel({ profile, route, navigate, onProfileChanged }: { profile: ServerProfile; route: SyncRoute; navigate: Navigate; onProfileChanged: () => void }) {
  const name = profile.name;
  const [tick, setTick] = useState(0);
  const status = useApiQuery((api) => api.sync.status({ name }), [name, tick]);
  const conflicts = useApiQuery((api) => api.sync.conflicts({ name }), [name, tick]);
  const refresh = (): void => setTick((t) => t + 1);
  // A finished job leaves its panel and report on screen; only a running one holds the buttons.
  const [finishedJobs, setFinishedJobs] = useState<ReadonlySet<string>>(new Set());
  const go = (extra: Partial<SyncRoute>): void => navigate({ screen: 'sync', server: name, ...(route.jobId ? { jobId: route.jobId } : {}), ...extra });

  // j / k walk the conflict queue.
  const keys = useRef({ conflicts: conflicts.data, current: route.conflict, go });
  keys.current = { conflicts: conflicts.data, current: route.conflict, go };
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
      if (event.key !== 'j' && event.key !== 'k') return;
      const list = (keys.current.conflicts ?? []).map((c) => `${c.resourceType}/${c.localId}`);
      if (list.length === 0) return;
      const at = keys.current.current ? list.indexOf(keys.current.current) : -1;
      const next = event.key === 'j' ? Math.min(list.length - 1, at + 1) : Math.max(0, at - 1);
      event.preventDefault();
      keys.current.go({ conflict: list[next]! });
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <Stack>
      <Group gap="xs">
        <Title order={3}>{name}</Title>
        <Text size="sm" c="dimmed" ff="monospace">
          {profile.baseUrl}
        </Text>
        <Badge variant="light">{authLabel(profile)}</Badge>
        {(profile.ca ?? []).map((cert, i) => (
          <Badge key={i} variant="outline" color={Date.parse(cert.validTo) < Date.now() ? 'red' : 'gray'} tt="none" data-testid="ca-badge">
            {caLabel(cert)}
          </Badge>
        ))}
      </Group>
      {profile.auth === 'smart-launch' && <AuthorizationCard name={name} onAuthorized={onProfileChanged} />}
      <ConnectionCard name={name} />
      {status.error ? (
        <ErrorAlert error={status.error} title="Cannot read the sync state" onRetry={status.reload} />
      ) : status.data ? (
        <Card withBorder padding="sm" data-testid="sync-status">
          <Group gap="xl">
            <Text size="sm">
              <b>{formatCount(status.data.mapped)}</b> resources in step
            </Text>
            <Text size="sm">
              <b>{formatCount(status.data.conflicts)}</b> {status.data.conflicts === 1 ? 'conflict' : 'conflicts'}
            </Text>
            <Text size="sm" c="dimmed">
              last push {when(status.data.lastPushAt)}
            </Text>
            <Text size="sm" c="dimmed">
              last pull {when(status.data.lastPullAt)}
            </Text>
          </Group>
        </Card>
      ) : (
        <Skeleton height={48} />
      )}
      <RunCard
        name={name}
        pending={status.data?.pendingPush}
        busy={route.jobId !== undefined && !finishedJobs.has(route.jobId)}
        onStarted={(jobId) => go({ jobId })}
        onDiscarded={refresh}
      />
      {route.jobId && (
        <JobPanel
          key={route.jobId}
          name={name}
          jobId={route.jobId}
          onFinished={() => {
            const id = route.jobId!;
            setFinishedJobs((set) => new Set(set).add(id));
            refresh();
          }}
          onClose={() => navigate({ screen: 'sync', server: name })}
        />
      )}
      <Card withBorder padding="md" data-testid="conflict-queue">
        <Title order={4} mb="xs">
          Conflicts
        </Title>
        {conflicts.error ? (
          <ErrorAlert error={conflicts.error} title="Cannot list the conflicts" onRetry={conflicts.reload} />
        ) : !conflicts.data ? (
          <Skeleton height={60} />
        ) : conflicts.data.length === 0 ? (
          <Text size="sm" c="dimmed">
            No conflicts: nothing changed on both sides.
          </Text>
        ) : (
          <Table highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Resource</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Found</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {conflicts.data.map((c) => {
                const key = `${c.resourceType}/${c.localId}`;
                return (
                  <Table.Tr key={key} onClick={() => go({ conflict: key })} style={{ cursor: 'pointer' }} bg={key === route.conflict ? 'var(--mantine-primary-color-light)' : undefined} data-testid={`conflict-${key}`}>
                    <Table.Td ff="monospace">{key}</Table.Td>
                    <Table.Td>
                      <ConflictKindBadge kind={c.kind} />
                    </Table.Td>
                    <Table.Td>{new Date(c.detectedAt).toLocaleString()}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      {route.conflict && conflicts.data?.some((c) => `${c.resourceType}/${c.localId}` === route.conflict) && (
        <ConflictPanel
          key={route.conflict}
          server={name}
          conflictKey={route.conflict}
          onResolved={() => {
            const rest = (conflicts.data ?? []).map((c) => `${c.resourceType}/${c.localId}`).filter((k) => k !== route.conflict);
            refresh();
            const next = rest[0];
            navigate({ screen: 'sync', server: name, ...(next ? { conflict: next } : {}) }, { replace: true });
          }}
        />
      )}
    </Stack>
  );
}

function ConnectionCard({ name }: { name: string }) {
  const test = useApiCall((api) => api.sync.test({ name }));
  const [report, setReport] = useState<ConnectionReport | undefined>(undefined);
  return (
    <Card withBorder padding="sm" data-testid="sync-connection">
      <Group justify="space-between">
        <Text size="sm" fw={600}>
          Connection
        </Text>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlugConnected size={14} />}
          loading={test.loading}
          onClick={() => void test.run().then((r) => r.ok && setReport(r.value))}
        >
          Test connection
        </Button>
      </Group>
      {test.error && <ErrorAlert error={test.error} title="Could not test" />}
      {report && (
        <Stack gap={4} mt="xs" data-testid="sync-connection-report">
          <Group gap="xs">
            <Badge color={report.r4 && report.problems.length === 0 ? 'green' : 'red'}>{report.r4 ? `FHIR ${report.fhirVersion ?? '?'}` : 'not usable'}</Badge>
            {report.software && <Text size="sm">{report.software}</Text>}
            <Badge variant="light" color={report.transaction ? 'green' : 'gray'}>
              transaction {report.transaction ? 'yes' : 'no'}
            </Badge>
            <Badge variant="light" color={report.batch ? 'green' : 'gray'}>
              batch {report.batch ? 'yes' : 'no'}
            </Badge>
            <Text size="sm" c="dimmed">
              {countOf(report.resources.length, 'resource type')}; conditional create on {report.resources.filter((r) => r.conditionalCreate).length}
            </Text>
          </Group>
          {report.problems.map((p) => (
            <Text key={p} size="sm" c="red">
              {p}
            </Text>
          ))}
        </Stack>
      )}
    </Card>
  );
}

const listOf = (text: string): string[] => text.split(',').map((t) => t.trim()).filter((t) => t !== '');

function RunCard({
  name,
  pending,
  busy,
  onStarted,
  onDiscarded,
}: {
  name: string;
  pending: { mode: string; startedAt: string; inFlight: number } | undefined;
  busy: boolean;
  onStarted: (jobId: string) => void;
  onDiscarded: () => void;
}) {
  const [scope, setScope] = useState<Scope>('changed');
  const [types, setTypes] = useState('');
  const [query, setQuery] = useState<string | null>(null);
  const [pullTypes, setPullTypes] = useState('');
  const saved = useApiQuery((api) => (scope === 'query' ? api.queries.list({}) : null), [scope]);
  const push = useApiCall((api, input: InputOf<'sync', 'push'>) => api.sync.push(input));
  const pull = useApiCall((api, input: InputOf<'sync', 'pull'>) => api.sync.pull(input));
  const discard = useApiCall((api) => api.sync.discard({ name }));
  const pushInput = (dryRun: boolean): InputOf<'sync', 'push'> => ({
    name,
    dryRun,
    mode: scope === 'all' ? 'all' : 'changed',
    ...(scope === 'types' && listOf(types).length > 0 ? { types: listOf(types) } : {}),
    ...(scope === 'query' && query ? { query } : {}),
    ...(scope === 'reviewed' ? { reviewedOnly: true } : {}),
  });
  const startPush = async (dryRun: boolean): Promise<void> => {
    const r = await push.run(pushInput(dryRun));
    if (r.ok) onStarted(r.value.id);
  };
  const startPull = async (dryRun: boolean): Promise<void> => {
    const t = listOf(pullTypes);
    const r = await pull.run({ name, dryRun, ...(t.length > 0 ? { types: t } : {}) });
    if (r.ok) onStarted(r.value.id);
  };
  const scopeIncomplete = (scope === 'types' && listOf(types).length === 0) || (scope === 'query' && !query);
  return (
    <Card withBorder padding="md" data-testid="sync-run">
      <Stack>
        {pending && (
          <Alert color="yellow" title="A push was interrupted" data-testid="sync-pending">
            <Text size="sm">
              Started {when(pending.startedAt)} ({pending.mode}){pending.inFlight > 0 ? `, ${countOf(pending.inFlight, 'resource')} in flight` : ''}. The next push resumes it first; nothing is sent twice.
            </Text>
            <Group mt="xs">
              <Button size="xs" leftSection={<IconPlayerPlay size={14} />} disabled={busy} loading={push.loading} onClick={() => void startPush(false)}>
                Resume
              </Button>
              <Button size="xs" variant="default" disabled={busy} loading={discard.loading} onClick={() => void discard.run().then((r) => r.ok && onDiscarded())}>
                Forget it
              </Button>
            </Group>
          </Alert>
        )}
        <div>
          <Text size="sm" fw={600} mb={4}>
            Push
          </Text>
          <SegmentedControl
            value={scope}
            onChange={(v) => setScope(v as Scope)}
            data={[
              { value: 'changed', label: 'Changed' },
              { value: 'all', label: 'All' },
              { value: 'types', label: 'By type' },
              { value: 'query', label: 'Saved query' },
              { value: 'reviewed', label: 'Reviewed only' },
            ]}
            aria-label="Push scope"
          />
          <Text size="xs" c="dimmed" mt={4}>
            {
              {
                changed: 'What changed since it was last synced, deletions included.',
                all: 'Every resource, also those in step (resent once).',
                types: 'What changed, of these types only, deletions included.',
                query: 'What a saved query matches, with the unsynced resources it refers to.',
                reviewed: 'Notes whose review is done, with the unsynced resources they refer to.',
              }[scope]
            }
          </Text>
        </div>
        {scope === 'types' && <TextInput label="Resource types" placeholder="Patient, Observation" value={types} onChange={(e) => setTypes(e.currentTarget.value)} />}
        {scope === 'query' &&
          (saved.error ? (
            <ErrorAlert error={saved.error} title="Cannot list the saved queries" onRetry={saved.reload} />
          ) : (
            <Select
              label="Saved query"
              placeholder={saved.data && saved.data.length === 0 ? 'No saved queries: save one on the Query screen' : 'Pick one'}
              data={(saved.data ?? []).map((q) => ({ value: q.id, label: `${q.name} — ${q.query}` }))}
              value={query}
              onChange={setQuery}
              searchable
            />
          ))}
        <Group>
          <Button variant="default" leftSection={<IconEye size={16} />} disabled={busy || scopeIncomplete} loading={push.loading} onClick={() => void startPush(true)} data-testid="sync-push-dry">
            Dry run
          </Button>
          <Button leftSection={<IconCloudUpload size={16} />} disabled={busy || scopeIncomplete} loading={push.loading} onClick={() => void startPush(false)} data-testid="sync-push">
            Push
          </Button>
        </Group>
        {push.error && <ErrorAlert error={push.error} title="Could not start the push" />}
        <div>
          <Text size="sm" fw={600} mb={4}>
            Pull
          </Text>
          <Group align="flex-end">
            <TextInput label="Resource types" description="Empty: the profile's, else every type both sides know" placeholder="Patient, Observation" value={pullTypes} onChange={(e) => setPullTypes(e.currentTarget.value)} style={{ flex: 1 }} />
            <Button variant="default" leftSection={<IconEye size={16} />} disabled={busy} loading={pull.loading} onClick={() => void startPull(true)} data-testid="sync-pull-dry">
              Dry run
            </Button>
            <Button leftSection={<IconCloudDownload size={16} />} disabled={busy} loading={pull.loading} onClick={() => void startPull(false)} data-testid="sync-pull">
              Pull
            </Button>
          </Group>
        </div>
        {pull.error && <ErrorAlert error={pull.error} title="Could not start the pull" />}
      </Stack>
    </Card>
  );
}

function JobPanel({ name, jobId, onFinished, onClose }: { name: string; jobId: string; onFinished: () => void; onClose: () => void }) {
  const { job, error } = useJob(jobId);
  const cancel = useApiCall((api) => api.jobs.cancel({ jobId }));
  const discard = useApiCall((api) => api.sync.discard({ name }));
  const [stop, setStop] = useState<'pause' | 'cancel' | undefined>(undefined);
  const finished = job ? FINISHED_JOB_STATUSES.has(job.status) : false;
  const isPush = job?.title.startsWith('Push') ?? false;
  const onFinishedRef = useRef(onFinished);
  onFinishedRef.current = onFinished;
  useEffect(() => {
    if (!finished) return;
    // A cancel (not a pause) forgets the interrupted run once the job has stopped writing.
    if (stop === 'cancel' && isPush) void discard.run().then(() => onFinishedRef.current());
    else onFinishedRef.current();
    // Once, when the job finishes (stop and isPush are settled by then).
  }, [finished]);
  if (!job) return error ? <ErrorAlert error={error} title="Cannot follow the job" /> : <Skeleton height={100} />;
  const { progress } = job;
  const percent = progress.total ? Math.min(100, (progress.done / progress.total) * 100) : undefined;
  const label = job.status === 'cancelled' && stop === 'pause' ? 'paused' : job.status;
  const color = { queued: 'gray', running: 'blue', succeeded: 'green', failed: 'red', cancelled: 'orange', paused: 'yellow' }[label];
  return (
    <Stack>
      <Card withBorder padding="md" data-testid="sync-job">
        <Group justify="space-between" mb="xs" wrap="nowrap">
          <Group gap="xs">
            <Text fw={600}>{job.title}</Text>
            <Badge color={color} variant="light" data-testid="sync-job-status">
              {label}
            </Badge>
          </Group>
          <Group gap="xs">
            {!finished && isPush && (
              <Button size="xs" variant="light" color="yellow" leftSection={<IconPlayerPause size={14} />} loading={cancel.loading && stop === 'pause'} onClick={() => (setStop('pause'), void cancel.run())}>
                Pause
              </Button>
            )}
            {!finished && (
              <Button size="xs" variant="light" color="red" leftSection={<IconPlayerStop size={14} />} loading={cancel.loading && stop === 'cancel'} onClick={() => (setStop('cancel'), void cancel.run())}>
                Cancel
              </Button>
            )}
            {finished && (
              <Button size="xs" variant="default" onClick={onClose}>
                Close
              </Button>
            )}
          </Group>
        </Group>
        {!finished && (
          <>
            <Progress value={percent ?? 100} animated striped={percent === undefined} size="lg" aria-label="Sync progress" />
            <Text size="sm" mt="xs" data-testid="sync-job-progress">
              {progressText(progress)}
            </Text>
          </>
        )}
        {label === 'paused' && (
          <Text size="sm" mt="xs">
            Paused at a chunk boundary: what was acknowledged is kept; Resume (above) continues the same push.
          </Text>
        )}
        {job.error && (
          <Alert color="red" mt="sm">
            {describeOutcome(job.error)}
          </Alert>
        )}
        {cancel.error && <ErrorAlert error={cancel.error} title="Could not stop the job" />}
      </Card>
      {finished && job.status === 'succeeded' && <ReportPanel jobId={jobId} />}
    </Stack>
  );
}

const SINGULAR: Record<string, string> = { conflicts: 'conflict', retries: 'retry' };

/** The job's progress line: its message, else done / total, else (nothing counted yet) that it has started. */
export function progressText(progress: { done: number; total?: number; message?: string }): string {
  if (progress.message) return progress.message;
  if (progress.total === undefined && progress.done === 0) return 'Starting…';
  return `${formatCount(progress.done)}${progress.total !== undefined ? ` / ${formatCount(progress.total)}` : ''}`;
}

/** What a listed plan holds, by action then by resource type, largest first: "3 create, 1 update · Patient 2, Observation 2". */
export function planSummary(plan: ReadonlyArray<{ action: string; key: string }>): string {
  const tally = (keyOf: (item: { action: string; key: string }) => string): string =>
    [...plan.reduce((counts, item) => counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1), new Map<string, number>())]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([name, n]) => `${formatCount(n)} ${name}`)
      .join(', ');
  return `${tally((item) => item.action)} · ${tally((item) => item.key.split('/')[0] ?? item.key)}`;
}

function ReportPanel({ jobId }: { jobId: string }) {
  const report = useApiQuery((api) => api.sync.report({ jobId }), [jobId]);
  if (report.error) return <ErrorAlert error={report.error} title="Cannot read the report" onRetry={report.reload} />;
  if (!report.data) return <Skeleton height={80} />;
  const r: PushReport | PullReport = report.data;
  const isPush = 'planned' in r;
  const figures: Array<[string, number]> = [
    ...(isPush ? ([['planned', r.planned]] as Array<[string, number]>) : ([['received', r.received]] as Array<[string, number]>)),
    ['created', r.created],
    ['updated', r.updated],
    ['unchanged', r.unchanged],
    ...(isPush ? ([['deleted', r.deleted ?? 0]] as Array<[string, number]>) : []),
    ['conflicts', r.conflicts],
    ['failed', r.failed.length],
    ['retries', r.retries],
  ];
  return (
    <Card withBorder padding="md" data-testid="sync-report">
      <Title order={4} mb="xs">
        {r.dryRun ? (isPush ? 'Dry run: what a push would send' : 'Dry run: what a pull would change') : isPush ? 'Push report' : 'Pull report'}
        {isPush && !r.dryRun && r.mode !== 'none' ? ` (${r.mode})` : ''}
      </Title>
      <Group gap="lg" mb="sm">
        {figures.map(([label, n]) => (
          <Text key={label} size="sm" data-testid={`sync-report-${label}`}>
            <b>{formatCount(n)}</b> {n === 1 ? (SINGULAR[label] ?? label) : label}
          </Text>
        ))}
      </Group>
      {r.plan && (
        <>
          <Text size="sm" fw={600}>
            {r.plan.length === 0 ? 'Nothing to do.' : `The plan${r.plan.length >= 1000 ? ' (first 1,000)' : ''}`}
          </Text>
          {r.plan.length > 0 && (
            <>
              <Text size="sm" c="dimmed" data-testid="sync-plan-summary">
                {planSummary(r.plan)}
              </Text>
              {/* A bounded box: 200 rows inline pushed the conflicts a page height down. */}
              <ScrollArea.Autosize mah={320} type="auto" offsetScrollbars>
                <Table striped data-testid="sync-plan">
                  <Table.Tbody>
                    {r.plan.slice(0, 200).map((p) => (
                      <Table.Tr key={p.key}>
                        <Table.Td w={90}>
                          <Badge size="sm" variant="light" color={p.action === 'create' ? 'green' : p.action === 'delete' ? 'red' : 'blue'}>
                            {p.action}
                          </Badge>
                        </Table.Td>
                        <Table.Td ff="monospace">{p.key}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollArea.Autosize>
            </>
          )}
          {r.plan.length > 200 && (
            <Text size="xs" c="dimmed">
              and {formatCount(r.plan.length - 200)} more
            </Text>
          )}
        </>
      )}
      {r.failed.length > 0 && (
        <>
          <Text size="sm" fw={600} mt="sm">
            Failed (not retried; the next push tries again)
          </Text>
          <Table striped data-testid="sync-failures">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Resource</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>The server said</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {r.failed.map((f) => (
                <Table.Tr key={`${f.resourceType}/${f.id}`}>
                  <Table.Td ff="monospace">
                    {f.resourceType}/{f.id}
                  </Table.Td>
                  <Table.Td>{f.status ?? '—'}</Table.Td>
                  <Table.Td>
                    {f.outcome.issue.map((i, n) => (
                      <Text key={n} size="sm">
                        <Badge size="xs" variant="outline" color={i.severity === 'error' || i.severity === 'fatal' ? 'red' : 'yellow'} mr={4}>
                          {i.code}
                        </Badge>
                        {i.diagnostics ?? i.details?.text ?? ''}
                        {i.expression && i.expression.length > 0 ? ` (${i.expression.join(', ')})` : ''}
                      </Text>
                    ))}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Card>
  );
}
