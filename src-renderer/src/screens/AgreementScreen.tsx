/**
 * Agreement between two reviewers (issue 6 §2, docs/review-agreement.md): Cohen's kappa, F1 and
 * kappa per category, the notes with their number of differences, and one note side by side
 * (`#/agreement?a=&b=&doc=`) where each difference is resolved as a third reviewer's annotation
 * (the adjudicator) through `review.apply`. Keys: j/k move, 1 take A, 2 take B, 3 keep both,
 * 0 neither, ? the cheat sheet.
 */
import { BarChart } from '@mantine/charts';
import { barValueLabels } from '../components/bar-value-labels';
import {
  Alert, Badge, Box, Button, Card, Group, Kbd, Loader, ScrollArea, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconArrowLeft } from '@tabler/icons-react';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { describeOutcome } from '../../../src-main/api/result';
import { isAsserted } from '../../../src-main/review/agreement';
import type { AgreementReport, ReviewAnnotation, ReviewDocument } from '../../../src-main/review/types';
import { useApi } from '../api/context';
import { useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { formatCount } from '../lib/format';
import {
  agreedChanges, currentResolution, differenceKey, differenceKinds, KIND_LABEL, resolutionChanges, type Difference, type Resolution,
} from '../review/adjudication';
import { CATEGORY_STYLES, traitMarkers } from '../review/categories';
import { NoteView } from '../review/NoteView';
import type { Route } from '../router/routes';
import { isTypingTarget } from '../shell/use-global-keys';

type AgreementRoute = Extract<Route, { screen: 'review-agreement' }>;
type Navigate = (route: Route, options?: { replace?: boolean }) => void;

/** The keys of the side-by-side view, for its cheat sheet and the global list. */
export const AGREEMENT_SHORTCUTS: Array<{ keys: string[]; action: string }> = [
  { keys: ['j'], action: 'Next difference (or ↓)' },
  { keys: ['k'], action: 'Previous difference (or ↑)' },
  { keys: ['1'], action: 'Take A’s version' },
  { keys: ['2'], action: 'Take B’s version' },
  { keys: ['3'], action: 'Keep both' },
  { keys: ['0'], action: 'Keep neither' },
  { keys: ['Esc'], action: 'Back to the figures' },
  { keys: ['?'], action: 'Show or hide this cheat sheet' },
];

const KEY_RESOLUTION: Record<string, Resolution> = { '1': 'a', '2': 'b', '3': 'both', '0': 'neither' };
const RESOLUTION_LABEL: Record<Resolution, string> = { a: 'took A', b: 'took B', both: 'kept both', neither: 'kept neither' };

/** Landis & Koch (1977): the usual words for a kappa. */
/**
 * The value axis of the F1 / kappa plot: from 0 (or kappa's lowest, rounded down to a quarter) to 1,
 * with round ticks. Recharts' own ticks on a domain starting at the lowest kappa read -0.548, -0.148…
 */
export function scoreAxis(kappas: readonly number[]): { domain: [number, number]; ticks: number[] } {
  const lowest = Math.min(0, ...kappas.filter((value) => Number.isFinite(value)));
  const low = Math.max(-1, Math.floor(lowest * 4) / 4);
  const step = 1 - low > 1.25 ? 0.5 : 0.25;
  const ticks: number[] = [];
  for (let tick = Math.ceil(low / step) * step; tick <= 1 + 1e-9; tick += step) ticks.push(Number(tick.toFixed(2)));
  if (ticks[0] !== low) ticks.unshift(low);
  return { domain: [low, 1], ticks };
}

export function kappaWords(kappa: number): string {
  if (kappa < 0) return 'poor';
  if (kappa <= 0.2) return 'slight';
  if (kappa <= 0.4) return 'fair';
  if (kappa <= 0.6) return 'moderate';
  if (kappa <= 0.8) return 'substantial';
  return 'almost perfect';
}

const fixed = (n: number) => n.toFixed(3);

export function AgreementScreen({ route, navigate }: { route: AgreementRoute; navigate: Navigate }) {
  // Again when a note is closed: resolving differences may have made the adjudicator a reviewer.
  const reviewers = useApiQuery((api) => api.review.reviewers({}), [route.documentId]);
  const names = (reviewers.data ?? []).map((entry) => entry.name);
  const set = (patch: Partial<AgreementRoute>) => {
    const next: AgreementRoute = { ...route, ...patch };
    // A note is opened from the figures of these two reviewers only.
    if ('a' in patch || 'b' in patch || 'documentIds' in patch) delete next.documentId;
    for (const key of ['a', 'b', 'documentIds', 'documentId'] as const) if (next[key] === undefined) delete next[key];
    navigate(next, { replace: !('documentId' in patch) });
  };
  const ready = route.a !== undefined && route.b !== undefined && route.a !== route.b;

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>Agreement</Title>
        <Button variant="default" onClick={() => navigate({ screen: 'review-exchange', filters: {} })}>
          Export / import annotations…
        </Button>
      </Group>
      <Group align="flex-end" gap="sm">
        <Select label="Reviewer A" placeholder="Choose" data={names} value={route.a ?? null} onChange={(a) => set({ a: a ?? undefined })} searchable w={200} data-testid="agreement-a" />
        <Select label="Reviewer B" placeholder="Choose" data={names} value={route.b ?? null} onChange={(b) => set({ b: b ?? undefined })} searchable w={200} data-testid="agreement-b" />
        <NotesField value={route.documentIds} onChange={(documentIds) => set({ documentIds })} />
      </Group>
      {reviewers.data && names.length < 2 && (
        <Alert variant="light" color="gray">
          Agreement needs two reviewers of the same notes. Reviewers so far: {names.length === 0 ? 'none' : names.join(', ')}.
        </Alert>
      )}
      {reviewers.error && <ErrorAlert error={reviewers.error} title="Cannot list the reviewers" onRetry={reviewers.reload} />}
      {names.length >= 2 && (route.a === undefined || route.b === undefined) && (
        <Text c="dimmed" data-testid="agreement-choose">
          Choose reviewer A and reviewer B to see their kappa and F1 per category and the notes where they differ.
        </Text>
      )}
      {route.a !== undefined && route.a === route.b && <Alert color="yellow">Choose two different reviewers.</Alert>}
      {ready &&
        (route.documentId ? (
          <SideBySide a={route.a!} b={route.b!} documentId={route.documentId} onBack={() => set({ documentId: undefined })} />
        ) : (
          <Figures a={route.a!} b={route.b!} documentIds={route.documentIds} onOpen={(documentId) => set({ documentId })} />
        ))}
    </Stack>
  );
}

/** The optional subset of notes: ids separated by commas or spaces; empty means every note both reviewed. */
function NotesField({ value, onChange }: { value: string[] | undefined; onChange: (ids: string[] | undefined) => void }) {
  const [text, setText] = useState((value ?? []).join(', '));
  useEffect(() => setText((value ?? []).join(', ')), [value]);
  const commit = () => {
    const ids = text.split(/[\s,]+/).filter((id) => /^[A-Za-z0-9\-.]{1,64}$/.test(id));
    onChange(ids.length > 0 ? ids : undefined);
  };
  return (
    <TextInput
      label="Notes (optional)"
      placeholder="Every note both reviewed"
      value={text}
      onChange={(event) => setText(event.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(event) => {
        if (event.key === 'Enter') commit();
      }}
      w={320}
      data-testid="agreement-notes"
    />
  );
}

function Figures({ a, b, documentIds, onOpen }: { a: string; b: string; documentIds: string[] | undefined; onOpen: (documentId: string) => void }) {
  const idsKey = (documentIds ?? []).join(',');
  const report = useApiQuery((api) => api.review.agreement({ reviewerA: a, reviewerB: b, ...(documentIds ? { documentIds } : {}) }), [a, b, idsKey]);
  if (report.error) return <ErrorAlert error={report.error} title="Cannot compute the agreement" onRetry={report.reload} />;
  if (!report.data) return <Loader size="sm" />;
  return <FiguresView report={report.data} onOpen={onOpen} />;
}

export function FiguresView({ report, onOpen }: { report: AgreementReport; onOpen: (documentId: string) => void }) {
  const documents = [...report.perDocument].sort((x, y) => y.differences - x.differences || (x.title ?? x.documentId).localeCompare(y.title ?? y.documentId));
  const totalDifferences = report.perDocument.reduce((sum, row) => sum + row.differences, 0);
  // The plot shows the categories someone asserted; the others (F1 and kappa 1 by convention: nothing
  // to disagree on) would fill it with full bars that say nothing. The table keeps them all.
  const plotted = report.perCategory.filter((row) => row.a + row.b > 0);
  const chart = (plotted.length > 0 ? plotted : report.perCategory).map((row) => ({ category: CATEGORY_STYLES[row.category].label, F1: Number(row.f1.toFixed(3)), kappa: Number(row.kappa.toFixed(3)) }));
  const axis = scoreAxis(chart.map((row) => row.kappa));
  if (report.documents === 0) {
    return (
      <Alert variant="light" color="gray" data-testid="agreement-empty">
        {report.reviewerA} and {report.reviewerB} have no note in common yet.
      </Alert>
    );
  }
  return (
    <Stack gap="md" data-testid="agreement-figures">
      <Group gap="xl" align="flex-start">
        <Card withBorder padding="md" miw={220}>
          <Text size="xs" c="dimmed">
            Cohen’s kappa, {formatCount(report.documents)} note{report.documents === 1 ? '' : 's'}
          </Text>
          <Text fz={36} fw={700} ff="monospace" data-testid="agreement-kappa">
            {fixed(report.kappa)}
          </Text>
          <Text size="sm">{kappaWords(report.kappa)} agreement</Text>
          <Text size="xs" c="dimmed" mt={6} data-testid="agreement-difference-count">
            {formatCount(totalDifferences)} difference{totalDifferences === 1 ? '' : 's'} to resolve
          </Text>
        </Card>
        {chart.length > 0 && (
          <Box style={{ flex: 1, minWidth: 320 }}>
            <BarChart
              h={Math.max(140, chart.length * 44)}
              data={chart}
              dataKey="category"
              orientation="vertical"
              yAxisProps={{ width: 140 }}
              xAxisProps={{ domain: axis.domain, ticks: axis.ticks, type: 'number', allowDataOverflow: false }}
              referenceLines={axis.domain[0] < 0 ? [{ x: 0, color: 'gray.6' }] : []}
              series={[
                { name: 'F1', color: 'blue.6' },
                { name: 'kappa', color: 'orange.6' },
              ]}
              withLegend
              {...barValueLabels(fixed)}
              gridAxis="none"
            />
          </Box>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Table withTableBorder striped data-testid="agreement-categories">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Category</Table.Th>
              <Table.Th ta="right">A</Table.Th>
              <Table.Th ta="right">B</Table.Th>
              <Table.Th ta="right">Both</Table.Th>
              <Table.Th ta="right">F1</Table.Th>
              <Table.Th ta="right">Kappa</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.perCategory.map((row) => (
              <Table.Tr key={row.category}>
                <Table.Td>{CATEGORY_STYLES[row.category].label}</Table.Td>
                <Table.Td ta="right">{formatCount(row.a)}</Table.Td>
                <Table.Td ta="right">{formatCount(row.b)}</Table.Td>
                <Table.Td ta="right">{formatCount(row.both)}</Table.Td>
                <Table.Td ta="right" ff="monospace">
                  {fixed(row.f1)}
                </Table.Td>
                <Table.Td ta="right" ff="monospace">
                  {fixed(row.kappa)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Table withTableBorder highlightOnHover data-testid="agreement-documents">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Note</Table.Th>
              <Table.Th ta="right">Differences</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {documents.map((row) => (
              <Table.Tr key={row.documentId} style={{ cursor: 'pointer' }} onClick={() => onOpen(row.documentId)} data-testid={`agreement-doc-${row.documentId}`}>
                <Table.Td>
                  <Text size="sm">{row.title ?? row.documentId}</Text>
                  <Text size="xs" c="dimmed">
                    {row.documentId}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Badge color={row.differences === 0 ? 'green' : 'orange'} variant="light">
                    {formatCount(row.differences)}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        Items for kappa: every span either reviewer asserted or the engine suggested; F1 treats A as the reference (docs/review-agreement.md).
      </Text>
    </Stack>
  );
}

/** One side of a difference, in words: text, type, traits, concept and why it is not asserted. */
function SideText({ x, who }: { x: ReviewAnnotation | undefined; who: string }) {
  if (!x) return <Text size="xs" c="dimmed">{who}: —</Text>;
  const style = CATEGORY_STYLES[x.category];
  const markers = traitMarkers(x.traits);
  return (
    <Text size="xs" style={{ wordBreak: 'break-word' }}>
      <b>{who}:</b> “{x.text}” <span style={{ color: 'var(--mantine-color-dimmed)' }}>{x.begin}–{x.end}</span> {style.letter} {x.type}
      {markers.length > 0 ? ` ${markers.join(' ')}` : ''}
      {x.concept ? ` ${x.concept.code}` : ''}
      {!isAsserted(x) ? ` (${x.decision === 'rejected' ? 'rejected' : 'not reviewed'})` : ''}
    </Text>
  );
}

const AgreementCheatSheet = memo(function AgreementCheatSheet() {
  return (
    <Card withBorder padding="xs" data-testid="agreement-cheat-sheet">
      <Table fz="xs" verticalSpacing={1} horizontalSpacing={4}>
        <Table.Tbody>
          {AGREEMENT_SHORTCUTS.map((shortcut) => (
            <Table.Tr key={shortcut.action}>
              <Table.Td w={40}>
                {shortcut.keys.map((key) => (
                  <Kbd key={key} size="xs">
                    {key}
                  </Kbd>
                ))}
              </Table.Td>
              <Table.Td>{shortcut.action}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
});

interface SideState {
  a: ReviewDocument;
  b: ReviewDocument;
  c: ReviewDocument;
  differences: Difference[];
}

function SideBySide({ a, b, documentId, onBack }: { a: string; b: string; documentId: string; onBack: () => void }) {
  const api = useApi();
  const [adjudicator, setAdjudicator] = useState('adjudicated');
  const [state, setState] = useState<SideState | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [selected, setSelected] = useState(0);
  const [saving, setSaving] = useState(false);
  const [cheatSheet, setCheatSheet] = useState(true);
  /** Resolutions made in this view that the record alone cannot show (an added annotation left out). */
  const [made, setMade] = useState<Map<string, Resolution>>(() => new Map());
  // Typing another name reloads that reviewer's record: wait until the typing stops.
  const [name] = useDebouncedValue(adjudicator.trim(), 300);

  const load = useCallback(async () => {
    if (name === '' || name.length > 100) return;
    setError(undefined);
    const [docA, docB, docC, report] = await Promise.all([
      api.review.document({ documentId, reviewer: a }),
      api.review.document({ documentId, reviewer: b }),
      api.review.document({ documentId, reviewer: name }),
      api.review.agreement({ reviewerA: a, reviewerB: b, documentIds: [documentId] }),
    ]);
    for (const result of [docA, docB, docC, report]) {
      if (!result.ok) {
        setError(describeOutcome(result.error));
        return;
      }
    }
    if (docA.ok && docB.ok && docC.ok && report.ok) setState({ a: docA.value, b: docB.value, c: docC.value, differences: report.value.differences });
  }, [api, a, b, documentId, name]);
  useEffect(() => {
    void load();
  }, [load]);

  const differences = useMemo(() => state?.differences ?? [], [state]);
  const resolutions = useMemo(
    () => differences.map((d) => (state ? (currentResolution(state.c, d) ?? made.get(differenceKey(d))) : undefined)),
    [differences, state, made],
  );
  const current = differences[Math.min(selected, differences.length - 1)];

  const resolve = useCallback(
    async (index: number, resolution: Resolution) => {
      const d = differences[index];
      if (!state || !d || saving) return;
      const resolved = resolutionChanges(state.c, d, resolution);
      // The first resolution in a note also brings over what both reviewers agree on.
      const ids = new Set(resolved.flatMap((change) => (change.id ? [change.id] : [])));
      const changes = [...resolved, ...agreedChanges(state.c, state.a, state.b, ids)];
      setSaving(true);
      setError(undefined);
      try {
        if (changes.length > 0) {
          const result = await api.review.apply({ documentId, reviewer: name, changes, expectedRevision: state.c.revision });
          if (!result.ok) {
            setError(describeOutcome(result.error));
            // A 412 (someone else wrote the adjudicator's record): start again from what is stored.
            void load();
            return;
          }
          setState((prev) => (prev ? { ...prev, c: result.value } : prev));
        }
        setMade((prev) => new Map(prev).set(differenceKey(d), resolution));
        // On to the next difference not yet resolved (after this one, then from the top).
        const order = [...differences.keys()].filter((i) => i > index).concat([...differences.keys()].filter((i) => i < index));
        const next = order.find((i) => resolutions[i] === undefined);
        if (next !== undefined) setSelected(next);
      } finally {
        setSaving(false);
      }
    },
    [api, differences, documentId, load, name, resolutions, saving, state],
  );

  const latest = useRef({ resolve, selected, count: differences.length, onBack });
  latest.current = { resolve, selected, count: differences.length, onBack };
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (document.querySelector('[role="dialog"]')) return;
      const { resolve: run, selected: index, count, onBack: back } = latest.current;
      const key = event.key;
      if (key === 'j' || key === 'ArrowDown') setSelected(Math.min(index + 1, Math.max(0, count - 1)));
      else if (key === 'k' || key === 'ArrowUp') setSelected(Math.max(0, index - 1));
      else if (KEY_RESOLUTION[key] !== undefined) void run(index, KEY_RESOLUTION[key]);
      else if (key === '?') setCheatSheet((shown) => !shown);
      else if (key === 'Escape') back();
      else return;
      // Ours: the global keys (? for the shortcuts list) leave it alone.
      event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, []);

  const resolvedCount = resolutions.filter((r) => r !== undefined).length;
  const assertedA = useMemo(() => state?.a.annotations.filter(isAsserted) ?? [], [state]);
  const assertedB = useMemo(() => state?.b.annotations.filter(isAsserted) ?? [], [state]);
  const selectById = (side: 'a' | 'b') => (id: string) => {
    const index = differences.findIndex((d) => d[side]?.id === id);
    if (index >= 0) setSelected(index);
  };

  return (
    <Stack gap="sm" data-testid="agreement-side-by-side">
      <Group justify="space-between" align="flex-end">
        <Group gap="sm" align="flex-end">
          <Button variant="subtle" leftSection={<IconArrowLeft size={16} />} onClick={onBack}>
            Figures
          </Button>
          <Title order={4}>{state?.a.title ?? documentId}</Title>
        </Group>
        <Group gap="sm" align="flex-end">
          <TextInput
            label="Resolve as reviewer"
            value={adjudicator}
            onChange={(event) => setAdjudicator(event.currentTarget.value)}
            maxLength={100}
            w={200}
            size="xs"
            data-testid="adjudicator"
          />
          <Text size="sm" data-testid="resolved-count">
            {resolvedCount} of {differences.length} resolved
          </Text>
        </Group>
      </Group>
      {error && (
        <Alert color="red" variant="light" data-testid="agreement-error">
          {error}
        </Alert>
      )}
      {!state ? (
        <Loader size="sm" />
      ) : (
        <SimpleGrid cols={{ base: 1, md: 3 }} spacing="sm">
          <Box>
            <Text size="sm" fw={700} mb={4}>
              A · {a}
            </Text>
            <ScrollArea.Autosize mah="calc(100vh - 300px)">
              <NoteView text={state.a.text} sections={state.a.sections} annotations={assertedA} selectedId={current?.a?.id} onSelect={selectById('a')} />
            </ScrollArea.Autosize>
          </Box>
          <Box>
            <Text size="sm" fw={700} mb={4}>
              B · {b}
            </Text>
            <ScrollArea.Autosize mah="calc(100vh - 300px)">
              <NoteView text={state.b.text} sections={state.b.sections} annotations={assertedB} selectedId={current?.b?.id} onSelect={selectById('b')} />
            </ScrollArea.Autosize>
          </Box>
          <Stack gap="xs">
            <Text size="sm" fw={700}>
              Differences
            </Text>
            {differences.length === 0 ? (
              <Text size="sm" c="dimmed" data-testid="no-differences">
                {a} and {b} agree on this note.
              </Text>
            ) : (
              <ScrollArea.Autosize mah="calc(100vh - 420px)">
                <Stack gap={6} data-testid="difference-list">
                  {differences.map((d, index) => (
                    <DifferenceRow
                      key={differenceKey(d)}
                      d={d}
                      index={index}
                      selected={index === selected}
                      resolution={resolutions[index]}
                      busy={saving}
                      onSelect={() => setSelected(index)}
                      onResolve={(resolution) => void resolve(index, resolution)}
                    />
                  ))}
                </Stack>
              </ScrollArea.Autosize>
            )}
            {cheatSheet && <AgreementCheatSheet />}
          </Stack>
        </SimpleGrid>
      )}
    </Stack>
  );
}

function DifferenceRow({
  d, index, selected, resolution, busy, onSelect, onResolve,
}: {
  d: Difference;
  index: number;
  selected: boolean;
  resolution: Resolution | undefined;
  busy: boolean;
  onSelect: () => void;
  onResolve: (resolution: Resolution) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [selected]);
  return (
    <Card
      ref={ref}
      withBorder
      padding={6}
      onClick={onSelect}
      style={{ cursor: 'pointer', outline: selected ? '2px solid var(--mantine-primary-color-filled)' : undefined }}
      data-testid={`difference-${index}`}
      data-selected={selected}
    >
      <Group gap={4} mb={2} justify="space-between" wrap="nowrap">
        <Group gap={4}>
          {differenceKinds(d).map((kind) => (
            <Badge key={kind} size="xs" variant="light" color={kind === 'only-a' ? 'blue' : kind === 'only-b' ? 'grape' : 'orange'}>
              {KIND_LABEL[kind]}
            </Badge>
          ))}
        </Group>
        {resolution && (
          <Badge size="xs" color="green" variant="filled" data-testid="difference-resolution">
            {RESOLUTION_LABEL[resolution]}
          </Badge>
        )}
      </Group>
      <SideText x={d.a} who="A" />
      <SideText x={d.b} who="B" />
      <Group gap={4} mt={4}>
        {(['a', 'b', 'both', 'neither'] as const).map((choice, i) => (
          <Tooltip key={choice} label={`Key ${['1', '2', '3', '0'][i]}`} openDelay={400}>
            <Button
              size="compact-xs"
              variant={resolution === choice ? 'filled' : 'default'}
              disabled={busy}
              onClick={(event) => {
                event.stopPropagation();
                onResolve(choice);
              }}
            >
              {choice === 'a' ? 'Take A' : choice === 'b' ? 'Take B' : choice === 'both' ? 'Both' : 'Neither'}
            </Button>
          </Tooltip>
        ))}
      </Group>
    </Card>
  );
}
