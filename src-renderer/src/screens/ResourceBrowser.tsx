import {
  Anchor, Badge, Box, Card, Center, Group, NavLink, Pagination, ScrollArea, Select, Skeleton, Stack, Table, Text, TextInput, Title,
} from '@mantine/core';
import { IconFilter } from '@tabler/icons-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ResourcePage } from '../../../src-main/api/contract';
import { useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { formatCount } from '../lib/format';
import { columnsFor } from '../lib/resource-columns';
import { rememberListRoute } from '../router/last-list';
import { PAGE_SIZES, patientRoute, resourcesRoute, type Route } from '../router/routes';
import { isTypingTarget } from '../shell/use-global-keys';
import { useVaultData } from '../shell/vault-data';

type ResourcesRoute = Extract<Route, { screen: 'resources' }>;

export function ResourceBrowser({ route, navigate }: { route: ResourcesRoute; navigate: (route: Route, options?: { replace?: boolean }) => void }) {
  const { counts, countsError, countsLoading, reloadCounts } = useVaultData();
  const [filter, setFilter] = useState('');
  const present = useMemo(
    () => [...(counts ?? [])].filter((entry) => entry.count > 0).sort((a, b) => a.resourceType.localeCompare(b.resourceType)),
    [counts],
  );
  const visible = present.filter((entry) => entry.resourceType.toLowerCase().includes(filter.trim().toLowerCase()));

  // With no type chosen, open the largest one rather than an empty pane.
  useEffect(() => {
    if (route.resourceType || present.length === 0) return;
    const largest = [...present].sort((a, b) => b.count - a.count)[0];
    if (largest) navigate(resourcesRoute(largest.resourceType), { replace: true });
  }, [route.resourceType, present, navigate]);

  return (
    <Stack>
      <Title order={2}>Resources</Title>
      <Group align="flex-start" wrap="nowrap" gap="md">
        <Card withBorder padding="xs" w={240} style={{ flexShrink: 0 }}>
          <TextInput
            placeholder="Filter types"
            leftSection={<IconFilter size={14} />}
            value={filter}
            onChange={(event) => setFilter(event.currentTarget.value)}
            size="xs"
            mb="xs"
            aria-label="Filter resource types"
          />
          {countsError && !counts ? (
            <ErrorAlert error={countsError} onRetry={reloadCounts} />
          ) : countsLoading && !counts ? (
            <Stack gap={6}>
              {Array.from({ length: 6 }, (_, index) => (
                <Skeleton key={index} height={28} />
              ))}
            </Stack>
          ) : (
            <ScrollArea.Autosize mah="calc(100vh - 220px)">
              {visible.map((entry) => (
                <NavLink
                  key={entry.resourceType}
                  label={entry.resourceType}
                  active={entry.resourceType === route.resourceType}
                  onClick={() => navigate(resourcesRoute(entry.resourceType))}
                  rightSection={
                    <Badge size="sm" variant="light" color="gray">
                      {formatCount(entry.count)}
                    </Badge>
                  }
                  data-testid={`type-${entry.resourceType}`}
                />
              ))}
              {visible.length === 0 && (
                <Text size="sm" c="dimmed" p="xs">
                  {present.length === 0 ? 'No resources yet.' : 'No type matches.'}
                </Text>
              )}
            </ScrollArea.Autosize>
          )}
        </Card>
        <Box style={{ flex: 1, minWidth: 0 }}>
          {route.resourceType ? (
            <ResourceTable route={{ ...route, resourceType: route.resourceType }} navigate={navigate} />
          ) : (
            <Center mih={200}>
              <Text c="dimmed">{present.length === 0 ? 'The vault has no resources yet. Import some data first.' : 'Choose a resource type.'}</Text>
            </Center>
          )}
        </Box>
      </Group>
    </Stack>
  );
}

function ResourceTable({ route, navigate }: { route: ResourcesRoute & { resourceType: string }; navigate: (route: Route) => void }) {
  const { resourceType, page, pageSize } = route;
  const offset = (page - 1) * pageSize;
  const query = useApiQuery<ResourcePage>((api) => api.resources.list({ resourceType, offset, count: pageSize }), [
    resourceType,
    offset,
    pageSize,
  ]);
  const columns = columnsFor(resourceType);
  const [selected, setSelected] = useState(0);
  const rows = query.data?.resources ?? [];
  const tableRef = useRef<HTMLTableElement>(null);

  useEffect(() => setSelected(0), [resourceType, offset, pageSize]);
  useEffect(() => rememberListRoute({ screen: 'resources', resourceType, page, pageSize }), [resourceType, page, pageSize]);

  // j/k or arrows move the selection, Enter opens it (outside text fields).
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (document.querySelector('[role="dialog"]')) return;
      if (event.key === 'j' || event.key === 'ArrowDown') {
        event.preventDefault();
        setSelected((index) => Math.min(index + 1, Math.max(rows.length - 1, 0)));
      } else if (event.key === 'k' || event.key === 'ArrowUp') {
        event.preventDefault();
        setSelected((index) => Math.max(index - 1, 0));
      } else if (event.key === 'Enter') {
        const resource = rows[selected];
        if (resource?.id) {
          event.preventDefault();
          navigate({ screen: 'resource', resourceType, id: resource.id });
        }
      } else if (event.key === 'c' && resourceType === 'Patient') {
        const resource = rows[selected];
        if (resource?.id) {
          event.preventDefault();
          navigate(patientRoute(resource.id));
        }
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [rows, selected, navigate, resourceType]);

  useEffect(() => {
    tableRef.current?.querySelector(`[data-row="${selected}"]`)?.scrollIntoView?.({ block: 'nearest' });
  }, [selected]);

  const total = query.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / pageSize));

  return (
    <Card withBorder padding="md">
      <Group justify="space-between" mb="sm">
        <Group gap="xs">
          <Title order={3}>{resourceType}</Title>
          {query.data && (
            <Text c="dimmed" size="sm" data-testid="list-total">
              {formatCount(total)} total
            </Text>
          )}
        </Group>
        <Select
          size="xs"
          w={130}
          aria-label="Page size"
          data={PAGE_SIZES.map((size) => ({ value: String(size), label: `${size} per page` }))}
          value={String(pageSize)}
          onChange={(value) => {
            if (value) navigate({ screen: 'resources', resourceType, page: 1, pageSize: Number(value) });
          }}
          allowDeselect={false}
        />
      </Group>
      {query.error ? (
        <ErrorAlert error={query.error} title={`Cannot list ${resourceType}`} onRetry={query.reload} />
      ) : query.loading && !query.data ? (
        <Stack gap={6}>
          {Array.from({ length: 8 }, (_, index) => (
            <Skeleton key={index} height={30} />
          ))}
        </Stack>
      ) : rows.length === 0 ? (
        <Center mih={120}>
          <Text c="dimmed">No {resourceType} resources in this vault.</Text>
        </Center>
      ) : (
        <>
          <Table.ScrollContainer minWidth={600}>
            <Table highlightOnHover ref={tableRef} data-testid="resource-table" style={{ opacity: query.loading ? 0.6 : 1 }}>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((column) => (
                    <Table.Th key={column.key}>{column.label}</Table.Th>
                  ))}
                  {resourceType === 'Patient' && <Table.Th>Chart</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((resource, index) => (
                  <Table.Tr
                    key={resource.id ?? index}
                    data-row={index}
                    data-selected={index === selected || undefined}
                    bg={index === selected ? 'var(--mantine-primary-color-light)' : undefined}
                    style={{ cursor: 'pointer' }}
                    onClick={() => resource.id && navigate({ screen: 'resource', resourceType, id: resource.id })}
                    aria-selected={index === selected}
                  >
                    {columns.map((column) => (
                      <Table.Td key={column.key} maw={360} style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>
                        {column.value(resource)}
                      </Table.Td>
                    ))}
                    {resourceType === 'Patient' && resource.id && (
                      <Table.Td>
                        <Anchor
                          component="button"
                          type="button"
                          size="sm"
                          data-testid="patient-chart-link"
                          onClick={(event) => {
                            // The row's own click opens the resource: the link opens the chart instead.
                            event.stopPropagation();
                            if (resource.id) navigate(patientRoute(resource.id));
                          }}
                        >
                          Chart
                        </Anchor>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="space-between" mt="sm">
            <Text size="xs" c="dimmed">
              {formatCount(offset + 1)}–{formatCount(offset + rows.length)} of {formatCount(total)} · j/k to move, Enter to open{resourceType === 'Patient' ? ', c for the chart' : ''}
            </Text>
            {pages > 1 && (
              <Pagination
                size="sm"
                total={pages}
                value={page}
                onChange={(next) => navigate({ screen: 'resources', resourceType, page: next, pageSize })}
              />
            )}
          </Group>
        </>
      )}
    </Card>
  );
}
