/**
 * Cohort counts of a query (query.cohort, docs/query.md): distinct patients by ICD-10-CM category,
 * age band or sex, as bar charts (@mantine/charts).
 */
import { BarChart } from '@mantine/charts';
import { Alert, Center, Group, Loader, SegmentedControl, Stack, Switch, Text } from '@mantine/core';
import { useState } from 'react';
import type { CohortGroupBy, CohortReport } from '../../../src-main/query/types';
import { useApiQuery } from '../api/hooks';
import { barValueLabels } from '../components/bar-value-labels';
import { ErrorAlert } from '../components/ErrorAlert';
import { formatCount } from '../lib/format';

/** Condition categories shown (the most frequent): a longer chart is not read. */
const MAX_BARS = 20;

/** Longest label on the condition axis: the code and the start of its name ("I10 Essential hypertension"). */
const AXIS_LABEL_CHARS = 28;

/** A condition group's axis label: its label (code and name) cut at a word to fit, with an ellipsis. */
export function axisLabel(label: string, max = AXIS_LABEL_CHARS): string {
  if (label.length <= max) return label;
  const cut = label.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:(]+$/, '')}…`;
}

export function CohortPanel({ query }: { query: string }) {
  const [groupBy, setGroupBy] = useState<CohortGroupBy>('condition');
  const [nlp, setNlp] = useState(false);
  const report = useApiQuery<CohortReport>((api) => api.query.cohort({ query, groupBy, nlp: groupBy === 'condition' && nlp }), [query, groupBy, nlp]);
  const data = report.data;
  const groups = data ? (groupBy === 'condition' ? data.groups.slice(0, MAX_BARS) : data.groups) : [];
  const withNlp = groupBy === 'condition' && nlp;
  const rows = groups.map((g) => ({ group: groupBy === 'condition' ? axisLabel(g.label) : g.label, label: g.label, patients: g.patients, coded: g.coded ?? 0, notes: g.nlp ?? 0 }));

  return (
    <Stack gap="sm" data-testid="cohort-panel">
      <Group justify="space-between">
        <SegmentedControl
          value={groupBy}
          onChange={(value) => setGroupBy(value as CohortGroupBy)}
          data={[
            { value: 'condition', label: 'By condition' },
            { value: 'ageBand', label: 'By age band' },
            { value: 'sex', label: 'By sex' },
          ]}
          data-testid="cohort-group-by"
        />
        {groupBy === 'condition' && (
          <Switch label="Count NLP mentions in notes too" checked={nlp} onChange={(event) => setNlp(event.currentTarget.checked)} data-testid="cohort-nlp" />
        )}
      </Group>
      {report.error ? (
        <ErrorAlert error={report.error} title="Cannot count the cohort" onRetry={report.reload} />
      ) : !data ? (
        <Center mih={200}>
          <Loader size="sm" />
        </Center>
      ) : (
        <>
          <Text size="sm" data-testid="cohort-summary">
            {formatCount(data.patients)} patient{data.patients === 1 ? '' : 's'} from {formatCount(data.matched)} matching {data.resourceType}
            {data.withoutPatient > 0 ? ` (${formatCount(data.withoutPatient)} about no patient)` : ''}
            {report.loading ? ' · updating…' : ''}
          </Text>
          {data.truncatedAt !== undefined && (
            <Alert color="yellow" variant="light">
              Only the first {formatCount(data.truncatedAt)} matches were counted.
            </Alert>
          )}
          {rows.length === 0 ? (
            <Center mih={120}>
              <Text c="dimmed">{data.patients === 0 ? 'No patient in this cohort.' : 'No coded condition among these patients.'}</Text>
            </Center>
          ) : (
            <BarChart
              h={Math.max(160, rows.length * (groupBy === 'condition' ? 30 : 40) + 40)}
              data={rows}
              dataKey="group"
              orientation="vertical"
              yAxisProps={{ width: groupBy === 'condition' ? 250 : 80 }}
              series={
                withNlp
                  ? [
                      { name: 'coded', label: 'Coded Condition', color: 'blue.6' },
                      { name: 'notes', label: 'Mentioned in notes', color: 'grape.6' },
                    ]
                  : [{ name: 'patients', label: 'Patients', color: 'orange.6' }]
              }
              withLegend={withNlp}
              {...barValueLabels(formatCount)}
              gridAxis="none"
              // Patients are whole: no 0.5 ticks on small cohorts.
              xAxisProps={{ allowDecimals: false }}
              tooltipProps={{ wrapperStyle: { maxWidth: 360 } }}
              data-testid="cohort-chart"
            />
          )}
          {groupBy === 'condition' && rows.length > 0 && (
            <Text size="xs" c="dimmed">
              ICD-10-CM categories (3-character codes), most patients first{data.groups.length > MAX_BARS ? `; the first ${MAX_BARS} of ${data.groups.length}` : ''}:{' '}
              {groups.map((g) => g.label).join(' · ')}
            </Text>
          )}
        </>
      )}
    </Stack>
  );
}
