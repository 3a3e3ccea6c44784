import { ActionIcon, Tooltip, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { IconMoon, IconSun } from '@tabler/icons-react';
import { nextTheme, useSettings } from '../settings-context';

/** Switches light/dark and saves the choice in the settings (shared by every window). */
export function ThemeToggle() {
  const computed = useComputedColorScheme('light');
  const { setColorScheme } = useMantineColorScheme();
  const { update } = useSettings();
  const toggle = () => {
    const theme = nextTheme(computed);
    setColorScheme(theme);
    void update({ theme });
  };
  return (
    <Tooltip label={computed === 'dark' ? 'Light theme' : 'Dark theme'}>
      <ActionIcon variant="default" size="lg" onClick={toggle} aria-label="Toggle colour theme">
        {computed === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
      </ActionIcon>
    </Tooltip>
  );
}
