import { useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { Spotlight, spotlight, type SpotlightActionData } from '@mantine/spotlight';
import {
  IconBook, IconChecklist, IconDatabase, IconFileExport, IconFileImport, IconHome, IconKeyboard, IconLock, IconMoon, IconSearch, IconSettings, IconTable,
} from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { TAILORED_TYPES } from '../lib/resource-columns';
import { resourcesRoute, type Route } from '../router/routes';
import { nextTheme, useSettings } from '../settings-context';
import { useVaultData } from './vault-data';

export function openCommandPalette(): void {
  spotlight.open();
}

const REFERENCE = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/;

/** The command palette (mod+K): navigation, lock, theme, import, resource types, `Type/id`. */
export function CommandPalette({
  navigate,
  onLock,
  onShortcuts,
}: {
  navigate: (route: Route) => void;
  onLock: () => void;
  onShortcuts: () => void;
}) {
  const { counts } = useVaultData();
  const { update } = useSettings();
  const computed = useComputedColorScheme('light');
  const { setColorScheme } = useMantineColorScheme();
  const [query, setQuery] = useState('');

  const actions = useMemo<SpotlightActionData[]>(() => {
    const present = new Map((counts ?? []).map((entry) => [entry.resourceType, entry.count]));
    const types = [...new Set([...present.keys(), ...TAILORED_TYPES])].sort();
    const base: SpotlightActionData[] = [
      { id: 'go-home', label: 'Go to Home', group: 'Navigate', leftSection: <IconHome size={18} />, onClick: () => navigate({ screen: 'home' }) },
      { id: 'go-resources', label: 'Go to Resources', group: 'Navigate', leftSection: <IconDatabase size={18} />, onClick: () => navigate(resourcesRoute()) },
      {
        id: 'go-review',
        label: 'Review entities…',
        description: 'The document queue, lowest confidence first',
        group: 'Navigate',
        keywords: ['review', 'annotate', 'curate', 'queue', 'entities'],
        leftSection: <IconChecklist size={18} />,
        onClick: () => navigate({ screen: 'review', filters: {} }),
      },
      { id: 'go-import', label: 'Import data…', description: 'FHIR JSON, Bundles, NDJSON', group: 'Navigate', leftSection: <IconFileImport size={18} />, onClick: () => navigate({ screen: 'import' }) },
      { id: 'go-export', label: 'Export data…', description: 'Bulk Data NDJSON or a FHIR Bundle', group: 'Navigate', leftSection: <IconFileExport size={18} />, onClick: () => navigate({ screen: 'export' }) },
      { id: 'go-terminology', label: 'Terminology packs…', description: 'Load ICD-10-CM and RxNorm releases for the clinical NLP', group: 'Navigate', keywords: ['icd', 'icd-10-cm', 'rxnorm', 'codes', 'pack'], leftSection: <IconBook size={18} />, onClick: () => navigate({ screen: 'terminology' }) },
      { id: 'go-settings', label: 'Go to Settings', group: 'Navigate', leftSection: <IconSettings size={18} />, onClick: () => navigate({ screen: 'settings' }) },
      { id: 'lock', label: 'Lock the vault', group: 'Vault', keywords: ['close', 'logout'], leftSection: <IconLock size={18} />, onClick: onLock },
      {
        id: 'theme',
        label: computed === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme',
        group: 'Appearance',
        keywords: ['dark', 'light', 'colour', 'color', 'theme'],
        leftSection: <IconMoon size={18} />,
        onClick: () => {
          const theme = nextTheme(computed);
          setColorScheme(theme);
          void update({ theme });
        },
      },
      { id: 'shortcuts', label: 'Keyboard shortcuts', group: 'Help', leftSection: <IconKeyboard size={18} />, onClick: onShortcuts },
      {
        id: 'go-annotations',
        label: 'Export / import annotations…',
        description: 'Comprehend Medical JSONL, spaCy spans, BRAT standoff',
        group: 'Navigate',
        keywords: ['annotations', 'export', 'import', 'brat', 'spacy', 'comprehend', 'jsonl', 'training'],
        leftSection: <IconFileExport size={18} />,
        onClick: () => navigate({ screen: 'review-exchange', filters: {} }),
      },
      {
        id: 'go-agreement',
        label: 'Reviewer agreement…',
        description: 'Cohen’s kappa and F1 between two reviewers; resolve their differences',
        group: 'Navigate',
        keywords: ['agreement', 'kappa', 'inter-annotator', 'adjudicate', 'f1', 'compare'],
        leftSection: <IconChecklist size={18} />,
        onClick: () => navigate({ screen: 'review-agreement' }),
      },
      ...types.map((type) => ({
        id: `type-${type}`,
        label: `Open resource type ${type}`,
        description: present.has(type) ? `${present.get(type) ?? 0} in this vault` : 'none in this vault yet',
        group: 'Resource types',
        keywords: [type],
        leftSection: <IconTable size={18} />,
        onClick: () => navigate(resourcesRoute(type)),
      })),
    ];
    const reference = REFERENCE.exec(query.trim());
    if (reference) {
      const [, type = '', id = ''] = reference;
      base.unshift({
        id: 'open-reference',
        label: `Open ${type}/${id}`,
        group: 'Resource',
        keywords: [query.trim()],
        leftSection: <IconSearch size={18} />,
        onClick: () => navigate({ screen: 'resource', resourceType: type, id }),
      });
    }
    return base;
  }, [counts, computed, navigate, onLock, onShortcuts, query, setColorScheme, update]);

  return (
    <Spotlight
      actions={actions}
      query={query}
      onQueryChange={setQuery}
      nothingFound="No matching command"
      highlightQuery
      limit={40}
      scrollable
      maxHeight={420}
      searchProps={{ leftSection: <IconSearch size={18} />, placeholder: 'Type a command, a resource type, or Type/id…' }}
    />
  );
}
