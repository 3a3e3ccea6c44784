import { useMantineColorScheme } from '@mantine/core';
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Settings, ThemePreference } from '../../src-main/api/contract';
import { useApi, useHearthEvent } from './api/context';

interface SettingsState {
  settings: Settings | undefined;
  /** Saves a change (the services broadcast it back as a `settings` event). */
  update: (change: Partial<Settings>) => ReturnType<ReturnType<typeof useApi>['settings']['update']>;
}

const SettingsContext = createContext<SettingsState | null>(null);

/** Keeps the settings from the services and applies the theme preference to Mantine. */
export function SettingsProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [settings, setSettings] = useState<Settings | undefined>(undefined);
  const { setColorScheme } = useMantineColorScheme();

  useEffect(() => {
    let current = true;
    void api.settings.get({}).then((result) => {
      if (current && result.ok) setSettings(result.value);
    });
    return () => {
      current = false;
    };
  }, [api]);

  useHearthEvent((event) => {
    if (event.type === 'settings') setSettings(event.settings);
  });

  useEffect(() => {
    if (settings) setColorScheme(settings.theme);
  }, [settings, setColorScheme]);

  const update = useCallback(
    async (change: Partial<Settings>) => {
      const result = await api.settings.update(change);
      if (result.ok) setSettings(result.value);
      return result;
    },
    [api],
  );

  return <SettingsContext.Provider value={{ settings, update }}>{children}</SettingsContext.Provider>;
}

export function useSettings(): SettingsState {
  const state = useContext(SettingsContext);
  if (!state) throw new Error('useSettings must be used inside <SettingsProvider>');
  return state;
}

export function nextTheme(computed: 'light' | 'dark'): ThemePreference {
  return computed === 'dark' ? 'light' : 'dark';
}
