/**
 * SMART App Launch sign-in of a profile (docs/sync.md "Authentication"): Authorize starts it
 * (`sync.authorize`); the server's sign-in page opens in the system browser (the desktop app's
 * main process opens it; in a browser this page opens a tab), and a loopback listener waits for
 * the answer while this card follows `sync.authorization`.
 */
import { Anchor, Badge, Button, Card, Group, Stack, Text } from '@mantine/core';
import { IconExternalLink, IconLogin } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { AuthorizationStatus } from '../../../src-main/sync/types';
import { useClient } from '../api/context';
import { useApiCall, useApiQuery } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';

/** How often the status is asked while the browser sign-in is pending. */
export const AUTHORIZATION_POLL_MS = 1500;

const LABEL: Record<AuthorizationStatus['status'], { text: string; color: string }> = {
  none: { text: 'not signed in', color: 'gray' },
  pending: { text: 'waiting for the sign-in', color: 'blue' },
  authorized: { text: 'signed in', color: 'green' },
  failed: { text: 'sign-in failed', color: 'red' },
};

export function AuthorizationCard({ name, onAuthorized }: { name: string; onAuthorized: () => void }) {
  const client = useClient();
  const [tick, setTick] = useState(0);
  const status = useApiQuery((api) => api.sync.authorization({ name }), [name, tick]);
  const authorize = useApiCall((api) => api.sync.authorize({ name }));
  const [signInUrl, setSignInUrl] = useState<string | undefined>(undefined);
  const state = status.data?.status;

  // Poll while the browser sign-in is pending; say so once when it completes.
  useEffect(() => {
    if (state !== 'pending') return;
    const timer = setTimeout(() => setTick((t) => t + 1), AUTHORIZATION_POLL_MS);
    return () => clearTimeout(timer);
  }, [state, status.data]);
  const onAuthorizedRef = useRef(onAuthorized);
  onAuthorizedRef.current = onAuthorized;
  const previous = useRef(state);
  useEffect(() => {
    if (previous.current === 'pending' && state === 'authorized') onAuthorizedRef.current();
    previous.current = state;
  }, [state]);

  const start = async (): Promise<void> => {
    const result = await authorize.run();
    if (!result.ok) return;
    setSignInUrl(result.value.url);
    // The desktop app's main process has opened it in the system browser already.
    if (client.platform === 'web') window.open(result.value.url, '_blank', 'noopener,noreferrer');
    setTick((t) => t + 1);
  };

  const label = state ? LABEL[state] : undefined;
  const pendingUrl = state === 'pending' ? (signInUrl ?? status.data?.url) : undefined;
  return (
    <Card withBorder padding="md" data-testid="sync-authorization">
      <Group justify="space-between" wrap="nowrap">
        <Group gap="xs">
          <Text fw={600}>SMART sign-in</Text>
          {label && (
            <Badge color={label.color} variant="light" data-testid="sync-authorization-status">
              {label.text}
            </Badge>
          )}
          {state === 'authorized' && status.data?.authorizedAt && (
            <Text size="sm" c="dimmed">
              {new Date(status.data.authorizedAt).toLocaleString()}
            </Text>
          )}
        </Group>
        <Button leftSection={<IconLogin size={16} />} variant={state === 'authorized' ? 'default' : 'filled'} loading={authorize.loading} onClick={() => void start()} data-testid="sync-authorize">
          {state === 'authorized' ? 'Authorize again' : 'Authorize'}
        </Button>
      </Group>
      <Stack gap={4} mt="xs">
        {state === 'none' && (
          <Text size="sm" c="dimmed">
            Push and pull need a sign-in at the server first: Authorize opens its sign-in page in your browser.
          </Text>
        )}
        {pendingUrl && (
          <Text size="sm">
            Sign in on the server’s page in your browser; Hearth waits for it (5 minutes).{' '}
            <Anchor href={pendingUrl} target="_blank" rel="noopener noreferrer" data-testid="sync-authorize-link">
              Open the sign-in page <IconExternalLink size={12} />
            </Anchor>
          </Text>
        )}
        {state === 'failed' && status.data?.error && (
          <Text size="sm" c="red" data-testid="sync-authorization-error">
            {status.data.error}
          </Text>
        )}
        {authorize.error && <ErrorAlert error={authorize.error} title="Could not start the sign-in" />}
        {status.error && <ErrorAlert error={status.error} title="Cannot read the sign-in state" onRetry={status.reload} />}
      </Stack>
    </Card>
  );
}
