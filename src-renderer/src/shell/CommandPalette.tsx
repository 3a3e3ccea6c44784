import { useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { Spotlight, spotlight, type SpotlightActionData } from '@mantine/spotlight';
import {
  IconBook, IconChecklist, IconDatabase, IconFileExport, IconFileImport, IconHome, IconKeyboard, IconLock, IconMoon, IconSearch, IconSettings, IconTable,
  IconUser, IconZoomCode, IconCloudUpload,
} from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import type { Patient } from '@medplum/fhirtypes';
import { useApi } from '../api/context';
import { formatHumanName } from '../lib/fhir-format';
import { TAILORED_TYPES } from '../lib/resource-columns';
import { patientRoute, resourcesRoute, type Route } from '../router/routes';
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
  const patients = usePatientMatches(query);

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
        id: 'go-query',
        label: 'Query the vault…',
        description: 'FHIR search builder, saved queries, cohort counts, CSV/NDJSON export',
        group: 'Navigate',
        keywords: ['query', 'search', 'fhir', 'cohort', 'filter', 'csv', 'saved'],
        leftSection: <IconZoomCode size={18} />,
        onClick: () => navigate({ screen: 'query' }),
      },
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
      {
        id: 'go-sync',
        label: 'Sync with a FHIR server…',
        description: 'Server profiles, push, pull, dry runs, conflicts',
        group: 'Navigate',
        keywords: ['sync', 'push', 'pull', 'server', 'remote', 'conflict', 'medplum', 'hapi', 'healthlake'],
        leftSection: <IconCloudUpload size={18} />,
        onClick: () => navigate({ screen: 'sync' }),
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
    base.push({
      id: 'go-patient-chart',
      label: 'Open patient chart…',
      description: 'Type a name or MRN here, or pick a patient from the list',
      group: 'Patients',
      keywords: ['patient', 'chart', 'timeline', 'labs', 'trends', 'to-do'],
      leftSection: <IconUser size={18} />,
      onClick: () => navigate(resourcesRoute('Patient')),
    });
    for (const patient of patients) {
      base.unshift({
        id: `chart-${patient.id}`,
        label: `Patient chart: ${patient.name}`,
        description: patient.detail,
        group: 'Patients',
        // Found by the store's search: always shown while the query is what found them.
        keywords: [query.trim()],
        leftSection: <IconUser size={18} />,
        onClick: () => navigate(patientRoute(patient.id)),
      });
    }
    const reference = REFERENCE.exec(query.trim());
    if (reference?.[1] === 'Patient') {
      const id = reference[2] ?? '';
      base.unshift({
        id: 'open-patient-chart',
        label: `Open the chart of Patient/${id}`,
        group: 'Patients',
        keywords: [query.trim()],
        leftSection: <IconUser size={18} />,
        onClick: () => navigate(patientRoute(id)),
      });
    }
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
  }, [counts, computed, navigate, onLock, onShortcuts, patients, query, setColorScheme, update]);

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

interface PatientMatch {
  id: string;
  name: string;
  detail: string;
}

/**
 * Patients whose name or identifier (MRN) matches what is typed (2 characters or more), by the
 * store's search (`Patient?name=` and `Patient?identifier=`), a quarter second after typing stops.
 */
function usePatientMatches(query: string): PatientMatch[] {
  const api = useApi();
  const [matches, setMatches] = useState<PatientMatch[]>([]);
  const text = query.trim();
  useEffect(() => {
    if (text.length < 2 || REFERENCE.test(text) || /[&?#=]/.test(text)) {
      setMatches([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      const q = encodeURIComponent(text);
      void Promise.all([api.resources.search({ query: `Patient?name=${q}&_count=8` }), api.resources.search({ query: `Patient?identifier=${q}&_count=3` })]).then((results) => {
        if (!current) return;
        const found = new Map<string, PatientMatch>();
        for (const result of results) {
          if (!result.ok) continue;
          for (const entry of result.value.entry ?? []) {
            const patient = entry.resource as Patient | undefined;
            if (patient?.resourceType !== 'Patient' || !patient.id || found.has(patient.id)) continue;
            const mrn = patient.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value;
            const detail = [patient.gender, patient.birthDate ? `born ${patient.birthDate}` : undefined, mrn ? `MRN ${mrn}` : undefined].filter(Boolean).join(' · ');
            found.set(patient.id, { id: patient.id, name: formatHumanName(patient.name) || `Patient/${patient.id}`, detail });
          }
        }
        setMatches([...found.values()]);
      });
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, text]);
  return matches;
}
