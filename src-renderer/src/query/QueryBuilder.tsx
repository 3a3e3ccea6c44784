/**
 * The search builder (docs/query.md): resource type, rows of parameter (autocomplete from the
 * type's parameters) + modifier + prefix + value, chains through reference parameters, reverse
 * chains (`_has`: a referring type, its reference parameter pointing back, and a parameter of it;
 * nested), the Entities group on DocumentReference, `_include`/`_revinclude`, `_sort` and `_count`.
 */
import {
  ActionIcon, Autocomplete, Badge, Button, Card, Group, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Text, TextInput, Tooltip,
} from '@mantine/core';
import { IconArrowBack, IconPlus, IconTrash, IconX } from '@tabler/icons-react';
import { Fragment, useEffect, useMemo, useState } from 'react';
import type { QueryParameterInfo, QueryParameters } from '../../../src-main/query/types';
import { ENTITY_CATEGORIES } from '../../../src-main/nlp/types';
import { useApi } from '../api/context';
import { useApiQuery } from '../api/hooks';
import { newRow, type BuilderState, type EntityFilter, type HasLink, type ParamRow } from './query-model';

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
        {state.rows.map((row) =>
          row.has.length > 0 ? (
            <HasRow
              key={row.key}
              row={row}
              revIncludes={parameters?.revIncludes ?? []}
              onChange={(patch) => setRow(row.key, patch)}
              onRemove={() => onChange({ ...state, rows: state.rows.filter((r) => r.key !== row.key) })}
              error={rowErrors.get(row.key)}
            />
          ) : (
            <ParameterRow
              key={row.key}
              row={row}
              info={byCode.get(row.code)}
              parameters={parameters?.parameters ?? []}
              onChange={(patch) => setRow(row.key, patch)}
              onRemove={() => onChange({ ...state, rows: state.rows.filter((r) => r.key !== row.key) })}
              error={rowErrors.get(row.key)}
            />
          ),
        )}
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
          <Tooltip label={`${state.resourceType} resources that other resources point to, filtered on those (_has)`}>
            <Button
              variant="light"
              size="xs"
              leftSection={<IconArrowBack size={14} />}
              onClick={() => onChange({ ...state, rows: [...state.rows, newRow({ has: [{ type: '', param: '' }] })] })}
              disabled={(parameters?.revIncludes.length ?? 0) === 0}
              data-testid="add-has"
            >
              Referred to by (_has)
            </Button>
          </Tooltip>
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
  placeholder = 'Parameter',
}: {
  row: ParamRow;
  info: QueryParameterInfo | undefined;
  parameters: QueryParameterInfo[];
  onChange: (patch: Partial<ParamRow>) => void;
  onRemove: () => void;
  error: string | undefined;
  placeholder?: string;
}) {
  const chainTarget = info?.type === 'reference' && info.targets.includes(row.modifier) ? row.modifier : undefined;
  const codes = useMemo(() => parameters.map((p) => ({ value: p.code, label: p.code })), [parameters]);
  const hint = info ? (row.chain ? 'value of the chained parameter' : TYPE_HINT[info.type] ?? '') : '';
  return (
    <Stack gap={2} data-testid="query-row">
      <Group gap={6} wrap="nowrap" align="flex-start">
        <Autocomplete
          aria-label="Parameter"
          placeholder={placeholder}
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

/** `_has` nests at most this deep (the engine's bound on chains and _has). */
const MAX_HAS = 4;

/** The referring types and their reference parameters that may point to a type, from its `_revinclude` values (`Source:param`). */
function referrers(revIncludes: readonly string[]): Map<string, string[]> {
  const byType = new Map<string, string[]>();
  for (const value of revIncludes) {
    const [type = '', param = ''] = value.split(':');
    if (!type || !param) continue;
    byType.set(type, [...(byType.get(type) ?? []), param]);
  }
  return byType;
}

/**
 * A reverse chain (search.html#has): `_has:Observation:subject:code=1234-5` finds the resources
 * an Observation points to through `subject` whose code is 1234-5. Each step picks the referring
 * type and its reference parameter pointing back; a step may nest another; the last type's
 * parameter is a row like the others (modifier, prefix, chain).
 */
function HasRow({
  row,
  revIncludes,
  onChange,
  onRemove,
  error,
}: {
  row: ParamRow;
  /** The searched type's `_revinclude` values: who may point to it. */
  revIncludes: readonly string[];
  onChange: (patch: Partial<ParamRow>) => void;
  onRemove: () => void;
  error: string | undefined;
}) {
  const last = row.has.at(-1);
  const lastType = last?.type ?? '';
  const complete = row.has.every((link) => link.type !== '' && link.param !== '');
  const inner = useApiQuery((api) => (lastType ? api.query.parameters({ resourceType: lastType }) : null), [lastType]);
  const innerParams = useMemo(() => (inner.data?.parameters ?? []).filter((p) => p.type !== 'composite'), [inner.data]);
  const info = innerParams.find((p) => p.code === row.code);
  const clearInner = { code: '', modifier: '', chain: '', prefix: '' };
  const setLink = (index: number, link: HasLink): void => {
    const typeChanged = row.has[index]?.type !== link.type;
    // Steps after a changed type pointed to the old one: they go, and so does the parameter when the last type changed.
    const has = typeChanged ? [...row.has.slice(0, index), link] : row.has.map((l, i) => (i === index ? link : l));
    onChange({ has, ...(typeChanged ? clearInner : {}) });
  };
  return (
    <Card withBorder padding="xs" data-testid="has-row">
      <Stack gap={6}>
        <Group gap={6} wrap="wrap" align="center">
          <Badge variant="light" color="teal" title="Reverse chaining (search.html#has)">
            _has
          </Badge>
          {row.has.map((link, index) => (
            <Fragment key={index}>
              <Text size="sm" c="dimmed">
                {index === 0 ? 'referred to by' : 'which is referred to by'}
              </Text>
              <HasLinkPicker
                link={link}
                index={index}
                pointsTo={index === 0 ? undefined : row.has[index - 1]!.type}
                revIncludes={revIncludes}
                onChange={(next) => setLink(index, next)}
              />
              {index > 0 && (
                <ActionIcon variant="subtle" color="gray" aria-label="Remove this step" onClick={() => onChange({ has: row.has.slice(0, index), ...clearInner })}>
                  <IconX size={14} />
                </ActionIcon>
              )}
            </Fragment>
          ))}
          {row.has.length < MAX_HAS && (
            <Button
              size="compact-xs"
              variant="subtle"
              disabled={!complete}
              onClick={() => onChange({ has: [...row.has, { type: '', param: '' }], ...clearInner })}
              data-testid="has-nest"
            >
              …referred to by (nest)
            </Button>
          )}
        </Group>
        {complete ? (
          <ParameterRow row={row} info={info} parameters={innerParams} onChange={onChange} onRemove={onRemove} error={error} placeholder={`${lastType} parameter`} />
        ) : (
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              Pick the referring type and its reference that points here, then a parameter of it.
            </Text>
            <ActionIcon variant="subtle" color="gray" onClick={onRemove} aria-label="Remove parameter">
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

/** One `_has` step: the referring type, then its reference parameter that may point to the step before (or to the searched type). */
function HasLinkPicker({
  link,
  index,
  pointsTo,
  revIncludes,
  onChange,
}: {
  link: HasLink;
  index: number;
  /** The type this step points to, when it is not the searched type (whose revIncludes are given). */
  pointsTo: string | undefined;
  revIncludes: readonly string[];
  onChange: (link: HasLink) => void;
}) {
  const target = useApiQuery((api) => (pointsTo ? api.query.parameters({ resourceType: pointsTo }) : null), [pointsTo]);
  const options = useMemo(() => referrers(pointsTo ? (target.data?.revIncludes ?? []) : revIncludes), [pointsTo, target.data, revIncludes]);
  const params = options.get(link.type) ?? [];
  return (
    <>
      <Select
        aria-label={`Referring type ${index + 1}`}
        placeholder="Type"
        searchable
        data={[...options.keys()].sort()}
        value={link.type || null}
        onChange={(type) => {
          const choices = type ? (options.get(type) ?? []) : [];
          // One reference back: take it (Encounter → only `subject`...); else the user picks.
          onChange({ type: type ?? '', param: choices.length === 1 ? choices[0]! : '' });
        }}
        w={190}
        data-testid="has-type"
      />
      <Text size="sm" c="dimmed">
        through
      </Text>
      <Select
        aria-label={`Reference parameter ${index + 1}`}
        placeholder="reference"
        data={params}
        value={link.param || null}
        onChange={(param) => onChange({ ...link, param: param ?? '' })}
        disabled={!link.type}
        w={170}
        data-testid="has-param"
      />
    </>
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
