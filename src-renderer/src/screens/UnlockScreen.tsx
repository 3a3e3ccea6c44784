import {
  Alert, Anchor, Badge, Box, Button, Card, Center, Checkbox, Group, Loader, PasswordInput, Stack, Text, TextInput, Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconFolderOpen, IconFlame, IconLock, IconClock, IconPlus } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import type { VaultProbe, VaultStatus } from '../../../src-main/api/contract';
import { describeOutcome } from '../../../src-main/api/result';
import { notifications } from '@mantine/notifications';
import { useApi, useClient } from '../api/context';
import { useApiCall, useApiQuery } from '../api/hooks';
import { PassphraseStrengthMeter } from '../components/PassphraseStrengthMeter';
import { assessPassphrase } from '../lib/passphrase-strength';
import { useSettings } from '../settings-context';
import { ThemeToggle } from '../shell/ThemeToggle';

/** Why the vault is locked, in the user's words. */
export function lockMessage(status: VaultStatus, autoLockMinutes: number | undefined): string | null {
  switch (status.lockReason) {
    case 'idle': {
      const minutes = autoLockMinutes ?? 15;
      return `Locked after ${minutes} minute${minutes === 1 ? '' : 's'} without activity.`;
    }
    case 'error':
      return 'The vault was locked after an error. Unlock it again to continue.';
    default:
      return null;
  }
}

export function UnlockScreen({ status, onUnlocked }: { status: VaultStatus; onUnlocked: () => void }) {
  const client = useClient();
  const { settings } = useSettings();
  const [path, setPath] = useState(() => status.vault?.path ?? status.recentVaults[0] ?? '');
  const [debouncedPath] = useDebouncedValue(path.trim(), 300);
  const probe = useApiQuery<VaultProbe>((api) => (debouncedPath ? api.vault.probe({ path: debouncedPath }) : null), [
    debouncedPath,
  ]);
  const probing = probe.loading || debouncedPath !== path.trim();
  const current = !probing && probe.data?.path !== undefined ? probe.data : undefined;
  const reason = lockMessage(status, settings?.autoLockMinutes);

  const browse = async () => {
    const picked = await client.pickFolder?.();
    if (picked) setPath(picked);
  };

  return (
    <Box mih="100vh" p="md" style={{ display: 'flex', flexDirection: 'column' }}>
      <Group justify="flex-end">
        <ThemeToggle />
      </Group>
      <Center style={{ flex: 1 }}>
        <Stack w="100%" maw={520} gap="lg">
          <Stack gap={4} align="center">
            <IconFlame size={48} stroke={1.5} color="var(--mantine-color-orange-6)" />
            <Title order={1}>Hearth</Title>
            <Text c="dimmed" size="sm" ta="center">
              An encrypted, offline vault for clinical data curation.
            </Text>
          </Stack>
          {reason && (
            <Alert color="blue" icon={<IconClock size={18} />} data-testid="lock-reason">
              {reason}
            </Alert>
          )}
          <Card withBorder padding="lg" shadow="sm">
            <Stack>
              <Group align="flex-end" gap="xs" wrap="nowrap">
                <TextInput
                  label="Vault folder"
                  description="A Hearth vault, or an empty (or new) folder for a new vault"
                  placeholder="/home/me/hearth-vault"
                  value={path}
                  onChange={(event) => setPath(event.currentTarget.value)}
                  style={{ flex: 1 }}
                  autoFocus={!path}
                  spellCheck={false}
                  rightSection={probing && path.trim() ? <Loader size="xs" /> : null}
                />
                {client.pickFolder && (
                  <Button variant="default" leftSection={<IconFolderOpen size={16} />} onClick={() => void browse()}>
                    Browse…
                  </Button>
                )}
              </Group>
              {status.recentVaults.length > 0 && (
                <Stack gap={4}>
                  <Text size="xs" c="dimmed">
                    Recent vaults
                  </Text>
                  <Group gap={6}>
                    {status.recentVaults.slice(0, 6).map((recent) => (
                      <Anchor component="button" type="button" size="sm" key={recent} onClick={() => setPath(recent)}>
                        {recent}
                      </Anchor>
                    ))}
                  </Group>
                </Stack>
              )}
              <ProbeOutcome
                path={path.trim()}
                probing={probing}
                probe={current}
                probeError={!probing ? probe.error : undefined}
                onUnlocked={onUnlocked}
              />
            </Stack>
          </Card>
        </Stack>
      </Center>
    </Box>
  );
}

function ProbeOutcome({
  path,
  probing,
  probe,
  probeError,
  onUnlocked,
}: {
  path: string;
  probing: boolean;
  probe: VaultProbe | undefined;
  probeError: ReturnType<typeof useApiQuery>['error'];
  onUnlocked: () => void;
}) {
  if (!path) return <Text size="sm" c="dimmed">Type or pick a folder to open or create a vault.</Text>;
  if (probing) return <Text size="sm" c="dimmed">Looking at the folder…</Text>;
  if (probeError) {
    return (
      <Alert color="red" title="Cannot use this folder">
        {describeOutcome(probeError)}
      </Alert>
    );
  }
  if (!probe) return null;
  if (probe.isVault) return <UnlockForm path={path} probe={probe} onUnlocked={onUnlocked} />;
  if (probe.canCreate) return <CreateForm path={path} exists={probe.exists} onCreated={onUnlocked} />;
  return (
    <Alert color="orange" title="Cannot use this folder" data-testid="probe-problem">
      {probe.problem ?? 'This folder is not empty and is not a Hearth vault.'}
    </Alert>
  );
}

function UnlockForm({ path, probe, onUnlocked }: { path: string; probe: VaultProbe; onUnlocked: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const unlock = useApiCall((api, passphraseValue: string) => api.vault.unlock({ path, passphrase: passphraseValue }));
  const { clearError } = unlock;
  useEffect(() => clearError(), [path, clearError]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!passphrase) return;
    const result = await unlock.run(passphrase);
    if (result.ok) {
      setPassphrase('');
      onUnlocked();
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)}>
      <Stack>
        <Group gap="xs">
          <Badge color="green" variant="light" leftSection={<IconLock size={12} />}>
            Hearth vault
          </Badge>
          {probe.formatVersion !== undefined && (
            <Text size="xs" c="dimmed">
              format {probe.formatVersion}
            </Text>
          )}
        </Group>
        <PasswordInput
          label="Passphrase"
          value={passphrase}
          onChange={(event) => {
            setPassphrase(event.currentTarget.value);
            if (unlock.error) unlock.clearError();
          }}
          error={unlock.error ? describeOutcome(unlock.error) : undefined}
          autoFocus
          autoComplete="current-password"
          disabled={unlock.loading}
        />
        <Button type="submit" loading={unlock.loading} disabled={!passphrase} leftSection={<IconLock size={16} />}>
          Unlock
        </Button>
        {unlock.loading && (
          <Text size="xs" c="dimmed" ta="center">
            Deriving the key from your passphrase…
          </Text>
        )}
      </Stack>
    </form>
  );
}

/** Small enough to load in seconds, big enough to show every screen something. */
const SAMPLE_PATIENTS = 25;

function CreateForm({ path, exists, onCreated }: { path: string; exists: boolean; onCreated: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [withSample, setWithSample] = useState(false);
  const api = useApi();
  const create = useApiCall((api, passphraseValue: string) => api.vault.create({ path, passphrase: passphraseValue }));
  const strength = assessPassphrase(passphrase);
  const mismatch = confirmation.length > 0 && confirmation !== passphrase;
  const canSubmit = strength.acceptable && confirmation === passphrase && !create.loading;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!canSubmit) return;
    const result = await create.run(passphrase);
    if (result.ok) {
      setPassphrase('');
      setConfirmation('');
      if (withSample) {
        // The vault exists either way; the sample loads as an import job the Import screen follows.
        const sample = await api.import.sample({ patients: SAMPLE_PATIENTS });
        if (sample.ok) window.location.hash = `#/import?job=${encodeURIComponent(sample.value.jobId)}`;
        else notifications.show({ color: 'red', title: 'The sample data did not load', message: describeOutcome(sample.error) });
      }
      onCreated();
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)}>
      <Stack>
        <Badge color="orange" variant="light" leftSection={<IconPlus size={12} />}>
          {exists ? 'Empty folder: create a new vault' : 'New folder: create a new vault'}
        </Badge>
        <PasswordInput
          label="New passphrase"
          description="It encrypts the vault. It cannot be recovered if lost."
          value={passphrase}
          onChange={(event) => setPassphrase(event.currentTarget.value)}
          autoComplete="new-password"
          autoFocus
          disabled={create.loading}
        />
        <PassphraseStrengthMeter passphrase={passphrase} />
        <PasswordInput
          label="Confirm passphrase"
          value={confirmation}
          onChange={(event) => setConfirmation(event.currentTarget.value)}
          error={mismatch ? 'The passphrases do not match' : undefined}
          autoComplete="new-password"
          disabled={create.loading}
        />
        <Checkbox
          label={`Load sample data: ${SAMPLE_PATIENTS} synthetic patients with notes, labs and medications`}
          description="Made up by Hearth's generator (no real person), to explore the app right away."
          checked={withSample}
          onChange={(event) => setWithSample(event.currentTarget.checked)}
          disabled={create.loading}
          data-testid="preload-sample"
        />
        {create.error && (
          <Alert color="red" title="The vault was not created">
            {describeOutcome(create.error)}
          </Alert>
        )}
        <Button type="submit" loading={create.loading} disabled={!canSubmit} leftSection={<IconPlus size={16} />}>
          Create a new vault
        </Button>
      </Stack>
    </form>
  );
}
