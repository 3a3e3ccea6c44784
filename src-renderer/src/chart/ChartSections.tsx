/**
 * The patient chart's sections (docs/patient-chart.md): the timeline, the trend plots, the notes
 * with their entities, and the conditions (NLP-found, not coded, beside the coded ones).
 */
import { Anchor, Badge, Button, Card, Center, Checkbox, Chip, Group, Loader, ScrollArea, SimpleGrid, Stack, Table, Text, ThemeIcon, Title, Tooltip, UnstyledButton } from '@mantine/core';
import {
  IconAlertTriangle, IconBuildingHospital, IconCut, IconExternalLink, IconNotes, IconPill, IconReportMedical, IconStethoscope, IconVaccine,
} from '@tabler/icons-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ChartNote, ChartNoteSummary, CodedCondition, NlpFinding, ObservationSeries, PatientChart, TimelineEvent, TimelineKind } from '../../../src-main/chart/types';
import { TIMELINE_KINDS } from '../../../src-main/chart/types';
import { ENTITY_CATEGORIES } from '../../../src-main/nlp/types';
import { useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { CATEGORY_STYLES } from '../review/categories';
import { NoteView } from '../review/NoteView';
import { TrendPlot } from './TrendPlot';
import { formatValue, rangeText } from './scale';

export const KIND_LOOK: Record<TimelineKind, { label: string; icon: typeof IconPill; color: string }> = {
  encounter: { label: 'Encounters', icon: IconBuildingHospital, color: 'gray' },
  condition: { label: 'Conditions', icon: IconStethoscope, color: 'orange' },
  medication: { label: 'Medications', icon: IconPill, color: 'blue' },
  procedure: { label: 'Procedures', icon: IconCut, color: 'teal' },
  immunization: { label: 'Immunizations', icon: IconVaccine, color: 'grape' },
  allergy: { label: 'Allergies', icon: IconAlertTriangle, color: 'red' },
  report: { label: 'Lab reports', icon: IconReportMedical, color: 'cyan' },
  note: { label: 'Notes', icon: IconNotes, color: 'yellow' },
};

const day = (date: string | undefined): string => date?.slice(0, 10) ?? '';

// ---------------------------------------------------------------------------------------------
// Timeline

/** Events grouped by year, newest year and newest event first; undated events in their own group. */
export function groupByYear(events: readonly TimelineEvent[]): Array<{ year: string; events: TimelineEvent[] }> {
  const groups = new Map<string, TimelineEvent[]>();
  for (const event of [...events].reverse()) {
    const year = event.date?.slice(0, 4) ?? 'Undated';
    const list = groups.get(year) ?? [];
    list.push(event);
    groups.set(year, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === 'Undated' ? 1 : b === 'Undated' ? -1 : b.localeCompare(a)))
    .map(([year, list]) => ({ year, events: list }));
}

export function TimelineSection({ chart, onOpen }: { chart: PatientChart; onOpen: (event: TimelineEvent) => void }) {
  const counts = useMemo(() => {
    const out = new Map<TimelineKind, number>();
    for (const e of chart.timeline) out.set(e.kind, (out.get(e.kind) ?? 0) + 1);
    return out;
  }, [chart.timeline]);
  const present = TIMELINE_KINDS.filter((k) => counts.has(k));
  // Lab reports repeat what the trend plots show: off by default.
  const [kinds, setKinds] = useState<string[]>(() => present.filter((k) => k !== 'report'));
  const shown = useMemo(() => chart.timeline.filter((e) => kinds.includes(e.kind)), [chart.timeline, kinds]);
  const groups = useMemo(() => groupByYear(shown), [shown]);

  if (chart.timeline.length === 0) {
    return <Empty text="Nothing dated in this patient's record yet." testId="timeline-empty" />;
  }
  return (
    <Stack gap="sm">
      <Chip.Group multiple value={kinds} onChange={setKinds}>
        <Group gap={6} data-testid="timeline-filters">
          {present.map((kind) => (
            <Chip key={kind} value={kind} size="xs" color={KIND_LOOK[kind].color} variant="light">
              {KIND_LOOK[kind].label} ({counts.get(kind)})
            </Chip>
          ))}
        </Group>
      </Chip.Group>
      <TimelineStrip events={shown} />
      <Stack gap="xs" data-testid="timeline">
        {groups.map((group) => (
          <Card key={group.year} withBorder padding="xs" data-testid="timeline-year" data-year={group.year}>
            <Text fw={700} size="sm" mb={4}>
              {group.year}
              <Text span size="xs" c="dimmed" ml={8}>
                {group.events.length} event{group.events.length === 1 ? '' : 's'}
              </Text>
            </Text>
            <Stack gap={2}>
              {group.events.map((event) => {
                const look = KIND_LOOK[event.kind];
                return (
                  <UnstyledButton
                    key={event.reference}
                    onClick={() => onOpen(event)}
                    data-testid="timeline-event"
                    data-kind={event.kind}
                    style={{ borderRadius: 4, padding: '2px 4px' }}
                   
                  >
                    <Group gap="xs" wrap="nowrap">
                      <Text size="xs" c="dimmed" w={78} style={{ flexShrink: 0, fontVariantNumeric: 'tabular-nums' }}>
                        {event.date ? day(event.date).slice(5) || day(event.date) : '—'}
                      </Text>
                      <ThemeIcon size="sm" variant="light" color={look.color} aria-label={look.label}>
                        <look.icon size={14} />
                      </ThemeIcon>
                      <Text size="sm" truncate style={{ minWidth: 0, flex: 1 }}>
                        {event.label}
                      </Text>
                      {event.code && (
                        <Badge size="xs" variant="outline" color="gray" style={{ flexShrink: 0 }}>
                          {event.code.code}
                        </Badge>
                      )}
                      {event.status && (
                        <Text size="xs" c="dimmed" w={70} ta="right" style={{ flexShrink: 0 }}>
                          {event.status}
                        </Text>
                      )}
                    </Group>
                  </UnstyledButton>
                );
              })}
            </Stack>
          </Card>
        ))}
      </Stack>
    </Stack>
  );
}

/** A strip plot of the whole record: one lane per kind, one tick per event, years below. */
function TimelineStrip({ events }: { events: readonly TimelineEvent[] }) {
  const dated = events.filter((e) => e.date && !Number.isNaN(Date.parse(e.date)));
  if (dated.length === 0) return null;
  const kinds = TIMELINE_KINDS.filter((k) => dated.some((e) => e.kind === k));
  const times = dated.map((e) => Date.parse(e.date!));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  // Wider than the trend plots' view box: the strip is short, its labels stay small.
  const W = 960;
  const left = 92;
  const lane = 14;
  const H = kinds.length * lane + 22;
  const x = (t: number) => (t1 === t0 ? (left + W) / 2 : left + ((t - t0) / (t1 - t0)) * (W - left - 8));
  const years: number[] = [];
  for (let y = new Date(t0).getUTCFullYear() + 1; y <= new Date(t1).getUTCFullYear(); y++) years.push(y);
  const step = Math.max(1, Math.ceil(years.length / 8));
  return (
    <Card withBorder padding="xs">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={`${dated.length} events from ${day(new Date(t0).toISOString())} to ${day(new Date(t1).toISOString())}`} data-testid="timeline-strip">
        {years.map((y) => (
          <line key={y} x1={x(Date.UTC(y, 0, 1))} x2={x(Date.UTC(y, 0, 1))} y1={0} y2={H - 16} stroke="var(--mantine-color-default-border)" strokeWidth={0.6} />
        ))}
        {years
          .filter((_, i) => i % step === 0)
          .map((y) => (
            <text key={`t${y}`} x={x(Date.UTC(y, 0, 1))} y={H - 4} fontSize={10} textAnchor="middle" fill="var(--mantine-color-dimmed)">
              {y}
            </text>
          ))}
        {kinds.map((kind, i) => (
          <g key={kind}>
            <text x={0} y={i * lane + 10} fontSize={10} fill="var(--mantine-color-dimmed)">
              {KIND_LOOK[kind].label}
            </text>
            {dated
              .filter((e) => e.kind === kind)
              .map((e) => (
                <rect key={e.reference} x={x(Date.parse(e.date!)) - 1} y={i * lane + 2} width={2} height={lane - 4} fill={`var(--mantine-color-${KIND_LOOK[kind].color}-6)`}>
                  <title>{`${day(e.date)} ${e.label}`}</title>
                </rect>
              ))}
          </g>
        ))}
      </svg>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Trends

/** The series shown first: labs with a reference range and an out-of-range value, then the most measured. */
export function defaultSeries(series: readonly ObservationSeries[], count = 4): string[] {
  const score = (s: ObservationSeries) => (s.points.some((p) => p.outOfRange) ? 2 : 0) + (s.low !== undefined || s.high !== undefined ? 1 : 0);
  return [...series]
    .filter((s) => s.points.length > 1)
    .sort((a, b) => score(b) - score(a) || b.points.length - a.points.length)
    .slice(0, count)
    .map((s) => s.key);
}

const SERIES_GROUPS: Array<{ category: string | undefined; label: string }> = [
  { category: 'laboratory', label: 'Laboratory' },
  { category: 'vital-signs', label: 'Vital signs' },
];

/** The series list under headings: laboratory, vital signs, then anything else (order kept within each). */
export function seriesGroups(series: readonly ObservationSeries[]): Array<{ label: string; series: ObservationSeries[] }> {
  const known = new Set(SERIES_GROUPS.map((g) => g.category));
  const groups = SERIES_GROUPS.map((g) => ({ label: g.label, series: series.filter((s) => s.category === g.category) }));
  groups.push({ label: 'Other', series: series.filter((s) => !known.has(s.category)) });
  return groups.filter((g) => g.series.length > 0);
}

export function TrendsSection({ chart, onOpen }: { chart: PatientChart; onOpen: (reference: string) => void }) {
  const [selected, setSelected] = useState<string[]>(() => defaultSeries(chart.series));
  const domain = useMemo((): [number, number] | undefined => {
    const times = chart.series.flatMap((s) => s.points.map((p) => Date.parse(p.time)));
    return times.length > 0 ? [Math.min(...times), Math.max(...times)] : undefined;
  }, [chart.series]);
  if (chart.series.length === 0) {
    return <Empty text="No numeric observations (labs, vital signs) for this patient." testId="trends-empty" />;
  }
  const shown = chart.series.filter((s) => selected.includes(s.key));
  return (
    <Group align="flex-start" gap="md" wrap="nowrap">
      <Card withBorder padding="xs" w={260} style={{ flexShrink: 0 }}>
        <Text fw={600} size="sm" mb={6}>
          Series ({chart.series.length})
        </Text>
        {/* A scrollbar always shown: hidden (Mantine's default), the vital signs below the labs looked absent. */}
        <ScrollArea.Autosize mah="70vh" type="auto" offsetScrollbars>
          <Checkbox.Group value={selected} onChange={setSelected} aria-label="Series to plot">
            <Stack gap={6} data-testid="series-selector">
              {seriesGroups(chart.series).map(({ label, series }) => [
                <Text key={`h-${label}`} size="xs" fw={700} c="dimmed" tt="uppercase" mt={4}>
                  {label}
                </Text>,
                ...series.map((s) => {
                  const out = s.points.filter((p) => p.outOfRange).length;
                  return (
                    <Checkbox
                      key={s.key}
                      value={s.key}
                      size="xs"
                      label={
                        <Text size="xs" span>
                          {s.display}{' '}
                          <Text span c="dimmed" size="xs">
                            ({s.points.length}
                            {out > 0 ? `, ${out} out of range` : ''})
                          </Text>
                        </Text>
                      }
                    />
                  );
                }),
              ])}
            </Stack>
          </Checkbox.Group>
        </ScrollArea.Autosize>
      </Card>
      <Stack gap="sm" style={{ flex: 1, minWidth: 0 }}>
        {shown.length === 0 && <Empty text="Pick a series on the left to plot it." testId="trends-none-selected" />}
        {shown.map((s) => {
          const latest = s.points.at(-1);
          return (
            <Card key={s.key} withBorder padding="xs" data-testid="trend-card">
              <Group justify="space-between" gap="xs" mb={4}>
                <Text fw={600} size="sm">
                  {s.display}
                  <Text span c="dimmed" size="xs" ml={6}>
                    {s.code}
                    {s.unit ? ` · ${s.unit}` : ''}
                  </Text>
                </Text>
                <Group gap={6}>
                  {(s.low !== undefined || s.high !== undefined) && (
                    <Tooltip label={s.band === 'default' ? 'No reference range in the data: the typical adult range for this vital sign' : 'The reference range of the latest value'}>
                      <Badge size="xs" variant="light" color="green" data-testid="trend-range">
                        {s.band === 'default' ? 'typical ' : ''}range {rangeText(s.low, s.high)}
                      </Badge>
                    </Tooltip>
                  )}
                  {latest && (
                    <Badge size="xs" variant="light" color={latest.outOfRange ? 'red' : 'blue'}>
                      latest {formatValue(latest.value)} on {day(latest.time)}
                    </Badge>
                  )}
                </Group>
              </Group>
              <TrendPlot series={s} {...(domain ? { domain } : {})} onOpenPoint={onOpen} />
            </Card>
          );
        })}
      </Stack>
    </Group>
  );
}

// ---------------------------------------------------------------------------------------------
// Notes

export function NotesSection({
  chart,
  noteId,
  onSelectNote,
  onReview,
}: {
  chart: PatientChart;
  noteId: string | undefined;
  onSelectNote: (id: string) => void;
  onReview: (id: string) => void;
}) {
  const viewport = useRef<HTMLDivElement>(null);
  const current = noteId ?? chart.notes[0]?.id;
  // A note opened from elsewhere (the to-do list, the timeline) is scrolled into the list's view;
  // only the list scrolls (scrollIntoView would move the whole page too).
  useEffect(() => {
    const box = viewport.current;
    const row = box?.querySelector<HTMLElement>(`[data-note="${(current ?? '').replace(/["\\]/g, '')}"]`);
    if (!box || !row) return;
    const top = row.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    if (top < box.scrollTop || top + row.offsetHeight > box.scrollTop + box.clientHeight) box.scrollTop = Math.max(0, top - box.clientHeight / 3);
  }, [current]);
  if (chart.notes.length === 0 || current === undefined) {
    return <Empty text="No clinical notes for this patient." testId="notes-empty" />;
  }
  return (
    <Group align="flex-start" gap="md" wrap="nowrap">
      <Card withBorder padding={0} w={300} style={{ flexShrink: 0 }}>
        <ScrollArea.Autosize mah="75vh" viewportRef={viewport}>
          <Stack gap={0} data-testid="notes-list" role="listbox" aria-label="Notes">
            {chart.notes.map((note) => (
              <NoteRow key={note.id} note={note} active={note.id === current} onClick={() => onSelectNote(note.id)} />
            ))}
          </Stack>
        </ScrollArea.Autosize>
      </Card>
      <div style={{ flex: 1, minWidth: 0 }}>
        <NotePanel documentId={current} onReview={onReview} />
      </div>
    </Group>
  );
}

function NoteRow({ note, active, onClick }: { note: ChartNoteSummary; active: boolean; onClick: () => void }) {
  return (
    <UnstyledButton
      onClick={onClick}
      role="option"
      aria-selected={active}
      data-testid="note-row"
      data-note={note.id}
      p="xs"
      style={{ borderBottom: '1px solid var(--mantine-color-default-border)', background: active ? 'var(--mantine-primary-color-light)' : undefined }}
    >
      <Text size="sm" fw={active ? 600 : 500} truncate>
        {note.title}
      </Text>
      <Text size="xs" c="dimmed">
        {day(note.date) || 'undated'}
        {note.nlp === 'none' ? ' · waiting for the NLP' : note.nlp === 'failed' ? ' · NLP failed' : ` · ${note.entities} entities`}
      </Text>
      <Group gap={4} mt={2}>
        {ENTITY_CATEGORIES.filter((c) => note.categories[c]).map((c) => (
          <Tooltip key={c} label={CATEGORY_STYLES[c].label}>
            <Badge size="xs" variant="filled" color={CATEGORY_STYLES[c].color} c={CATEGORY_STYLES[c].ink} radius="sm">
              {CATEGORY_STYLES[c].letter} {note.categories[c]}
            </Badge>
          </Tooltip>
        ))}
      </Group>
    </UnstyledButton>
  );
}

function NotePanel({ documentId, onReview }: { documentId: string; onReview: (id: string) => void }) {
  const note = useApiQuery<ChartNote>((api) => api.chart.note({ documentId }), [documentId]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  if (note.error) return <ErrorAlert error={note.error} title="Cannot open this note" onRetry={note.reload} />;
  if (!note.data || note.loading) {
    return (
      <Center mih={200}>
        <Loader />
      </Center>
    );
  }
  const doc = note.data;
  const chosen = doc.annotations.find((a) => a.id === selected);
  return (
    <Card withBorder padding={0} data-testid="chart-note">
      <Group justify="space-between" p="xs" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
        <div style={{ minWidth: 0 }}>
          <Title order={4} data-testid="chart-note-title">
            {doc.title}
          </Title>
          <Text size="xs" c="dimmed">
            {[day(doc.date), `${doc.annotations.length} entities`, doc.nlp === 'none' ? 'not processed by the NLP yet' : doc.nlp === 'failed' ? 'the NLP failed on it' : undefined]
              .filter(Boolean)
              .join(' · ')}
          </Text>
        </div>
        <Button size="xs" variant="light" rightSection={<IconExternalLink size={14} />} onClick={() => onReview(doc.documentId)} data-testid="open-in-review">
          Open in review
        </Button>
      </Group>
      <Group gap={6} px="xs" pt={6}>
        {ENTITY_CATEGORIES.map((c) => (
          <Badge key={c} size="xs" variant="filled" color={CATEGORY_STYLES[c].color} c={CATEGORY_STYLES[c].ink} radius="sm">
            {CATEGORY_STYLES[c].letter} {CATEGORY_STYLES[c].label}
          </Badge>
        ))}
      </Group>
      {chosen && (
        <Text size="xs" px="xs" pt={6} data-testid="chart-entity">
          <b>{chosen.text}</b> · {CATEGORY_STYLES[chosen.category].label} · {chosen.type}
          {chosen.concept ? ` · ${chosen.concept.code} ${chosen.concept.display}` : ''}
          {chosen.traits.length > 0 ? ` · ${chosen.traits.join(', ')}` : ''}
          {chosen.score !== undefined ? ` · score ${chosen.score.toFixed(2)}` : ''}
        </Text>
      )}
      <ScrollArea.Autosize mah="70vh">
        <NoteView text={doc.text} sections={doc.sections} annotations={doc.annotations} selectedId={selected} onSelect={setSelected} />
      </ScrollArea.Autosize>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Conditions

export function ConditionsSection({ chart, onOpenNote, onOpen }: { chart: PatientChart; onOpenNote: (id: string) => void; onOpen: (reference: string) => void }) {
  const noteTitle = useMemo(() => new Map(chart.notes.map((n) => [n.id, `${day(n.date)} ${n.title}`])), [chart.notes]);
  // Notes the NLP has not read yet (or failed on) cannot add to the list: say so rather than look complete.
  const unread = chart.notes.filter((n) => n.nlp !== 'succeeded').length;
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
      <Card withBorder padding="xs" data-testid="todo">
        <Text fw={600} size="sm">
          Found in notes, not coded ({chart.todo.length})
        </Text>
        <Text size="xs" c="dimmed" mb={6}>
          Conditions the NLP found asserted in this patient's notes (not negated, family or hypothetical), after reviewers' decisions, that no Condition codes; best score first.
        </Text>
        {unread > 0 && (
          <Text size="xs" c="orange" mb={6} data-testid="todo-unread">
            {unread} of {chart.notes.length} notes not read by the NLP yet (or failed): the list may grow.
          </Text>
        )}
        {chart.todo.length === 0 ? (
          <Empty
            text={chart.notes.length === 0 ? 'No notes to read.' : unread > 0 ? 'Nothing found in the notes read so far.' : 'Everything the notes mention is coded.'}
            testId="todo-empty"
          />
        ) : (
          <Table.ScrollContainer minWidth={420}>
            <Table striped highlightOnHover verticalSpacing={4} fz="xs" data-testid="todo-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>ICD-10-CM</Table.Th>
                  <Table.Th>Found as</Table.Th>
                  <Table.Th ta="right">Score</Table.Th>
                  <Table.Th>Notes</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {chart.todo.map((item) => (
                  <TodoRow key={item.code} item={item} noteTitle={noteTitle} onOpenNote={onOpenNote} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <Card withBorder padding="xs" data-testid="coded">
        <Text fw={600} size="sm">
          Coded conditions ({chart.coded.length})
        </Text>
        <Text size="xs" c="dimmed" mb={6}>
          Condition resources, and whether a note mentions them (the same code, or the same 3-character category).
        </Text>
        {chart.coded.length === 0 ? (
          <Empty text="No Condition resources for this patient." testId="coded-empty" />
        ) : (
          <Table.ScrollContainer minWidth={420}>
            <Table striped highlightOnHover verticalSpacing={4} fz="xs" data-testid="coded-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Code</Table.Th>
                  <Table.Th>Condition</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>In notes</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {chart.coded.map((c) => (
                  <CodedRow key={c.reference} condition={c} onOpen={onOpen} onOpenNote={onOpenNote} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
    </SimpleGrid>
  );
}

function TodoRow({ item, noteTitle, onOpenNote }: { item: NlpFinding; noteTitle: Map<string, string>; onOpenNote: (id: string) => void }) {
  return (
    <Table.Tr data-testid="todo-row" data-code={item.code}>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Text size="xs" fw={600} span>
          {item.code}
        </Text>
        {item.sameCategory.length > 0 && (
          <Tooltip label={`More specific than the coded ${item.sameCategory.join(', ')}`}>
            <Badge size="xs" variant="light" color="yellow" ml={4}>
              refines {item.sameCategory.join(', ')}
            </Badge>
          </Tooltip>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="xs">{item.display}</Text>
        <Text size="xs" c="dimmed">
          “{item.text}”{item.mentions > 1 ? ` · ${item.mentions} mentions` : ''}
        </Text>
      </Table.Td>
      <Table.Td ta="right" style={{ fontVariantNumeric: 'tabular-nums' }}>
        {item.score.toFixed(2)}
        {item.reviewed && (
          <Tooltip label="A reviewer accepted or added a mention of it">
            <Badge size="xs" variant="light" color="green" ml={4} data-testid="todo-reviewed">
              reviewed
            </Badge>
          </Tooltip>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {item.noteIds.slice(0, 3).map((id) => (
            <Tooltip key={id} label={noteTitle.get(id) ?? id}>
              <Anchor component="button" type="button" size="xs" onClick={() => onOpenNote(id)} data-testid="todo-note-link">
                {noteTitle.get(id)?.slice(0, 10) || id}
              </Anchor>
            </Tooltip>
          ))}
          {item.noteIds.length > 3 && (
            <Text size="xs" c="dimmed">
              +{item.noteIds.length - 3}
            </Text>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

const MENTION_LOOK: Record<CodedCondition['mentioned'], { label: string; color: string }> = {
  code: { label: 'same code', color: 'green' },
  category: { label: 'same category', color: 'yellow' },
  none: { label: 'not mentioned', color: 'gray' },
};

function CodedRow({ condition, onOpen, onOpenNote }: { condition: CodedCondition; onOpen: (reference: string) => void; onOpenNote: (id: string) => void }) {
  const look = MENTION_LOOK[condition.mentioned];
  const firstNote = condition.noteIds[0];
  return (
    <Table.Tr data-testid="coded-row" data-mentioned={condition.mentioned}>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Anchor component="button" type="button" size="xs" fw={600} onClick={() => onOpen(condition.reference)}>
          {condition.code ?? '(no ICD-10-CM)'}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <Text size="xs">{condition.display}</Text>
        <Text size="xs" c="dimmed">
          {day(condition.onset ?? condition.recorded)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs">{condition.clinicalStatus ?? ''}</Text>
      </Table.Td>
      <Table.Td>
        {firstNote ? (
          <UnstyledButton onClick={() => onOpenNote(firstNote)} aria-label={`${look.label}: open the latest note`}>
            <Badge size="xs" variant="light" color={look.color} style={{ cursor: 'pointer' }}>
              {look.label} · {condition.noteIds.length}
            </Badge>
          </UnstyledButton>
        ) : (
          <Badge size="xs" variant="light" color={look.color}>
            {look.label}
          </Badge>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function Empty({ text, testId }: { text: string; testId: string }) {
  return (
    <Center mih={100}>
      <Text c="dimmed" size="sm" data-testid={testId}>
        {text}
      </Text>
    </Center>
  );
}
