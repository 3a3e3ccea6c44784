/**
 * The search builder (docs/query.md): resource type, rows of parameter (autocomplete from the
 * type's parameters) + modifier + prefix + value, chains through reference parameters, the
 * Entities group on DocumentReference, `_include`/`_revinclude`, `_sort` and `_count`.
 */
import {
  ActionIcon, Autocomplete, Badge, Button, Card, Group, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Text, TextInput, Tooltip,
} from '@mantine/core';
import { IconPlus, IconTrash, IconX } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import type { QueryParameterInfo, QueryParameters } from '../../../src-main/query/types';
import { ENTITY_CATEGORIES } from '../../../src-main/nlp/types';
import { useApi } from '../api/context';
import { useApiQuery } from '../api/hooks';
import { newRow, type BuilderState, type EntityFilter, type ParamRow } from './query-model';

const TYPE_HINT: Record<string, string> = {
  string: 'text (starts with)',
  token: 'system|code or code',
  reference: 'Type/id',
  date: '2020-01-31',
  number: '0.9',
  quantity: '5.4|http://unitsofmeasure.org|mg',
  uri: 'http://…',
  composite: 'a$b',
  special: 'lat|long|distance|unit',
};

export function QueryBuilder({
  state,
  onChange,
  types,
  parameters,
  rowErrors,
}: {
  state: BuilderState;
  onChange: (next: BuilderState) => void;
  types: string[];
  parameters: QueryParameters | undefined;
  /** Diagnostics of the engine per row key (an OperationOutcome naming that parameter). */
  rowErrors: Map<number, string>;
}) {
  const byCode = useMemo(() => new Map((parameters?.parameters ?? []).map((p) => [p.code, p])), [parameters]);
  const setRow = (key: number, patch: Partial<ParamRow>): void =>
    onChange({ ...state, rows: state.rows.map((row) => (row.key === key ? { ...row, ...patch } : row)) });

  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="sm">
        <Select
          label="Resource type"
          searchable
          data={types}
          value={state.resourceType}
          onChange={(value) => value && onChange({ ...state, resourceType: value, rows: [], includes: [], revIncludes: [], sort: '', entities: undefined })}
          allowDeselect={false}
          w={240}
          data-testid="query-type"
        />
        <Select
          label="Sort by"
          searchable
          clearable
          placeholder="Default (newest first)"
          data={(parameters?.sorts ?? []).flatMap((code) => [{ value: code, label: `${code} ↑` }, { value: `-${code}`, label: `${code} ↓` }])}
          value={state.sort || null}
          onChange={(value) => onChange({ ...state, sort: value ?? '' })}
          w={220}
          aria-label="Sort by"
        />
        <NumberInput
          label="Per page"
          min={1}
          max={1000}
          value={state.count ?? ''}
          placeholder="20"
          onChange={(value) => onChange({ ...state, ...(typeof value === 'number' ? { count: value } : { count: undefined }) })}
          w={110}
        />
      </Group>

      <Stack gap={6} data-testid="query-rows">
        {state.rows.map((row) => (
          <ParameterRow
            key={row.key}
            row={row}
            info={byCode.get(row.code)}
            parameters={parameters?.parameters ?? []}
            onChange={(patch) => setRow(row.key, patch)}
            onRemove={() => onChange({ ...state, rows: state.rows.filter((r) => r.key !== row.key) })}
            error={rowErrors.get(row.key)}
          />
        ))}
        <Group>
          <Button
            variant="light"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => onChange({ ...state, rows: [...state.rows, newRow()] })}
            data-testid="add-parameter"
          >
            Add parameter
          </Button>
          {state.resourceType === 'DocumentReference' && !state.entities && (
            <Button
              variant="light"
              size="xs"
              color="grape"
              leftSection={<IconPlus size={14} />}
              onClick={() => onChange({ ...state, entities: { system: 'ICD10CM', code: '', display: '', negated: false, category: '' } })}
              data-testid="add-entity-filter"
            >
              Entity filter
            </Button>
          )}
        </Group>
      </Stack>

      {state.resourceType === 'DocumentReference' && state.entities && (
        <EntityGroup entities={state.entities} onChange={(entities) => onChange({ ...state, entities })} />
      )}

      <Group grow align="flex-start">
        <MultiSelect
          label="Include (_include)"
          placeholder={parameters?.includes.length ? 'Referenced resources' : 'None for this type'}
          data={mergeData(parameters?.includes ?? [], state.includes)}
          value={state.includes}
          onChange={(includes) => onChange({ ...state, includes })}
          searchable
          clearable
          data-testid="query-includes"
        />
        <MultiSelect
          label="Reverse include (_revinclude)"
          placeholder="Resources pointing here"
          data={mergeData(parameters?.revIncludes ?? [], state.revIncludes)}
          value={state.revIncludes}
          onChange={(revIncludes) => onChange({ ...state, revIncludes })}
          searchable
          clearable
          limit={200}
        />
      </Group>
    </Stack>
  );
}

function mergeData(options: readonly string[], chosen: readonly string[]): string[] {
  return [...new Set([...options, ...chosen])];
}

function ParameterRow({
  row,
  info,
  parameters,
  onChange,
  onRemove,
  error,
}: {
  row: ParamRow;
  info: QueryParameterInfo | undefined;
  parameters: QueryParameterInfo[];
  onChange: (patch: Partial<ParamRow>) => void;
  onRemove: () => void;
  error: string | undefined;
}) {
  const chainTarget = info?.type === 'reference' && info.targets.includes(row.modifier) ? row.modifier : undefined;
  const codes = useMemo(() => parameters.map((p) => ({ value: p.code, label: p.code })), [parameters]);
  const hint = info ? (row.chain ? 'value of the chained parameter' : TYPE_HINT[info.type] ?? '') : '';
  return (
    <Stack gap={2} data-testid="query-row">
      <Group gap={6} wrap="nowrap" align="flex-start">
        <Autocomplete
          aria-label="Parameter"
          placeholder="Parameter"
          data={codes}
          value={row.code}
          onChange={(code) => onChange({ code, modifier: '', chain: '', prefix: '' })}
          limit={60}
          w={210}
          error={Boolean(error)}
          renderOption={({ option }) => {
            const p = parameters.find((x) => x.code === option.value);
            return (
              <Stack gap={0}>
                <Group gap={6}>
                  <Text size="sm">{option.value}</Text>
                  {p && (
                    <Badge size="xs" variant="light" color={p.hearth ? 'grape' : 'gray'}>
                      {p.type}
                    </Badge>
                  )}
                </Group>
                {p?.description && (
                  <Text size="xs" c="dimmed" lineClamp={1}>
                    {p.description}
                  </Text>
                )}
              </Stack>
            );
          }}
          data-testid="param-code"
        />
        <Select
          aria-label="Modifier"
          placeholder="modifier"
          data={info?.modifiers ?? []}
          value={row.modifier || null}
          onChange={(modifier) => onChange({ modifier: modifier ?? '', chain: '' })}
          clearable
          disabled={!info || info.modifiers.length === 0}
          w={130}
          data-testid="param-modifier"
        />
        {chainTarget && <ChainInput target={chainTarget} value={row.chain} onChange={(chain) => onChange({ chain, prefix: '' })} />}
        {info && info.prefixes.length > 0 && !row.chain && (
          <Select
            aria-label="Prefix"
            placeholder="eq"
            data={info.prefixes}
            value={row.prefix || null}
            onChange={(prefix) => onChange({ prefix: prefix ?? '' })}
            clearable
            w={80}
            data-testid="param-prefix"
          />
        )}
        {row.modifier === 'missing' ? (
          <SegmentedControl size="xs" data={['true', 'false']} value={row.value === 'false' ? 'false' : 'true'} onChange={(value) => onChange({ value })} />
        ) : (
          <TextInput
            aria-label="Value"
            placeholder={hint || 'value'}
            value={row.value}
            onChange={(event) => onChange({ value: event.currentTarget.value })}
            style={{ flex: 1 }}
            error={Boolean(error)}
            data-testid="param-value"
          />
        )}
        <Tooltip label="Remove">
          <ActionIcon variant="subtle" color="gray" onClick={onRemove} aria-label="Remove parameter" mt={4}>
            <IconTrash size={16} />
          </ActionIcon>
        </Tooltip>
      </Group>
      {error ? (
        <Text size="xs" c="red" role="alert" data-testid="row-error">
          {error}
        </Text>
      ) : info?.description ? (
        <Text size="xs" c="dimmed" lineClamp={1}>
          {info.description}
        </Text>
      ) : null}
    </Stack>
  );
}

/** The chained parameter (`subject:Patient.name`): the target type's parameters. */
function ChainInput({ target, value, onChange }: { target: string; value: string; onChange: (chain: string) => void }) {
  const params = useApiQuery((api) => api.query.parameters({ resourceType: target }), [target]);
  const data = useMemo(() => (params.data?.parameters ?? []).filter((p) => p.type !== 'composite').map((p) => p.code), [params.data]);
  return (
    <Autocomplete
      aria-label={`Chained ${target} parameter`}
      placeholder={`${target} parameter`}
      data={data}
      value={value}
      onChange={onChange}
      limit={60}
      w={170}
      data-testid="param-chain"
    />
  );
}

/** "Notes with hypertension, not negated, score at least 0.9": Hearth's NLP parameters (docs/nlp-results.md §3). */
function EntityGroup({ entities, onChange }: { entities: EntityFilter; onChange: (next: EntityFilter | undefined) => void }) {
  const api = useApi();
  const [text, setText] = useState(entities.code ? `${entities.code}${entities.display ? ` ${entities.display}` : ''}` : '');
  const [options, setOptions] = useState<Array<{ value: string; label: string; system: 'ICD10CM' | 'RXNORM'; code: string; display: string }>>([]);
  // The text follows the code when it changes from outside (a raw query, a saved query).
  const shown = entities.code ? `${entities.code}${entities.display ? ` ${entities.display}` : ''}` : '';
  const [lastCode, setLastCode] = useState(entities.code);
  if (lastCode !== entities.code) {
    setLastCode(entities.code);
    setText(shown);
  }
  useEffect(() => {
    const query = text.trim();
    if (query.length < 2) {
      setOptions([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      void api.concepts.search({ query, limit: 15 }).then((result) => {
        if (!current || !result.ok) return;
        setOptions(
          result.value.hits.map((hit) => ({ value: `${hit.system}:${hit.code}`, label: `${hit.code} ${hit.display}`, system: hit.system, code: hit.code, display: hit.display })),
        );
      });
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, text]);

  return (
    <Card withBorder padding="sm" data-testid="entity-filter">
      <Group justify="space-between" mb={6}>
        <Text fw={600} size="sm">
          Entities (clinical NLP)
        </Text>
        <ActionIcon variant="subtle" color="gray" onClick={() => onChange(undefined)} aria-label="Remove the entity filter">
          <IconX size={16} />
        </ActionIcon>
      </Group>
      <Group align="flex-end" gap="sm">
        <Autocomplete
          label="Concept"
          placeholder="hypertension, I10, metformin…"
          data={options.map((o) => ({ value: o.value, label: o.label }))}
          value={text}
          filter={({ options: all }) => all}
          // Autocomplete puts the option's label in the box; the value says which concept it was.
          onOptionSubmit={(value) => {
            const chosen = options.find((o) => o.value === value);
            if (chosen) onChange({ ...entities, system: chosen.system, code: chosen.code, display: chosen.display });
          }}
          onChange={(value) => {
            setText(value);
            if (value.trim() === '') onChange({ ...entities, code: '', display: '' });
          }}
          w={320}
          data-testid="entity-concept"
        />
        <SegmentedControl
          data={[
            { value: 'asserted', label: 'Not negated' },
            { value: 'negated', label: 'Negated' },
          ]}
          value={entities.negated ? 'negated' : 'asserted'}
          onChange={(value) => onChange({ ...entities, negated: value === 'negated' })}
          aria-label="Negation"
        />
        <NumberInput
          label="Score at least"
          min={0}
          max={1}
          step={0.05}
          decimalScale={2}
          value={entities.minScore ?? ''}
          placeholder="any"
          disabled={entities.negated}
          onChange={(value) => {
            const { minScore: _dropped, ...rest } = entities;
            onChange(typeof value === 'number' ? { ...rest, minScore: value } : rest);
          }}
          w={130}
          data-testid="entity-score"
        />
        <Select
          label="Category"
          placeholder="any"
          data={[...ENTITY_CATEGORIES]}
          value={entities.category || null}
          onChange={(value) => onChange({ ...entities, category: value ?? '' })}
          clearable
          w={220}
        />
      </Group>
      <Text size="xs" c="dimmed" mt={6}>
        {entities.negated
          ? 'Notes where the concept is mentioned as absent ("denies chest pain"); scores apply to asserted mentions only.'
          : 'Notes that mention the concept as present (negated mentions left out); the score is that concept’s score on the same mention.'}
      </Text>
    </Card>
  );
}
