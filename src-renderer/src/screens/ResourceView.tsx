import { Anchor, Badge, Breadcrumbs, Button, Card, Grid, Group, NavLink, ScrollArea, Skeleton, Stack, Text, Title } from '@mantine/core';
import { IconArrowLeft, IconHistory, IconUser } from '@tabler/icons-react';
import { useEffect } from 'react';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { JsonView } from '../components/JsonView';
import { formatDateTime } from '../lib/fhir-format';
import { resourceHeadline } from '../lib/resource-columns';
import { listRouteFor } from '../router/last-list';
import { patientRoute, type Route } from '../router/routes';
import { isTypingTarget } from '../shell/use-global-keys';

type ResourceRoute = Extract<Route, { screen: 'resource' }>;

export interface HistoryItem {
  versionId: string;
  lastModified: string;
  method: string;
  deleted: boolean;
}

/** Reads a history Bundle (http.html#history) into one row per version, newest first. */
export function historyItems(bundle: Bundle | undefined): HistoryItem[] {
  return (bundle?.entry ?? []).flatMap((entry: BundleEntry) => {
    const etag = entry.response?.etag ?? '';
    const fromEtag = /^W\/"(.+)"$/.exec(etag)?.[1];
    const versionId = entry.resource?.meta?.versionId ?? fromEtag;
    if (!versionId) return [];
    const requested = entry.request?.method ?? (entry.resource ? 'PUT' : 'DELETE');
    // An update-as-create (PUT of a new id) answers 201: show it as a creation.
    const method = requested === 'PUT' && entry.response?.status?.startsWith('201') ? 'POST' : requested;
    return [
      {
        versionId,
        lastModified: entry.response?.lastModified ?? entry.resource?.meta?.lastUpdated ?? '',
        method,
        deleted: method === 'DELETE' || !entry.resource,
      },
    ];
  });
}

const METHOD_LABEL: Record<string, string> = { POST: 'created', PUT: 'updated', PATCH: 'patched', DELETE: 'deleted' };

export function ResourceView({ route, navigate }: { route: ResourceRoute; navigate: (route: Route) => void }) {
  const { resourceType, id, versionId } = route;
  const resource = useApiQuery<Resource>(
    (api) => (versionId ? api.resources.vread({ resourceType, id, versionId }) : api.resources.read({ resourceType, id })),
    [resourceType, id, versionId],
  );
  const history = useApiQuery<Bundle>((api) => api.resources.history({ resourceType, id }), [resourceType, id]);
  const items = historyItems(history.data);
  const latest = items[0]?.versionId;
  const back = () => navigate(listRouteFor(resourceType));

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if (isTypingTarget(event.target) || document.querySelector('[role="dialog"]')) return;
      if (event.key === 'Escape') {
        event.preventDefault();
        navigate(listRouteFor(resourceType));
      } else if (event.key === 'c' && resourceType === 'Patient' && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        navigate(patientRoute(id));
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [navigate, resourceType, id]);

  return (
    <Stack>
      <Group justify="space-between">
        <Stack gap={2}>
          <Breadcrumbs>
            <Anchor component="button" type="button" onClick={back} size="sm">
              {resourceType}
            </Anchor>
            <Text size="sm">{id}</Text>
          </Breadcrumbs>
          <Group gap="xs">
            <Title order={2} data-testid="resource-title">
              {resourceType}/{id}
            </Title>
            {versionId && versionId !== latest && (
              <Badge color="yellow" variant="light">
                version {versionId} (not the latest)
              </Badge>
            )}
          </Group>
          {resource.data && (
            <Text c="dimmed" size="sm" lineClamp={1}>
              {resourceHeadline(resource.data)}
            </Text>
          )}
        </Stack>
        <Group gap="xs">
          {resourceType === 'Patient' && (
            <Button variant="light" leftSection={<IconUser size={16} />} onClick={() => navigate(patientRoute(id))} data-testid="open-patient-chart">
              Patient chart (c)
            </Button>
          )}
          <Button variant="default" leftSection={<IconArrowLeft size={16} />} onClick={back}>
            Back to list (Esc)
          </Button>
        </Group>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          {resource.error ? (
            <ErrorAlert error={resource.error} title={`Cannot read ${resourceType}/${id}`} onRetry={resource.reload} />
          ) : resource.loading && !resource.data ? (
            <Skeleton height={420} />
          ) : resource.data ? (
            <JsonView value={resource.data} />
          ) : null}
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder padding="xs">
            <Group gap={6} p="xs">
              <IconHistory size={18} />
              <Text fw={600}>History</Text>
              {history.data && (
                <Text size="sm" c="dimmed">
                  {items.length} version{items.length === 1 ? '' : 's'}
                </Text>
              )}
            </Group>
            {history.error ? (
              <ErrorAlert error={history.error} title="Cannot read the history" onRetry={history.reload} />
            ) : history.loading && !history.data ? (
              <Stack gap={6}>
                <Skeleton height={40} />
                <Skeleton height={40} />
              </Stack>
            ) : (
              <ScrollArea.Autosize mah="60vh">
                <Stack gap={0} data-testid="history-list">
                  {items.map((item) => {
                    const isCurrentView = (versionId ?? latest) === item.versionId;
                    return (
                      <NavLink
                        key={item.versionId}
                        active={isCurrentView}
                        disabled={item.deleted}
                        label={`Version ${item.versionId}${item === items[0] ? ' (latest)' : ''}`}
                        description={`${METHOD_LABEL[item.method] ?? item.method.toLowerCase()} · ${formatDateTime(item.lastModified)}`}
                        onClick={() =>
                          navigate(
                            item === items[0]
                              ? { screen: 'resource', resourceType, id }
                              : { screen: 'resource', resourceType, id, versionId: item.versionId },
                          )
                        }
                      />
                    );
                  })}
                </Stack>
              </ScrollArea.Autosize>
            )}
          </Card>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
