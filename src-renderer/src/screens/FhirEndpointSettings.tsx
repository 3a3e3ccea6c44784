/**
 * Settings → "Local FHIR endpoint" (issue 3 §4): the switch (off by default), the port (0 = any
 * free one), and while it runs the base URL and bearer token with copy buttons and "New token".
 * The state comes from settings.fhirEndpoint and is fetched again after every change and on
 * vault/settings events (unlock starts it, lock stops it).
 */
import { ActionIcon, Alert, Badge, Button, CopyButton, Group, NumberInput, Stack, Switch, Text, TextInput, Tooltip, Card } from '@mantine/core';
import { IconCheck, IconCopy, IconEye, IconEyeOff, IconRefresh } from '@tabler/icons-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FhirEndpointStatus } from '../../../src-main/api/contract';
import { describeOutcome } from '../../../src-main/api/result';
import { useApi, useHearthEvent } from '../api/context';
import { useSettings } from '../settings-context';

const STATE_BADGE: Record<FhirEndpointStatus['state'], { color: string; label: string }> = {
  off: { color: 'gray', label: 'Off' },
  locked: { color: 'yellow', label: 'Waiting for an unlocked vault' },
  running: { color: 'green', label: 'Running' },
  error: { color: 'red', label: 'Not running' },
};

function CopyField({ label, value, testId, secret }: { label: string; value: string; testId: string; secret?: boolean }) {
  const [shown, setShown] = useState(!secret);
  return (
    <TextInput
      label={label}
      value={shown ? value : '•'.repeat(24)}
      readOnly
      data-testid={testId}
      data-value={value}
      styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
      rightSectionWidth={secret ? 64 : 32}
      rightSection={
        <Group gap={2} wrap="nowrap">
          {secret && (
            <Tooltip label={shown ? 'Hide' : 'Show'} withArrow>
              <ActionIcon variant="subtle" size="sm" onClick={() => setShown((v) => !v)} aria-label={shown ? `Hide ${label}` : `Show ${label}`}>
                {shown ? <IconEyeOff size={14} /> : <IconEye size={14} />}
              </ActionIcon>
            </Tooltip>
          )}
          <CopyButton value={value} timeout={1500}>
            {({ copied, copy }) => (
              <Tooltip label={copied ? 'Copied' : `Copy ${label}`} withArrow>
                <ActionIcon variant="subtle" size="sm" onClick={copy} aria-label={`Copy ${label}`}>
                  {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
                </ActionIcon>
              </Tooltip>
            )}
          </CopyButton>
        </Group>
      }
    />
  );
}

export function FhirEndpointSettings() {
  const api = useApi();
  const { update } = useSettings();
  const [status, setStatus] = useState<FhirEndpointStatus | undefined>(undefined);
  const [port, setPort] = useState<number | string>('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(undefined);

  // Events and actions both refresh: only the answer to the latest request is shown.
  const latestRequest = useRef(0);
  const refresh = useCallback(async () => {
    const request = ++latestRequest.current;
    const result = await api.settings.fhirEndpoint({});
    if (result.ok && request === latestRequest.current) setStatus(result.value);
  }, [api]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => {
    if (status) setPort(status.port);
  }, [status?.port]); // only a saved port change resets the field
  useHearthEvent((event) => {
    if (event.type === 'vault' || event.type === 'settings') void refresh();
  });

  const change = async (fhirEndpoint: { enabled?: boolean; port?: number }) => {
    setBusy(true);
    setFailure(undefined);
    const result = await update({ fhirEndpoint: { enabled: fhirEndpoint.enabled ?? status?.enabled ?? false, port: fhirEndpoint.port ?? status?.port ?? 0 } });
    if (!result.ok) setFailure(describeOutcome(result.error));
    await refresh();
    setBusy(false);
  };

  const renew = async () => {
    setBusy(true);
    const result = await api.settings.newFhirToken({});
    latestRequest.current++;
    if (result.ok) setStatus(result.value);
    else setFailure(describeOutcome(result.error));
    setBusy(false);
  };

  const portValid = typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535;
  const badge = status ? STATE_BADGE[status.state] : undefined;

  return (
    <Card withBorder padding="lg" data-testid="fhir-endpoint-settings">
      <Stack>
        <Group justify="space-between">
          <Text fw={600}>Local FHIR endpoint</Text>
          {badge && (
            <Badge color={badge.color} data-testid="fhir-endpoint-state">
              {badge.label}
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          Serves the unlocked vault over the FHIR R4 REST API to other programs on this computer only (127.0.0.1), with a
          bearer token that is new each time the endpoint starts. Locking the vault stops it.
        </Text>
        <Switch
          label="Serve the vault over FHIR"
          checked={status?.enabled ?? false}
          disabled={!status || busy}
          onChange={(event) => void change({ enabled: event.currentTarget.checked })}
          data-testid="fhir-endpoint-switch"
        />
        <Group align="flex-end">
          <NumberInput
            label="Port"
            description="0 chooses a free port at each start"
            value={port}
            onChange={setPort}
            min={0}
            max={65535}
            allowDecimal={false}
            w={260}
            error={port !== '' && !portValid ? 'From 0 to 65535' : undefined}
          />
          <Button
            variant="default"
            onClick={() => typeof port === 'number' && void change({ port })}
            disabled={!status || !portValid || port === status.port}
            loading={busy}
          >
            Save port
          </Button>
        </Group>
        {status?.state === 'error' && (
          <Alert color="red" title="The endpoint could not start" data-testid="fhir-endpoint-error">
            {status.error ?? 'Unknown error'}. Choose another port, or 0 for any free one.
          </Alert>
        )}
        {failure && <Alert color="red">{failure}</Alert>}
        {status?.state === 'running' && status.baseUrl && status.token && (
          <Stack gap="xs">
            <CopyField label="Base URL" value={status.baseUrl} testId="fhir-endpoint-url" />
            <CopyField label="Bearer token" value={status.token} testId="fhir-endpoint-token" secret />
            <Group>
              <Button variant="default" leftSection={<IconRefresh size={16} />} onClick={() => void renew()} loading={busy}>
                New token
              </Button>
              <Text size="xs" c="dimmed">
                Clients send <code>Authorization: Bearer &lt;token&gt;</code>; a new token retires the old one at once.
              </Text>
            </Group>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
