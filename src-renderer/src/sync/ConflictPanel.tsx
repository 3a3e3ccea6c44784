/**
 * One sync conflict (docs/sync.md "Conflicts"): both versions side by side, the field-level diff
 * computed in main, and Keep ours / Take theirs / Merge. The merge editor starts from ours; each
 * diff row can put theirs into it. A side that moved meanwhile comes back "refreshed": the panel
 * says so and shows the new versions; nothing was written.
 */
import { Alert, Badge, Button, Card, Group, ScrollArea, SimpleGrid, Skeleton, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconArrowRight, IconGitMerge } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { Resource } from '@medplum/fhirtypes';
import type { ConflictKind, FieldDiff, ResolveResult } from '../../../src-main/sync/types';
import { useApiCall, useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { JsonView } from '../components/JsonView';
import { isTypingTarget } from '../shell/use-global-keys';
import { setAtPath } from './merge-path';

const KIND_COLOR: Record<FieldDiff['kind'], string> = { added: 'green', removed: 'red', changed: 'yellow' };
const KIND_LABEL: Record<FieldDiff['kind'], string> = { added: 'only theirs', removed: 'only ours', changed: 'changed' };

/** What each conflict kind means, in words (the codes are for the API and the CLI); the code is the badge's title. */
export const CONFLICT_KIND_LABEL: Record<ConflictKind, string> = {
  'push-precondition': 'Changed on both sides (push)',
  'push-conflict': 'Refused by the server as a conflict (push)',
  'pull-both-changed': 'Changed on both sides (pull)',
  'push-delete': 'Deleted here, changed on the server',
  'pull-delete': 'Deleted on the server, changed here',
};

export function ConflictKindBadge({ kind }: { kind: ConflictKind }) {
  return (
    <Badge variant="light" tt="none" title={kind} data-kind={kind}>
      {CONFLICT_KIND_LABEL[kind]}
    </Badge>
  );
}

const shown = (value: unknown): string => (value === undefined ? '—' : JSON.stringify(value));

/** The editor's start: ours without the server-assigned meta (the merge becomes a new version here). */
function editorText(ours: Resource | undefined, theirs: Resource | undefined): string {
  const base = structuredClone(ours ?? theirs ?? {}) as Record<string, unknown>;
  const meta = base.meta as Record<string, unknown> | undefined;
  if (meta) {
    delete meta.versionId;
    delete meta.lastUpdated;
    delete meta.source;
    if (Object.keys(meta).length === 0) delete base.meta;
  }
  return JSON.stringify(base, null, 2);
}

export function ConflictPanel({ server, conflictKey, onResolved }: { server: string; conflictKey: string; onResolved: (result: ResolveResult) => void }) {
  const [resourceType = '', localId = ''] = conflictKey.split('/');
  const detail = useApiQuery((api) => api.sync.conflict({ name: server, resourceType, localId }), [server, resourceType, localId]);
  const resolve = useApiCall((api, action: 'ours' | 'theirs' | 'merge', resource?: Resource) =>
    api.sync.resolve({ name: server, resourceType, localId, action, ...(resource ? { resource: resource as { resourceType: string } } : {}) }),
  );
  const [merging, setMerging] = useState(false);
  const [text, setText] = useState('');
  const [editorError, setEditorError] = useState<string | undefined>(undefined);
  const [refreshed, setRefreshed] = useState(false);

  const data = detail.data;
  const startMerge = (): void => {
    if (!data) return;
    setText(editorText(data.ours, data.theirs));
    setEditorError(undefined);
    setMerging(true);
  };

  const decide = async (action: 'ours' | 'theirs' | 'merge'): Promise<void> => {
    let resource: Resource | undefined;
    if (action === 'merge') {
      try {
        resource = JSON.parse(text) as Resource;
      } catch {
        setEditorError('The editor does not hold valid JSON');
        return;
      }
    }
    const result = await resolve.run(action, resource);
    if (!result.ok) return;
    if (result.value.outcome === 'refreshed') {
      setRefreshed(true);
      setMerging(false);
      detail.reload();
      return;
    }
    notifications.show({ color: 'green', title: 'Conflict resolved', message: `${conflictKey}: ${action === 'ours' ? 'kept ours' : action === 'theirs' ? 'took theirs' : 'merged'}` });
    onResolved(result.value);
  };

  const useTheirs = (d: FieldDiff): void => {
    try {
      setText(JSON.stringify(setAtPath(JSON.parse(text), d.path, d.kind === 'removed' ? undefined : d.theirs), null, 2));
      setEditorError(undefined);
    } catch {
      setEditorError('The editor does not hold valid JSON');
    }
  };

  // o / t / m decide, outside text fields; "g then x" belongs to navigation.
  const keys = useRef({ decide, startMerge, merging, busy: resolve.loading, ready: data !== undefined });
  keys.current = { decide, startMerge, merging, busy: resolve.loading, ready: data !== undefined };
  useEffect(() => {
    let lastG = 0;
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
      const afterG = Date.now() - lastG < 1500;
      lastG = event.key === 'g' ? Date.now() : 0;
      const k = keys.current;
      if (afterG || !k.ready || k.busy || k.merging) return;
      if (event.key === 'o') void k.decide('ours');
      else if (event.key === 't') void k.decide('theirs');
      else if (event.key === 'm') k.startMerge();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  if (detail.error) return <ErrorAlert error={detail.error} title="Cannot read the conflict" onRetry={detail.reload} />;
  if (!data) return <Skeleton height={240} />;
  const { conflict } = data;
  return (
    <Card withBorder padding="md" data-testid="conflict-panel">
      <Stack>
        <Group justify="space-between">
          <Group gap="xs">
            <Title order={4} ff="monospace">
              {conflictKey}
            </Title>
            <ConflictKindBadge kind={conflict.kind} />
            <Text size="xs" c="dimmed">
              server id {conflict.serverId} · found {new Date(conflict.detectedAt).toLocaleString()}
            </Text>
          </Group>
        </Group>
        {refreshed && (
          <Alert color="orange" title="A side changed since this conflict was recorded" data-testid="conflict-refreshed">
            Nothing was written. The versions below are the current ones: decide again.
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <div>
            <Text fw={600} size="sm" mb={4}>
              Ours (this vault)
            </Text>
            <ScrollArea.Autosize mah={320}>{data.ours ? <JsonView value={data.ours} /> : <Text c="dimmed">Deleted here</Text>}</ScrollArea.Autosize>
          </div>
          <div>
            <Text fw={600} size="sm" mb={4}>
              Theirs (the server)
            </Text>
            <ScrollArea.Autosize mah={320}>{data.theirs ? <JsonView value={data.theirs} /> : <Text c="dimmed">Deleted on the server</Text>}</ScrollArea.Autosize>
          </div>
        </SimpleGrid>
        <Table striped withTableBorder data-testid="conflict-diff">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Field</Table.Th>
              <Table.Th>Ours</Table.Th>
              <Table.Th>Theirs</Table.Th>
              {merging && <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.diff.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={merging ? 4 : 3}>
                  <Text size="sm" c="dimmed">
                    No field differs (server-assigned fields aside).
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            {data.diff.map((d) => (
              <Table.Tr key={d.path} bg={`var(--mantine-color-${KIND_COLOR[d.kind]}-light)`} data-kind={d.kind}>
                <Table.Td ff="monospace">
                  {d.path}{' '}
                  <Badge size="xs" color={KIND_COLOR[d.kind]} variant="outline">
                    {KIND_LABEL[d.kind]}
                  </Badge>
                </Table.Td>
                <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>
                  {shown(d.ours)}
                </Table.Td>
                <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>
                  {shown(d.theirs)}
                </Table.Td>
                {merging && (
                  <Table.Td>
                    <Button size="compact-xs" variant="default" onClick={() => useTheirs(d)} aria-label={`Use theirs for ${d.path}`}>
                      Use theirs
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {merging && (
          <Stack gap="xs">
            <Textarea
              label="Merged resource"
              description="Starts as ours; “Use theirs” on a row puts the server's value in. Saved here (validated), then sent with If-Match."
              value={text}
              onChange={(event) => setText(event.currentTarget.value)}
              rows={16}
              resize="vertical"
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
              data-testid="merge-editor"
            />
            {editorError && (
              <Text c="red" size="sm" role="alert">
                {editorError}
              </Text>
            )}
          </Stack>
        )}
        {resolve.error && <ErrorAlert error={resolve.error} title="Could not resolve the conflict" />}
        <Group justify="flex-end">
          {merging ? (
            <>
              <Button variant="default" onClick={() => setMerging(false)}>
                Cancel merge
              </Button>
              <Button leftSection={<IconGitMerge size={16} />} onClick={() => void decide('merge')} loading={resolve.loading}>
                Save merge
              </Button>
            </>
          ) : (
            <>
              <Button variant="light" leftSection={<IconArrowRight size={16} />} onClick={() => void decide('ours')} loading={resolve.loading} title="o">
                Keep ours
              </Button>
              <Button variant="light" leftSection={<IconArrowLeft size={16} />} onClick={() => void decide('theirs')} loading={resolve.loading} title="t">
                Take theirs
              </Button>
              <Button leftSection={<IconGitMerge size={16} />} onClick={startMerge} title="m">
                Merge…
              </Button>
            </>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
