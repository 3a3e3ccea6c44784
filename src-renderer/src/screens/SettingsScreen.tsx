import {
  Alert, Badge, Button, Card, Group, NumberInput, PasswordInput, SegmentedControl, Skeleton, Stack, Table, Text, TextInput, Title,
  useMantineColorScheme,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconShieldCheck } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import type { ThemePreference, VerifyReport } from '../../../src-main/api/contract';
import { describeOutcome } from '../../../src-main/api/result';
import { useApiCall } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { PassphraseStrengthMeter } from '../components/PassphraseStrengthMeter';
import { formatBytes, formatCount } from '../lib/format';
import { assessPassphrase } from '../lib/passphrase-strength';
import { useSettings } from '../settings-context';
import { FhirEndpointSettings } from './FhirEndpointSettings';

function isThemePreference(value: string): value is ThemePreference {
  return value === 'auto' || value === 'light' || value === 'dark';
}

export function SettingsScreen() {
  return (
    <Stack maw={760}>
      <Title order={2}>Settings</Title>
      <GeneralSettings />
      <FhirEndpointSettings />
      <ChangePassphrase />
      <VerifyVault />
    </Stack>
  );
}

function GeneralSettings() {
  const { settings, update } = useSettings();
  const { setColorScheme } = useMantineColorScheme();
  const [minutes, setMinutes] = useState<number | string>('');
  const [reviewer, setReviewer] = useState('');
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (settings) {
      setMinutes(settings.autoLockMinutes);
      setReviewer(settings.reviewerName ?? '');
    }
  }, [settings]);

  if (!settings) return <Skeleton height={160} />;
  const minutesValid = typeof minutes === 'number' && Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440;

  const save = async (change: Parameters<typeof update>[0]) => {
    setSaving(true);
    const result = await update(change);
    setSaving(false);
    if (result.ok) notifications.show({ color: 'green', message: 'Settings saved' });
    else notifications.show({ color: 'red', title: 'Settings not saved', message: describeOutcome(result.error) });
  };

  return (
    <Card withBorder padding="lg">
      <Stack>
        <Text fw={600}>General</Text>
        <Group align="flex-end">
          <NumberInput
            label="Auto-lock after"
            description="Minutes without activity before the vault locks itself (1–1440)"
            value={minutes}
            onChange={setMinutes}
            min={1}
            max={1440}
            allowDecimal={false}
            suffix=" min"
            w={260}
            error={minutes !== '' && !minutesValid ? 'Between 1 and 1440 minutes' : undefined}
          />
          <Button
            onClick={() => typeof minutes === 'number' && void save({ autoLockMinutes: minutes })}
            disabled={!minutesValid || minutes === settings.autoLockMinutes}
            loading={saving}
          >
            Save
          </Button>
        </Group>
        <Group align="flex-end">
          <TextInput
            label="Reviewer name"
            description="Review decisions are recorded under this name"
            value={reviewer}
            onChange={(event) => setReviewer(event.currentTarget.value)}
            maxLength={100}
            w={260}
          />
          <Button
            onClick={() => void save({ reviewerName: reviewer.trim() })}
            disabled={reviewer.trim().length === 0 || reviewer.trim() === settings.reviewerName}
            loading={saving}
          >
            Save
          </Button>
        </Group>
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Theme
          </Text>
          <SegmentedControl
            w={300}
            value={settings.theme}
            data={[
              { value: 'auto', label: 'System' },
              { value: 'light', label: 'Light' },
              { value: 'dark', label: 'Dark' },
            ]}
            onChange={(value) => {
              if (!isThemePreference(value)) return;
              setColorScheme(value);
              void save({ theme: value });
            }}
          />
        </Stack>
      </Stack>
    </Card>
  );
}

function ChangePassphrase() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [done, setDone] = useState(false);
  const change = useApiCall((api, currentPassphrase: string, newPassphrase: string) =>
    api.vault.changePassphrase({ currentPassphrase, newPassphrase }),
  );
  const strength = assessPassphrase(next);
  const mismatch = confirmation.length > 0 && confirmation !== next;
  const canSubmit = current.length > 0 && strength.acceptable && confirmation === next && next !== current;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!canSubmit) return;
    setDone(false);
    const result = await change.run(current, next);
    if (result.ok) {
      setCurrent('');
      setNext('');
      setConfirmation('');
      setDone(true);
      notifications.show({ color: 'green', message: 'Passphrase changed' });
    }
  };

  return (
    <Card withBorder padding="lg">
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <Text fw={600}>Change passphrase</Text>
          <PasswordInput label="Current passphrase" value={current} onChange={(event) => setCurrent(event.currentTarget.value)} autoComplete="current-password" />
          <PasswordInput label="New passphrase" value={next} onChange={(event) => setNext(event.currentTarget.value)} autoComplete="new-password" />
          <PassphraseStrengthMeter passphrase={next} />
          <PasswordInput
            label="Confirm new passphrase"
            value={confirmation}
            onChange={(event) => setConfirmation(event.currentTarget.value)}
            error={mismatch ? 'The passphrases do not match' : undefined}
            autoComplete="new-password"
          />
          {next.length > 0 && next === current && (
            <Text size="xs" c="orange">
              The new passphrase is the same as the current one.
            </Text>
          )}
          {change.error && <ErrorAlert error={change.error} title="The passphrase was not changed" />}
          {done && (
            <Alert color="green" icon={<IconCheck size={16} />}>
              The passphrase was changed. Use the new one from now on.
            </Alert>
          )}
          <Group>
            <Button type="submit" disabled={!canSubmit} loading={change.loading}>
              Change passphrase
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function VerifyVault() {
  const verify = useApiCall((api) => api.vault.verify({}));
  const [report, setReport] = useState<VerifyReport | undefined>(undefined);
  const run = async () => {
    const result = await verify.run();
    if (result.ok) setReport(result.value);
  };
  return (
    <Card withBorder padding="lg">
      <Stack>
        <Group justify="space-between">
          <Text fw={600}>Verify the vault</Text>
          <Button variant="default" leftSection={<IconShieldCheck size={16} />} onClick={() => void run()} loading={verify.loading}>
            Verify
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          Reads every file of the vault and checks its integrity (authentication tags, index consistency).
        </Text>
        {verify.error && <ErrorAlert error={verify.error} title="Verification failed to run" onRetry={() => void run()} />}
        {report && (
          <Stack data-testid="verify-report">
            <Group gap="xs">
              <Badge color={report.ok ? 'green' : 'red'} size="lg">
                {report.ok ? 'Vault OK' : 'Problems found'}
              </Badge>
              <Text size="sm" c="dimmed">
                {formatCount(report.transactions)} transactions · {formatCount(report.resources)} resources · {formatCount(report.versions)} versions
              </Text>
            </Group>
            {report.problems.map((problem) => (
              <Alert key={problem} color="red">
                {problem}
              </Alert>
            ))}
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>File</Table.Th>
                  <Table.Th ta="right">Size</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.files.map((file) => (
                  <Table.Tr key={file.file}>
                    <Table.Td>{file.file}</Table.Td>
                    <Table.Td ta="right">{formatBytes(file.bytes)}</Table.Td>
                    <Table.Td c={file.ok ? 'green' : 'red'}>{file.ok ? 'OK' : (file.problem ?? 'Damaged')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
