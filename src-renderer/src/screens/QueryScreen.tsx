/**
 * The query screen (`#/query`, docs/query.md): a FHIR search builder and a raw query box kept in
 * sync both ways, results as a table with selectable columns (remembered per type), one resource's
 * JSON in a drawer, paging by the Bundle's links, saved queries (stored in the vault), export of
 * every match as NDJSON or CSV, and cohort counts plotted by condition, age band and sex.
 */
import {
  ActionIcon, Badge, Box, Button, Card, Center, Drawer, Group, Loader, Menu, Modal, NavLink, Progress, ScrollArea, Skeleton, Stack, Table,
  TagsInput, Tabs, Text, TextInput, Title, Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconChartBar, IconChevronLeft, IconChevronRight, IconDeviceFloppy, IconDownload, IconExternalLink, IconPlayerPlay, IconTable, IconTrash,
} from '@tabler/icons-react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { JobState } from '../../../src-main/api/contract';
import { describeOutcome, type OperationOutcome } from '../../../src-main/api/result';
import { isSimplePath, pathText, suggestPaths } from '../../../src-main/query/paths';
import type { QueryExportFormat, SavedQuery } from '../../../src-main/query/types';
import { useApi } from '../api/context';
import { useApiCall, useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { JsonView } from '../components/JsonView';
import { formatCount } from '../lib/format';
import { CohortPanel } from '../query/CohortPanel';
import { loadColumns, saveColumns } from '../query/columns';
import { exportQuery } from '../query/export-download';
import { QueryBuilder } from '../query/QueryBuilder';
import { emptyState, fromQuery, rowsNamedBy, splitPrefixes, toQuery, type BuilderState } from '../query/query-model';
import type { Route } from '../router/routes';
import { useVaultData } from '../shell/vault-data';

type QueryRoute = Extract<Route, { screen: 'query' }>;

const DEFAULT_QUERY = 'Patient';

/** The query as run: `_total=accurate` unless the user chose a `_total`, so the screen can say how many matched. */
export function withTotal(query: string): string {
  if (/[?&]_total=/.test(query)) return query;
  return `${query}${query.includes('?') ? '&' : '?'}_total=accurate`;
}

/** A Bundle link (`Condition?code=...&_offset=20`, possibly absolute) as a query for resources.search. */
export function linkQuery(url: string): string {
  const match = /([A-Z][A-Za-z]{1,63}\?.*)$/.exec(url);
  return match ? match[1]! : url;
}

export function QueryScreen({ route, navigate }: { route: QueryRoute; navigate: (route: Route, options?: { replace?: boolean }) => void }) {
  const api = useApi();
  const { counts } = useVaultData();
  const typesQuery = useApiQuery((a) => a.resources.types({}), []);
  const types = useMemo(() => {
    // Types with resources first (what a curator queries), then every other R4 type.
    const present = (counts ?? []).filter((c) => c.count > 0).map((c) => c.resourceType).sort();
    const rest = (typesQuery.data ?? []).filter((t) => !present.includes(t));
    return [...present, ...rest];
  }, [counts, typesQuery.data]);

  const initial = route.query ?? DEFAULT_QUERY;
  const [raw, setRaw] = useState(initial);
  const [state, setState] = useState<BuilderState>(() => fromQuery(initial) ?? emptyState());
  const [rawError, setRawError] = useState<string | undefined>(undefined);
  const [loaded, setLoaded] = useState<SavedQuery | undefined>(undefined);

  const parameters = useApiQuery((a) => a.query.parameters({ resourceType: state.resourceType }), [state.resourceType]);
  const prefixCodes = useMemo(
    () => new Set((parameters.data?.parameters ?? []).filter((p) => p.prefixes.length > 0).map((p) => p.code)),
    [parameters.data],
  );
  // Once the type's parameters are known, `ge2020` splits into prefix and value. The rows stay as
  // they are (an empty row the user just added writes nothing to the raw text: reading the raw
  // text again would drop it when the parameters arrive late).
  useEffect(() => {
    const known = parameters.data;
    if (!known) return;
    setState((current) => (current.resourceType === known.resourceType ? splitPrefixes(current, prefixCodes) : current));
    // Only when the parameters arrive.
  }, [parameters.data]);

  // Another route (a saved query opened from elsewhere, Back): the screen follows it.
  useEffect(() => {
    if (route.query === undefined || route.query === raw) return;
    setRaw(route.query);
    const parsed = fromQuery(route.query, prefixCodes);
    if (parsed) setState(parsed);
  }, [route.query]);

  const updateBuilder = (next: BuilderState): void => {
    setState(next);
    setRaw(toQuery(next));
    setRawError(undefined);
  };
  const updateRaw = (text: string): void => {
    setRaw(text);
    const parsed = fromQuery(text, prefixCodes);
    if (parsed) {
      setState(parsed);
      setRawError(undefined);
    } else {
      setRawError(text.trim() === '' ? 'Type a query, e.g. Condition?code=I10' : 'A query starts with a resource type, e.g. Patient?gender=female');
    }
  };

  // The page shown: a Bundle link while paging, else the route's query.
  const [pageQuery, setPageQuery] = useState<string | undefined>(undefined);
  // Each new query is a history entry (Back shows the previous one); the same query runs again.
  const [rerun, setRerun] = useState(0);
  const run = useCallback(() => {
    if (!fromQuery(raw)) return;
    if (raw.trim() === route.query) {
      setPageQuery(undefined);
      setRerun((n) => n + 1);
    }
    else navigate({ screen: 'query', query: raw.trim() });
  }, [navigate, raw, route.query]);

  useEffect(() => setPageQuery(undefined), [route.query]);
  const executed = route.query !== undefined ? (pageQuery ?? withTotal(route.query)) : undefined;
  const results = useApiQuery<Bundle>((a) => (executed ? a.resources.search({ query: executed }) : null), [executed, rerun]);

  // ctrl+s saves (in text fields too: the browser's "save page" means nothing here).
  const [saveOpen, setSaveOpen] = useState(false);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        setSaveOpen(true);
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const saved = useApiQuery((a) => a.queries.list({}), []);
  const [columns, setColumns] = useState<string[]>(() => loadColumns(state.resourceType));
  const resultType = route.query ? (fromQuery(route.query)?.resourceType ?? state.resourceType) : state.resourceType;
  useEffect(() => setColumns(loadColumns(resultType)), [resultType]);
  const chooseColumns = (next: string[]): void => {
    const valid = next.filter(isSimplePath);
    setColumns(valid);
    saveColumns(resultType, valid);
  };

  const openSaved = (query: SavedQuery): void => {
    setLoaded(query);
    const parsed = fromQuery(query.query, prefixCodes);
    if (parsed) setState(parsed);
    setRaw(query.query);
    if (query.columns) {
      const type = parsed?.resourceType ?? resultType;
      saveColumns(type, query.columns);
      setColumns(query.columns);
    }
    navigate({ screen: 'query', query: query.query });
  };

  const engineError = results.error;
  const rowErrors = useMemo(() => {
    const map = new Map<number, string>();
    if (!engineError) return map;
    for (const issue of engineError.issue ?? []) {
      const keys = rowsNamedBy(state, issue.expression ?? []);
      for (const key of keys) map.set(key, issue.diagnostics ?? issue.details?.text ?? issue.code);
    }
    return map;
  }, [engineError, state]);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Query</Title>
        <Text size="xs" c="dimmed">
          Enter runs · Ctrl+S saves
        </Text>
      </Group>
      <Group align="flex-start" wrap="nowrap" gap="md">
        <SavedQueries
          saved={saved.data}
          loading={saved.loading && !saved.data}
          error={saved.error}
          activeId={loaded?.id}
          onOpen={openSaved}
          onDeleted={(id) => {
            if (loaded?.id === id) setLoaded(undefined);
            saved.reload();
          }}
        />
        <Stack style={{ flex: 1, minWidth: 0 }} gap="md">
          <Card withBorder padding="md">
            <form
              onSubmit={(event) => {
                event.preventDefault();
                run();
              }}
            >
              <Stack gap="md">
                <QueryBuilder state={state} onChange={updateBuilder} types={types} parameters={parameters.data} rowErrors={rowErrors} />
                <Group align="flex-end" gap="sm" wrap="nowrap">
                  <TextInput
                    label="Query"
                    description="The same search as a FHIR query string: edit either side"
                    value={raw}
                    onChange={(event) => updateRaw(event.currentTarget.value)}
                    error={rawError}
                    styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                    style={{ flex: 1 }}
                    spellCheck={false}
                    data-testid="raw-query"
                  />
                  <Button type="submit" leftSection={<IconPlayerPlay size={16} />} disabled={Boolean(rawError)} data-testid="run-query">
                    Run
                  </Button>
                  <Button variant="default" leftSection={<IconDeviceFloppy size={16} />} onClick={() => setSaveOpen(true)} data-testid="save-query">
                    Save
                  </Button>
                </Group>
              </Stack>
            </form>
          </Card>
          {route.query === undefined ? (
            <Card withBorder padding="md">
              <Center mih={100}>
                <Text c="dimmed">Build a search or type one, then press Enter to run it.</Text>
              </Center>
            </Card>
          ) : (
            <ResultsCard
              query={route.query}
              executed={executed ?? route.query}
              bundle={results.data}
              loading={results.loading}
              error={engineError && rowErrors.size === 0 ? engineError : undefined}
              hasRowErrors={rowErrors.size > 0}
              onRetry={results.reload}
              onPage={setPageQuery}
              resourceType={resultType}
              columns={columns}
              onColumns={chooseColumns}
              navigate={navigate}
              api={api}
            />
          )}
        </Stack>
      </Group>
      <SaveModal
        opened={saveOpen}
        onClose={() => setSaveOpen(false)}
        query={raw}
        columns={columns}
        loaded={loaded}
        onSaved={(query) => {
          setLoaded(query);
          saved.reload();
        }}
      />
    </Stack>
  );
}

function SavedQueries({
  saved,
  loading,
  error,
  activeId,
  onOpen,
  onDeleted,
}: {
  saved: SavedQuery[] | undefined;
  loading: boolean;
  error: OperationOutcome | undefined;
  activeId: string | undefined;
  onOpen: (query: SavedQuery) => void;
  onDeleted: (id: string) => void;
}) {
  const remove = useApiCall((api, id: string) => api.queries.delete({ id }));
  return (
    <Card withBorder padding="xs" w={240} style={{ flexShrink: 0 }} data-testid="saved-queries">
      <Text fw={600} size="sm" px={4} mb={4}>
        Saved queries
      </Text>
      {error ? (
        <ErrorAlert error={error} title="Cannot list saved queries" />
      ) : loading ? (
        <Stack gap={6}>
          {Array.from({ length: 3 }, (_, index) => (
            <Skeleton key={index} height={28} />
          ))}
        </Stack>
      ) : (saved ?? []).length === 0 ? (
        <Text size="xs" c="dimmed" p={4}>
          None yet. Ctrl+S saves the query in the vault.
        </Text>
      ) : (
        <ScrollArea.Autosize mah="calc(100vh - 240px)">
          {(saved ?? []).map((query) => (
            <Group key={query.id} gap={2} wrap="nowrap" data-testid="saved-query">
              <NavLink
                component="button"
                type="button"
                label={query.name}
                description={query.query}
                active={query.id === activeId}
                onClick={() => onOpen(query)}
                style={{ flex: 1, minWidth: 0 }}
                styles={{ description: { fontFamily: 'var(--mantine-font-family-monospace)', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } }}
                data-testid="saved-query-open"
              />
              <Tooltip label="Delete">
                <ActionIcon
                  size="sm"
                  variant="subtle"
                  color="gray"
                  aria-label={`Delete saved query ${query.name}`}
                  onClick={() => {
                    void remove.run(query.id).then((result) => {
                      if (result.ok) onDeleted(query.id);
                      else notifications.show({ color: 'red', title: 'Could not delete', message: describeOutcome(result.error) });
                    });
                  }}
                >
                  <IconTrash size={14} />
                </ActionIcon>
              </Tooltip>
            </Group>
          ))}
        </ScrollArea.Autosize>
      )}
    </Card>
  );
}

function SaveModal({
  opened,
  onClose,
  query,
  columns,
  loaded,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  query: string;
  columns: string[];
  loaded: SavedQuery | undefined;
  onSaved: (query: SavedQuery) => void;
}) {
  const [name, setName] = useState('');
  useEffect(() => {
    if (opened) setName(loaded?.name ?? '');
  }, [opened, loaded]);
  const save = useApiCall((api, input: { id?: string; name: string }) => api.queries.save({ ...input, query: query.trim(), columns }));
  const submit = async (asNew: boolean): Promise<void> => {
    const result = await save.run({ name: name.trim(), ...(loaded && !asNew ? { id: loaded.id } : {}) });
    if (result.ok) {
      onSaved(result.value);
      notifications.show({ color: 'green', title: 'Query saved', message: `"${result.value.name}" is kept in the vault` });
      onClose();
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Save query" size="lg">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit(false);
        }}
      >
        <Stack>
          <TextInput label="Name" value={name} onChange={(event) => setName(event.currentTarget.value)} required data-autofocus data-testid="save-name" />
          <Text size="xs" c="dimmed" style={{ fontFamily: 'var(--mantine-font-family-monospace)', wordBreak: 'break-all' }}>
            {query}
          </Text>
          {save.error && <ErrorAlert error={save.error} title="Could not save" />}
          <Group justify="flex-end">
            {loaded && (
              <Button variant="default" onClick={() => void submit(true)} disabled={name.trim() === ''}>
                Save as new
              </Button>
            )}
            <Button type="submit" loading={save.loading} disabled={name.trim() === ''} data-testid="save-confirm">
              {loaded ? `Update "${loaded.name}"` : 'Save'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ResultsCard({
  query,
  executed,
  bundle,
  loading,
  error,
  hasRowErrors,
  onRetry,
  onPage,
  resourceType,
  columns,
  onColumns,
  navigate,
  api,
}: {
  query: string;
  executed: string;
  bundle: Bundle | undefined;
  loading: boolean;
  error: OperationOutcome | undefined;
  hasRowErrors: boolean;
  onRetry: () => void;
  onPage: (query: string) => void;
  resourceType: string;
  columns: string[];
  onColumns: (columns: string[]) => void;
  navigate: (route: Route) => void;
  api: ReturnType<typeof useApi>;
}) {
  const [tab, setTab] = useState<string | null>('table');
  const [open, setOpen] = useState<Resource | undefined>(undefined);
  const [exporting, setExporting] = useState<{ format: QueryExportFormat; job?: JobState } | undefined>(undefined);
  const matches = useMemo(
    () => (bundle?.entry ?? []).filter((e) => e.search?.mode !== 'include' && e.search?.mode !== 'outcome').map((e) => e.resource).filter((r): r is Resource => r !== undefined),
    [bundle],
  );
  const included = (bundle?.entry ?? []).filter((e) => e.search?.mode === 'include').length;
  const suggestions = useMemo(() => [...new Set([...columns, ...suggestPaths(matches as unknown as Array<Record<string, unknown>>)])], [matches, columns]);
  const offset = Number(/[?&]_offset=(\d+)/.exec(executed)?.[1] ?? 0);
  const link = (relation: string): string | undefined => bundle?.link?.find((l) => l.relation === relation)?.url;
  const next = link('next');
  const previous = link('previous');

  const startExport = async (format: QueryExportFormat): Promise<void> => {
    setExporting({ format });
    const result = await exportQuery(api, { query, format, ...(format === 'csv' ? { columns } : {}) }, (job) => setExporting({ format, job }));
    setExporting(undefined);
    if (result.ok) {
      notifications.show({ color: 'green', title: 'Exported', message: `${formatCount(result.value.resources)} resources in ${result.value.fileName}` });
    } else {
      notifications.show({ color: 'red', title: 'Export failed', message: describeOutcome(result.error) });
    }
  };

  return (
    <Card withBorder padding="md" data-testid="query-results">
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Group justify="space-between" mb="sm" wrap="nowrap">
          <Tabs.List>
            <Tabs.Tab value="table" leftSection={<IconTable size={14} />}>
              Results
            </Tabs.Tab>
            <Tabs.Tab value="cohort" leftSection={<IconChartBar size={14} />} data-testid="cohort-tab">
              Cohort
            </Tabs.Tab>
          </Tabs.List>
          <Group gap="xs" wrap="nowrap">
            {bundle && (
              <Text size="sm" c="dimmed" data-testid="result-total">
                {bundle.total !== undefined ? `${formatCount(bundle.total)} match${bundle.total === 1 ? '' : 'es'}` : `${formatCount(matches.length)} shown`}
                {included > 0 ? ` · ${formatCount(included)} included` : ''}
              </Text>
            )}
            <Menu position="bottom-end">
              <Menu.Target>
                <Button variant="default" size="xs" leftSection={<IconDownload size={14} />} loading={exporting !== undefined} data-testid="export-menu">
                  Export
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Every match, all pages</Menu.Label>
                <Menu.Item onClick={() => void startExport('ndjson')} data-testid="export-ndjson">
                  NDJSON (one resource per line)
                </Menu.Item>
                <Menu.Item onClick={() => void startExport('csv')} data-testid="export-csv">
                  CSV (the table's columns)
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
        {exporting?.job && exporting.job.progress.total !== undefined && exporting.job.progress.total > 0 && (
          <Progress value={(100 * exporting.job.progress.done) / exporting.job.progress.total} size="sm" mb="sm" aria-label="Export progress" />
        )}

        <Tabs.Panel value="table">
          {error ? (
            <ErrorAlert error={error} title="The search failed" onRetry={onRetry} />
          ) : hasRowErrors ? (
            <Text size="sm" c="red">
              The search failed: see the parameter marked above.
            </Text>
          ) : loading && !bundle ? (
            <Stack gap={6}>
              {Array.from({ length: 6 }, (_, index) => (
                <Skeleton key={index} height={30} />
              ))}
            </Stack>
          ) : (
            <Stack gap="sm">
              <TagsInput
                label="Columns"
                description="Element paths (code.coding.code, subject.reference); remembered for this type"
                data={suggestions}
                value={columns}
                onChange={onColumns}
                clearable
                limit={40}
                size="xs"
                data-testid="column-picker"
              />
              {matches.length === 0 ? (
                <Center mih={100}>
                  <Text c="dimmed">No {resourceType} matches this search.</Text>
                </Center>
              ) : (
                <Table.ScrollContainer minWidth={600}>
                  <Table highlightOnHover striped data-testid="query-table" style={{ opacity: loading ? 0.6 : 1 }}>
                    <Table.Thead>
                      <Table.Tr>
                        {columns.map((column) => (
                          <Table.Th key={column} style={{ whiteSpace: 'nowrap' }}>
                            {column}
                          </Table.Th>
                        ))}
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {matches.map((resource, index) => (
                        <Table.Tr key={`${resource.resourceType}/${resource.id ?? index}`} style={{ cursor: 'pointer' }} onClick={() => setOpen(resource)} data-testid="query-row-result">
                          {columns.map((column) => (
                            <Table.Td key={column} maw={320} style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                              {pathText(resource, column)}
                            </Table.Td>
                          ))}
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
              <Group justify="space-between">
                <Text size="xs" c="dimmed">
                  {matches.length > 0 ? `${formatCount(offset + 1)}–${formatCount(offset + matches.length)}` : ''}
                  {bundle?.total !== undefined ? ` of ${formatCount(bundle.total)}` : ''} · click a row for its JSON
                </Text>
                <Group gap="xs">
                  {loading && <Loader size="xs" />}
                  <Button size="xs" variant="default" leftSection={<IconChevronLeft size={14} />} disabled={!previous} onClick={() => previous && onPage(linkQuery(previous))} data-testid="page-previous">
                    Previous
                  </Button>
                  <Button size="xs" variant="default" rightSection={<IconChevronRight size={14} />} disabled={!next} onClick={() => next && onPage(linkQuery(next))} data-testid="page-next">
                    Next
                  </Button>
                </Group>
              </Group>
            </Stack>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="cohort">
          <CohortPanel query={query} />
        </Tabs.Panel>
      </Tabs>
      <Drawer opened={open !== undefined} onClose={() => setOpen(undefined)} position="right" size="xl" title={open ? `${open.resourceType}/${open.id ?? ''}` : ''}>
        {open && (
          <Stack data-testid="resource-drawer">
            {open.id && (
              <Box>
                <Button
                  size="xs"
                  variant="light"
                  leftSection={<IconExternalLink size={14} />}
                  onClick={() => open.id && navigate({ screen: 'resource', resourceType: open.resourceType, id: open.id })}
                >
                  Open in the resource view
                </Button>
              </Box>
            )}
            <JsonView value={open} />
          </Stack>
        )}
      </Drawer>
      {included > 0 && (
        <Badge variant="light" color="gray" mt="xs">
          Included resources are in the Bundle, not in the table
        </Badge>
      )}
    </Card>
  );
}
