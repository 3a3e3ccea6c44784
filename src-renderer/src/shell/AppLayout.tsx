import { AppShell, Badge, Burger, Button, Group, Kbd, NavLink, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { useDisclosure, useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconBook, IconChecklist, IconDatabase, IconFileExport, IconFileImport, IconFlame, IconHome, IconLock, IconSearch, IconSettings, IconZoomCode, IconCloudUpload } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import type { VaultInfo, VaultStatus } from '../../../src-main/api/contract';
import { describeOutcome } from '../../../src-main/api/result';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { useApi, useClient } from '../api/context';
import type { ConnectionState } from '../api/types';
import { resourcesRoute, type Route } from '../router/routes';
import { useHashRoute } from '../router/use-route';
import { HomeScreen } from '../screens/HomeScreen';
import { ExportScreen } from '../screens/ExportScreen';
import { ImportScreen } from '../screens/ImportScreen';
import { ResourceBrowser } from '../screens/ResourceBrowser';
import { ResourceView } from '../screens/ResourceView';
import { ReviewScreen, ReviewSessionProvider } from '../screens/ReviewScreen';
import { SettingsScreen } from '../screens/SettingsScreen';
import { TerminologyScreen } from '../screens/TerminologyScreen';
import { PatientChartScreen } from '../screens/PatientChartScreen';
import { QueryScreen } from '../screens/QueryScreen';
import { AgreementScreen } from '../screens/AgreementScreen';
import { AnnotationExchangeScreen } from '../screens/AnnotationExchangeScreen';
import { SyncScreen } from '../screens/SyncScreen';
import { CommandPalette, openCommandPalette } from './CommandPalette';
import { ShortcutsModal } from './ShortcutsModal';
import { ThemeToggle } from './ThemeToggle';
import { activityReportInterval, useActivityReporter } from './use-activity-reporter';
import { useSettings } from '../settings-context';
import { useGlobalKeys } from './use-global-keys';
import { VaultDataProvider } from './vault-data';

const NAV: Array<{ label: string; screen: Route['screen']; route: Route; icon: typeof IconHome; testId: string }> = [
  { label: 'Home', screen: 'home', route: { screen: 'home' }, icon: IconHome, testId: 'nav-home' },
  { label: 'Resources', screen: 'resources', route: resourcesRoute(), icon: IconDatabase, testId: 'nav-resources' },
  { label: 'Review', screen: 'review', route: { screen: 'review', filters: {} }, icon: IconChecklist, testId: 'nav-review' },
  { label: 'Import', screen: 'import', route: { screen: 'import' }, icon: IconFileImport, testId: 'nav-import' },
  { label: 'Export', screen: 'export', route: { screen: 'export' }, icon: IconFileExport, testId: 'nav-export' },
  { label: 'Terminology', screen: 'terminology', route: { screen: 'terminology' }, icon: IconBook, testId: 'nav-terminology' },
  { label: 'Settings', screen: 'settings', route: { screen: 'settings' }, icon: IconSettings, testId: 'nav-settings' },
  { label: 'Query', screen: 'query', route: { screen: 'query' }, icon: IconZoomCode, testId: 'nav-query' },
  { label: 'Sync', screen: 'sync', route: { screen: 'sync' }, icon: IconCloudUpload, testId: 'nav-sync' },
];

const GO_KEYS: Record<string, Route> = {
  h: { screen: 'home' },
  r: resourcesRoute(),
  i: { screen: 'import' },
  v: { screen: 'review', filters: {} },
  s: { screen: 'settings' },
  q: { screen: 'query' },
  y: { screen: 'sync' },
};

export function AppLayout({ vault, onLocked }: { vault: VaultInfo; onLocked: (status: VaultStatus) => void }) {
  const api = useApi();
  const client = useClient();
  const [route, navigate] = useHashRoute();
  const [navbarOpened, { toggle: toggleNavbar, close: closeNavbar }] = useDisclosure(false);
  const [shortcutsOpened, shortcuts] = useDisclosure(false);
  const [locking, setLocking] = useState(false);
  const [connection, setConnection] = useState<ConnectionState>('open');
  const { settings } = useSettings();
  useActivityReporter(activityReportInterval(settings?.autoLockMinutes));
  useEffect(() => client.onConnectionChange(setConnection), [client]);

  const lock = useCallback(async () => {
    setLocking(true);
    const result = await api.vault.lock({});
    setLocking(false);
    if (result.ok) onLocked(result.value);
    else notifications.show({ color: 'red', title: 'Could not lock', message: describeOutcome(result.error) });
  }, [api, onLocked]);

  const go = useCallback(
    (next: Route, options?: { replace?: boolean }) => {
      closeNavbar();
      navigate(next, options);
    },
    [closeNavbar, navigate],
  );

  useHotkeys(
    [
      ['mod+L', () => void lock()],
    ],
    [],
  );
  useGlobalKeys({
    onHelp: shortcuts.open,
    onGo: (key) => {
      const target = GO_KEYS[key];
      if (target) go(target);
    },
  });

  const activeScreen =
    route.screen === 'resource' || route.screen === 'patient'
      ? 'resources'
      : route.screen === 'review-document' || route.screen === 'review-agreement' || route.screen === 'review-exchange'
        ? 'review'
        : route.screen;

  return (
    <VaultDataProvider>
      <ReviewSessionProvider>
      <AppShell
        header={{ height: 56 }}
        navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !navbarOpened } }}
        padding="md"
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
              <Burger opened={navbarOpened} onClick={toggleNavbar} hiddenFrom="sm" size="sm" aria-label="Menu" />
              <IconFlame size={26} stroke={1.6} color="var(--mantine-color-orange-6)" />
              <Text fw={700} size="lg">
                Hearth
              </Text>
              <Tooltip label={vault.path} openDelay={400}>
                <Text size="sm" c="dimmed" truncate="start" maw={420} data-testid="vault-path" visibleFrom="xs">
                  {/* Truncating at the start uses right-to-left layout: the marks keep a path's
                      leading slash where it belongs. */}
                  {`\u200E${vault.path}\u200E`}
                </Text>
              </Tooltip>
              {connection !== 'open' && (
                <Badge color="yellow" variant="light">
                  Reconnecting…
                </Badge>
              )}
            </Group>
            <Group gap="xs" wrap="nowrap">
              <UnstyledButton onClick={() => openCommandPalette()} aria-label="Open the command palette">
                <Group gap={6} px="sm" py={6} style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-md)' }}>
                  <IconSearch size={14} />
                  <Text size="sm" c="dimmed" visibleFrom="md">
                    Commands
                  </Text>
                  <Kbd size="xs">Ctrl K</Kbd>
                </Group>
              </UnstyledButton>
              <ThemeToggle />
              <Tooltip label="Lock (Ctrl+L)">
                <Button
                  variant="light"
                  color="gray"
                  leftSection={<IconLock size={16} />}
                  onClick={() => void lock()}
                  loading={locking}
                  data-testid="lock-button"
                >
                  Lock
                </Button>
              </Tooltip>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs">
          {NAV.map((item) => (
            <NavLink
              key={item.label}
              label={item.label}
              leftSection={<item.icon size={18} stroke={1.6} />}
              active={activeScreen === item.screen}
              onClick={() => go(item.route)}
              data-testid={item.testId}
            />
          ))}
          <Text size="xs" c="dimmed" mt="auto" p="xs">
            Press <Kbd size="xs">?</Kbd> for shortcuts
          </Text>
        </AppShell.Navbar>
        <AppShell.Main>
          {/* Going to another route clears a rendering error (without remounting on each route change). */}
          <ErrorBoundary what="This screen" resetKey={JSON.stringify(route)}>
            <Screen route={route} navigate={go} />
          </ErrorBoundary>
        </AppShell.Main>
      </AppShell>
      <CommandPalette navigate={go} onLock={() => void lock()} onShortcuts={shortcuts.open} />
      <ShortcutsModal opened={shortcutsOpened} onClose={shortcuts.close} />
      </ReviewSessionProvider>
    </VaultDataProvider>
  );
}

function Screen({ route, navigate }: { route: Route; navigate: (route: Route, options?: { replace?: boolean }) => void }) {
  switch (route.screen) {
    case 'home':
      return <HomeScreen navigate={navigate} />;
    case 'resources':
      return <ResourceBrowser route={route} navigate={navigate} />;
    case 'resource':
      return <ResourceView route={route} navigate={navigate} />;
    case 'import':
      return <ImportScreen route={route} navigate={navigate} />;
    case 'export':
      return <ExportScreen route={route} navigate={navigate} />;
    case 'terminology':
      return <TerminologyScreen route={route} navigate={navigate} />;
    case 'settings':
      return <SettingsScreen />;
    case 'review':
    case 'review-document':
      return <ReviewScreen route={route} navigate={navigate} />;
    case 'patient':
      return <PatientChartScreen route={route} navigate={navigate} />;
    case 'query':
      return <QueryScreen route={route} navigate={navigate} />;
    case 'review-agreement':
      return <AgreementScreen route={route} navigate={navigate} />;
    case 'review-exchange':
      return <AnnotationExchangeScreen route={route} navigate={navigate} />;
    case 'sync':
      return <SyncScreen route={route} navigate={navigate} />;
  }
}
