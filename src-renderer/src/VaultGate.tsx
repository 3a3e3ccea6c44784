import { Center, Loader, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { VaultStatus } from '../../src-main/api/contract';
import type { OperationOutcome } from '../../src-main/api/result';
import { useApi, useClient, useHearthEvent } from './api/context';
import { ErrorAlert } from './components/ErrorAlert';
import { UnlockScreen } from './screens/UnlockScreen';
import { SettingsProvider } from './settings-context';
import { AppLayout } from './shell/AppLayout';

/**
 * Shows the unlock screen or the app, following the vault status. Everything read from the vault
 * lives in state under <AppLayout>, which is replaced by the unlock screen on lock, so cached
 * resources leave memory with it.
 */
export function VaultGate() {
  const api = useApi();
  const client = useClient();
  const [status, setStatus] = useState<VaultStatus | undefined>(undefined);
  const [error, setError] = useState<OperationOutcome | undefined>(undefined);

  const refresh = useCallback(async () => {
    const result = await api.vault.status({});
    if (result.ok) {
      setError(undefined);
      setStatus(result.value);
    } else {
      setError(result.error);
    }
  }, [api]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // A lock may have happened while the event socket was down: ask again when it comes back.
  useEffect(
    () =>
      client.onConnectionChange((state) => {
        if (state === 'open') void refresh();
      }),
    [client, refresh],
  );

  useHearthEvent((event) => {
    if (event.type === 'vault') setStatus(event.status);
  });

  let content;
  if (error && !status) {
    content = (
      <Center h="100vh" p="md">
        <Stack maw={520}>
          <ErrorAlert error={error} title="Cannot reach the Hearth service" onRetry={() => void refresh()} />
        </Stack>
      </Center>
    );
  } else if (!status) {
    content = (
      <Center h="100vh">
        <Stack align="center" gap="xs">
          <Loader />
          <Text c="dimmed" size="sm">
            Connecting…
          </Text>
        </Stack>
      </Center>
    );
  } else if (status.state === 'unlocked' && status.vault) {
    // Keyed by vault: switching vaults never carries state over (a lock unmounts it anyway).
    content = <AppLayout key={status.vault.path} vault={status.vault} onLocked={(next) => setStatus(next)} />;
  } else {
    content = <UnlockScreen status={status} onUnlocked={() => void refresh()} />;
  }
  return <SettingsProvider>{content}</SettingsProvider>;
}
