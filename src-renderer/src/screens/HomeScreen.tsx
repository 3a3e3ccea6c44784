import { Button, Card, Group, Paper, SimpleGrid, Skeleton, Stack, Table, Text, ThemeIcon, Title, UnstyledButton } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import { IconDatabase, IconFileImport, IconStack2 } from '@tabler/icons-react';
import { useMemo } from 'react';
import { barValueLabels } from '../components/bar-value-labels';
import { ErrorAlert } from '../components/ErrorAlert';
import { NlpStatusPanel } from '../components/NlpStatusPanel';
import { formatCount } from '../lib/format';
import { resourcesRoute, type Route } from '../router/routes';
import { useVaultData } from '../shell/vault-data';

export function HomeScreen({ navigate }: { navigate: (route: Route) => void }) {
  const { counts, countsError, countsLoading, reloadCounts } = useVaultData();
  const sorted = useMemo(
    () => [...(counts ?? [])].filter((entry) => entry.count > 0).sort((a, b) => b.count - a.count || a.resourceType.localeCompare(b.resourceType)),
    [counts],
  );
  const total = sorted.reduce((sum, entry) => sum + entry.count, 0);

  if (countsError && !counts) {
    return <ErrorAlert error={countsError} title="Cannot read the resource counts" onRetry={reloadCounts} />;
  }
  if (countsLoading && !counts) {
    return (
      <Stack>
        <Skeleton height={36} width={200} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Skeleton height={90} />
          <Skeleton height={90} />
        </SimpleGrid>
        <Skeleton height={320} />
      </Stack>
    );
  }
  if (total === 0) {
    return (
      <Stack align="center" mt={80} gap="md" data-testid="home-empty">
        <ThemeIcon size={72} radius="xl" variant="light">
          <IconDatabase size={40} />
        </ThemeIcon>
        <Title order={2}>This vault is empty</Title>
        <Text c="dimmed" ta="center" maw={420}>
          Import FHIR R4 data (single resources, Bundles such as Synthea patients, or NDJSON) to start curating.
        </Text>
        <Button size="md" leftSection={<IconFileImport size={18} />} onClick={() => navigate({ screen: 'import' })}>
          Import data
        </Button>
      </Stack>
    );
  }

  const chartHeight = Math.min(Math.max(sorted.length * 28 + 40, 160), 720);
  return (
    <Stack>
      <Title order={2}>Home</Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <StatCard label="Resources" value={formatCount(total)} icon={<IconStack2 size={22} />} testId="total-resources" />
        <StatCard label="Resource types" value={formatCount(sorted.length)} icon={<IconDatabase size={22} />} testId="total-types" />
      </SimpleGrid>
      <NlpStatusPanel />
      <Card withBorder padding="md">
        <Text fw={600} mb="sm">
          Resources per type
        </Text>
        <BarChart
          h={chartHeight}
          data={sorted.map((entry) => ({ type: entry.resourceType, count: entry.count }))}
          dataKey="type"
          orientation="vertical"
          yAxisProps={{ width: 150 }}
          series={[{ name: 'count', label: 'Resources', color: 'orange.6' }]}
          gridAxis="none"
          {...barValueLabels(formatCount)}
          barProps={{
            cursor: 'pointer',
            onClick: (data: { payload?: { type?: unknown } }) => {
              const type = data.payload?.type;
              if (typeof type === 'string') navigate(resourcesRoute(type));
            },
          }}
        />
      </Card>
      <Card withBorder padding={0}>
        <Table highlightOnHover data-testid="type-counts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Resource type</Table.Th>
              <Table.Th ta="right">Count</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {sorted.map((entry) => (
              <Table.Tr key={entry.resourceType}>
                <Table.Td>
                  <UnstyledButton onClick={() => navigate(resourcesRoute(entry.resourceType))} c="var(--mantine-primary-color-filled)">
                    {entry.resourceType}
                  </UnstyledButton>
                </Table.Td>
                <Table.Td ta="right" data-testid={`count-${entry.resourceType}`}>
                  {formatCount(entry.count)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}

function StatCard({ label, value, icon, testId }: { label: string; value: string; icon: React.ReactNode; testId: string }) {
  return (
    <Paper withBorder p="md">
      <Group justify="space-between">
        <div>
          <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
            {label}
          </Text>
          <Text fw={700} size="xl" data-testid={testId}>
            {value}
          </Text>
        </div>
        <ThemeIcon variant="light" size={42} radius="md">
          {icon}
        </ThemeIcon>
      </Group>
    </Paper>
  );
}
