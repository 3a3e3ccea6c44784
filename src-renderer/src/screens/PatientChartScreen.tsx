/**
 * The patient chart (`#/patient/<id>`, docs/patient-chart.md): demographics, then four sections on
 * tabs (keys 1–4): the timeline, lab and vital trends against reference ranges, the notes with
 * their entities, and the conditions the NLP found that are not coded beside the coded ones.
 */
import { Anchor, Badge, Breadcrumbs, Button, Card, Center, Group, Loader, Stack, Tabs, Text, Title } from '@mantine/core';
import { IconChartLine, IconFileText, IconListCheck, IconTimeline, IconUser } from '@tabler/icons-react';
import { useEffect } from 'react';
import type { PatientChart, TimelineEvent } from '../../../src-main/chart/types';
import { useApiQuery } from '../api/hooks';
import { ConditionsSection, NotesSection, TimelineSection, TrendsSection } from '../chart/ChartSections';
import { ErrorAlert } from '../components/ErrorAlert';
import { CHART_TABS, patientRoute, resourcesRoute, type ChartTab, type Route } from '../router/routes';
import { isTypingTarget } from '../shell/use-global-keys';

type PatientRoute = Extract<Route, { screen: 'patient' }>;
type Navigate = (route: Route, options?: { replace?: boolean }) => void;

const TAB_LABELS: Record<ChartTab, string> = { timeline: 'Timeline', trends: 'Trends', notes: 'Notes', conditions: 'Conditions' };

/** `Type/id` → the resource view route. */
function resourceRoute(reference: string): Route | undefined {
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  return m ? { screen: 'resource', resourceType: m[1]!, id: m[2]! } : undefined;
}

export function PatientChartScreen({ route, navigate }: { route: PatientRoute; navigate: Navigate }) {
  const { patientId, tab, noteId } = route;
  const chart = useApiQuery<PatientChart>((api) => api.chart.patient({ patientId }), [patientId]);
  const goTab = (next: ChartTab) => navigate(patientRoute(patientId, next, next === 'notes' ? noteId : undefined), { replace: true });
  const openNote = (id: string) => navigate(patientRoute(patientId, 'notes', id));
  const open = (reference: string) => {
    const target = resourceRoute(reference);
    if (target) navigate(target);
  };

  // Keys 1–4 switch sections (listed in the shortcuts modal).
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target) || document.querySelector('[role="dialog"]')) return;
      const index = Number(event.key) - 1;
      const next = CHART_TABS[index];
      if (!next || !Number.isInteger(index)) return;
      event.preventDefault();
      navigate(patientRoute(patientId, next, next === 'notes' ? noteId : undefined), { replace: true });
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [navigate, patientId, noteId]);

  if (chart.error) {
    return <ErrorAlert error={chart.error} title={`Cannot open the chart of Patient/${patientId}`} onRetry={chart.reload} />;
  }
  if (!chart.data || chart.loading) {
    return (
      <Center mih={300} data-testid="chart-loading">
        <Loader />
      </Center>
    );
  }
  const data = chart.data;
  const onTimeline = (event: TimelineEvent) => {
    if (event.kind === 'note') openNote(event.reference.slice('DocumentReference/'.length));
    else open(event.reference);
  };

  return (
    <Stack gap="sm" data-testid="patient-chart">
      <Header chart={data} patientId={patientId} navigate={navigate} />
      {data.truncated.length > 0 && (
        <Text size="xs" c="orange" data-testid="chart-truncated">
          This patient has very many {data.truncated.join(', ')} resources: the chart shows the first ones only.
        </Text>
      )}
      <Tabs value={tab} onChange={(value) => value && goTab(value as ChartTab)} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="timeline" leftSection={<IconTimeline size={16} />}>
            {TAB_LABELS.timeline} <TabKey n={1} />
          </Tabs.Tab>
          <Tabs.Tab value="trends" leftSection={<IconChartLine size={16} />}>
            {TAB_LABELS.trends} ({data.series.length}) <TabKey n={2} />
          </Tabs.Tab>
          <Tabs.Tab value="notes" leftSection={<IconFileText size={16} />}>
            {TAB_LABELS.notes} ({data.notes.length}) <TabKey n={3} />
          </Tabs.Tab>
          <Tabs.Tab value="conditions" leftSection={<IconListCheck size={16} />} data-testid="tab-conditions">
            {TAB_LABELS.conditions}
            {data.todo.length > 0 && (
              <Badge size="xs" color="orange" variant="filled" ml={6} data-testid="todo-count">
                {data.todo.length} to do
              </Badge>
            )}{' '}
            <TabKey n={4} />
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="timeline" pt="sm">
          <TimelineSection chart={data} onOpen={onTimeline} />
        </Tabs.Panel>
        <Tabs.Panel value="trends" pt="sm">
          <TrendsSection chart={data} onOpen={open} />
        </Tabs.Panel>
        <Tabs.Panel value="notes" pt="sm">
          <NotesSection
            chart={data}
            noteId={noteId}
            onSelectNote={(id) => navigate(patientRoute(patientId, 'notes', id), { replace: true })}
            onReview={(id) => navigate({ screen: 'review-document', documentId: id, filters: {} })}
          />
        </Tabs.Panel>
        <Tabs.Panel value="conditions" pt="sm">
          <ConditionsSection chart={data} onOpenNote={openNote} onOpen={open} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function TabKey({ n }: { n: number }) {
  return (
    <Text span size="xs" c="dimmed" ml={4} aria-hidden>
      {n}
    </Text>
  );
}

function Header({ chart, patientId, navigate }: { chart: PatientChart; patientId: string; navigate: Navigate }) {
  const d = chart.demographics;
  const facts = [
    d.sex,
    d.age !== undefined ? `${d.age} years` : undefined,
    d.birthDate ? `born ${d.birthDate}` : undefined,
    d.deceased ? (typeof d.deceased === 'string' ? `died ${d.deceased.slice(0, 10)}` : 'deceased') : undefined,
    d.maritalStatus,
  ].filter(Boolean);
  return (
    <Card withBorder padding="sm" data-testid="chart-header">
      <Breadcrumbs mb={4}>
        <Anchor component="button" type="button" size="xs" onClick={() => navigate(resourcesRoute('Patient'))}>
          Patient
        </Anchor>
        <Text size="xs">{patientId}</Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
        <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
          <IconUser size={32} stroke={1.4} />
          <div style={{ minWidth: 0 }}>
            <Title order={2} data-testid="chart-name">
              {d.name}
            </Title>
            <Text size="sm" c="dimmed" data-testid="chart-facts">
              {facts.join(' · ')}
            </Text>
          </div>
        </Group>
        <Group gap="xs">
          {d.mrn && (
            <Badge variant="light" size="lg" data-testid="chart-mrn">
              MRN {d.mrn}
            </Badge>
          )}
          <Button size="xs" variant="default" onClick={() => navigate({ screen: 'resource', resourceType: 'Patient', id: patientId })}>
            Patient resource
          </Button>
        </Group>
      </Group>
      <Group gap="lg" mt={6}>
        {d.addresses.map((a) => (
          <Text key={a} size="xs" c="dimmed">
            {a}
          </Text>
        ))}
        {d.telecom.map((t) => (
          <Text key={`${t.system ?? ''}${t.value}`} size="xs" c="dimmed">
            {t.system ? `${t.system}${t.use ? ` (${t.use})` : ''}: ` : ''}
            {t.value}
          </Text>
        ))}
        {d.identifiers
          .filter((i) => i.label !== 'MRN')
          .map((i) => (
            <Text key={`${i.system ?? ''}|${i.value}`} size="xs" c="dimmed">
              {i.label ?? i.system ?? 'id'}: {i.value}
            </Text>
          ))}
      </Group>
    </Card>
  );
}
