/**
 * Change an entity's concept: a search box over the loaded vocabularies (`concepts.search`), keyboard
 * first (type, ↑/↓, Enter to choose, Esc to close).
 */
import { Badge, Group, Loader, ScrollArea, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { describeOutcome, type OperationOutcome } from '../../../src-main/api/result';
import type { ChosenConcept, ConceptHit, ConceptSystem } from '../../../src-main/review/types';
import type { ReviewBackend } from './backend';

export function ConceptSearch({
  search,
  system,
  initialQuery,
  onChoose,
  onClose,
}: {
  search: NonNullable<ReviewBackend['searchConcepts']>;
  system: ConceptSystem;
  initialQuery: string;
  onChoose: (concept: ChosenConcept) => void;
  onClose: () => void;
}) {
  const [query, setQuery] = useState(initialQuery);
  // The search answers in a few ms: a short wait only merges the keys of a fast typist or a paste.
  const [debounced] = useDebouncedValue(query, 30);
  const [hits, setHits] = useState<ConceptHit[]>([]);
  const [meta, setMeta] = useState<{ tookMs: number; vocabularies: string[] } | undefined>(undefined);
  const [error, setError] = useState<OperationOutcome | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  useEffect(() => {
    const text = debounced.trim();
    if (!text) {
      setHits([]);
      return;
    }
    let current = true;
    setLoading(true);
    void search(text, [system]).then((result) => {
      if (!current) return;
      setLoading(false);
      if (result.ok) {
        setHits(result.value.hits);
        setMeta({ tookMs: result.value.tookMs, vocabularies: result.value.vocabularies });
        setError(undefined);
        setActive(0);
      } else {
        setError(result.error);
      }
    });
    return () => {
      current = false;
    };
  }, [debounced, search, system]);

  const choose = (hit: ConceptHit | undefined): void => {
    if (hit) onChoose({ system: hit.system, code: hit.code, display: hit.display });
  };

  return (
    <Stack gap={6} data-testid="concept-search">
      <TextInput
        ref={inputRef}
        size="xs"
        label={`Search ${system === 'ICD10CM' ? 'ICD-10-CM' : 'RxNorm'}`}
        placeholder="Code or words (Enter chooses, Esc closes)"
        leftSection={<IconSearch size={14} />}
        rightSection={loading ? <Loader size={12} /> : null}
        value={query}
        onChange={(event) => setQuery(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            setActive((index) => Math.min(index + 1, Math.max(0, hits.length - 1)));
          } else if (event.key === 'ArrowUp') {
            event.preventDefault();
            setActive((index) => Math.max(index - 1, 0));
          } else if (event.key === 'Enter') {
            event.preventDefault();
            choose(hits[active]);
          } else if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            onClose();
          }
        }}
        aria-label="Concept search"
      />
      {error && (
        <Text size="xs" c="red">
          {describeOutcome(error)}
        </Text>
      )}
      <ScrollArea.Autosize mah={240}>
        <Stack gap={2} role="listbox" aria-label="Concepts">
          {hits.map((hit, index) => (
            <UnstyledButton
              key={`${hit.system}:${hit.code}`}
              onClick={() => choose(hit)}
              role="option"
              aria-selected={index === active}
              px={6}
              py={3}
              style={{ borderRadius: 4, background: index === active ? 'var(--mantine-primary-color-light)' : undefined }}
            >
              <Group gap={6} wrap="nowrap">
                <Text size="xs" ff="monospace" fw={700} style={{ flexShrink: 0 }}>
                  {hit.code}
                </Text>
                <Text size="xs" style={{ flex: 1 }} lineClamp={2}>
                  {hit.display}
                </Text>
                {hit.billable === false && (
                  <Badge size="xs" color="gray" variant="outline">
                    header
                  </Badge>
                )}
                {hit.tty && (
                  <Badge size="xs" color="gray" variant="outline">
                    {hit.tty}
                  </Badge>
                )}
              </Group>
            </UnstyledButton>
          ))}
          {!loading && debounced.trim() && hits.length === 0 && !error && (
            <Text size="xs" c="dimmed">
              No concept found.
            </Text>
          )}
        </Stack>
      </ScrollArea.Autosize>
      {meta && (
        <Text size="xs" c="dimmed">
          {meta.tookMs.toFixed(0)} ms · {meta.vocabularies.join(', ')}
        </Text>
      )}
    </Stack>
  );
}
