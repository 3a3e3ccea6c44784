import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { ApiProvider } from './api/context';
import type { RendererClient } from './api/types';
import { ErrorBoundary } from './components/ErrorBoundary';
import { VaultGate } from './VaultGate';
import { theme } from './theme';

/** Providers around the vault gate: theme, notifications and the API client. */
export function App({ client }: { client: RendererClient }) {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="bottom-right" />
      <ApiProvider client={client}>
        <ErrorBoundary what="Hearth">
          <VaultGate />
        </ErrorBoundary>
      </ApiProvider>
    </MantineProvider>
  );
}
