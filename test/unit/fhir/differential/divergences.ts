/**
 * The documented differences, each listed in docs/search-differential.md with the spec passage
 * that decides it:
 * - DIVERGENCES: Hearth and @medplum/fhir-router's MemoryRepository disagree, Hearth agrees with
 *   the spec oracle. A predicate explains ONE differing id of one query, and holds only when a
 *   model of Medplum's documented rule (written with Medplum's own helpers where it has them)
 *   reproduces Medplum's answer for that id while the spec's rule gives Hearth's; anything else
 *   fails the test as a new divergence.
 * - HEARTH_GAPS: forms Hearth refuses today (400 not-supported/invalid); the query is counted, not
 *   judged. Once Hearth answers such a query, it is judged like any other.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { DiffQuery } from './generator';
import type { MedplumPeer } from './medplum-peer';
import { type Extracted, fold, type OracleParam, type SearchOracle, dateSpan } from './oracle';

export interface DivergenceContext {
  oracle: SearchOracle;
  medplum: MedplumPeer;
}

export interface Divergence {
  id: string;
  title: string;
  /** `side`: the id is returned only by Hearth ('hearth') or only by Medplum ('medplum'). */
  explains(query: DiffQuery, side: 'hearth' | 'medplum', id: string, context: DivergenceContext): boolean;
}

/** One parameter of the query; `chain`: a one-level chain `p[:Type].inner` (the test applies to `inner` on the targets). */
interface Pair {
  name: string;
  code: string;
  modifier: string;
  alternatives: string[];
  chain?: { reference: string; targetType?: string };
}

function pairsOf(query: DiffQuery): Pair[] {
  return query.pairs
    .filter(([name]) => !name.startsWith('_sort') && !name.startsWith('_has:') && name.split('.').length <= 2)
    .map(([name, value]) => {
      const alternatives = value.split(/(?<!\\),/).map((v) => v.replace(/\\(.)/g, '$1'));
      const dot = name.indexOf('.');
      if (dot < 0) {
        const [code = '', modifier = ''] = name.split(':');
        return { name, code, modifier, alternatives };
      }
      const [reference = '', targetType] = name.slice(0, dot).split(':');
      const [code = '', modifier = ''] = name.slice(dot + 1).split(':');
      return { name, code, modifier, alternatives, chain: { reference, ...(targetType ? { targetType } : {}) } };
    });
}

/** Does this resource match this one pair under the spec (the oracle)? */
function specMatches(context: DivergenceContext, query: DiffQuery, pair: Pair, id: string): boolean {
  const value = pair.alternatives.map((a) => a.replace(/[\\,]/g, (c) => `\\${c}`)).join(',');
  return context.oracle.filter(query.resourceType, pair.name, value).has(id);
}

/** Medplum's searchable strings: its FHIRPath values through its own convertToSearchableStrings (HumanName/Address formatted whole). */
function medplumStrings(context: DivergenceContext, resource: Resource, param: OracleParam): string[] {
  const { core } = context.medplum;
  return core.convertToSearchableStrings(core.evalFhirPathTyped(param.expression, [core.toTypedValue(resource)]));
}

/** Medplum's rule for string and uri (match.ts matchesStringValue): lower-cased "contains". */
function medplumContains(strings: readonly string[], alternatives: readonly string[]): boolean {
  return strings.some((s) => alternatives.some((a) => s.toLowerCase().includes(a.toLowerCase())));
}

/**
 * One pair of the query explains the id: for an id only Hearth returns, the spec matches this pair
 * and Medplum's rule does not; for an id only Medplum returns, the reverse (Hearth agrees with the
 * oracle on the whole query, so the other pairs are settled by that check).
 */
function onePairExplains(
  query: DiffQuery,
  side: 'hearth' | 'medplum',
  id: string,
  context: DivergenceContext,
  test: (pair: Pair, param: OracleParam, resource: Resource) => { medplum: boolean } | undefined,
): boolean {
  const resource = context.oracle.resource(query.resourceType, id);
  if (!resource) return false;
  for (const pair of pairsOf(query)) {
    const model = pair.chain ? chainedModel(context, resource, pair, test) : plainModel(context, resource, pair, test);
    if (!model) continue;
    const spec = specMatches(context, query, pair, id);
    // Hearth-only: the spec matches, Medplum's rule does not; Medplum-only: the reverse.
    if (side === 'hearth' ? spec && !model.medplum : !spec && model.medplum) return true;
  }
  return false;
}

/** The target types of a reference parameter in Medplum's own definitions (its rules use them, not the spec's). */
function medplumTargetsOf(context: DivergenceContext, type: string, code: string): readonly string[] {
  return context.medplum.core.getSearchParameter(type, code)?.target ?? [];
}

type PairTest = (pair: Pair, param: OracleParam, resource: Resource) => { medplum: boolean } | undefined;

function plainModel(context: DivergenceContext, resource: Resource, pair: Pair, test: PairTest): { medplum: boolean } | undefined {
  const param = context.oracle.param(resource.resourceType, pair.code);
  return param ? test(pair, param, resource) : undefined;
}

/** Medplum's chain (repo.ts matchesChainedFilter): some `Type/id` reference of the resource to a target its rule matches. */
function chainedModel(context: DivergenceContext, resource: Resource, pair: Pair, test: PairTest): { medplum: boolean } | undefined {
  const chain = pair.chain;
  const reference = chain ? context.oracle.param(resource.resourceType, chain.reference) : undefined;
  if (!chain || !reference) return undefined;
  // Without a type, Medplum follows the parameter's one target in ITS definitions (clinical-patient: Patient; the spec's also lists Group).
  const medplumTargets = medplumTargetsOf(context, resource.resourceType, chain.reference);
  const targetType = chain.targetType ?? (medplumTargets.length === 1 ? medplumTargets[0] : undefined);
  if (!targetType) return undefined;
  const innerParam = context.oracle.param(targetType, pair.code);
  if (!innerParam) return undefined;
  const inner: Pair = { name: pair.modifier ? `${pair.code}:${pair.modifier}` : pair.code, code: pair.code, modifier: pair.modifier, alternatives: pair.alternatives };
  let applies = false;
  let medplum = false;
  for (const item of context.oracle.extractedValues(resource.resourceType, reference, resource.id ?? '')) {
    if (item.kind !== 'reference' || item.type !== targetType || !item.id) continue;
    const target = context.oracle.resource(targetType, item.id);
    const model = target ? test(inner, innerParam, target) : undefined;
    if (model) {
      applies = true;
      medplum ||= model.medplum;
    } else if (target && context.oracle.filter(targetType, inner.name, pair.alternatives.map((a) => a.replace(/[\\,]/g, (c) => `\\${c}`)).join(',')).has(item.id)) {
      // A target that matches without this divergence: Medplum matches it too.
      medplum = true;
    }
  }
  return applies ? { medplum } : undefined;
}

const items = (context: DivergenceContext, resource: Resource, param: OracleParam): Extracted[] =>
  context.oracle.extractedValues(resource.resourceType, param, resource.id ?? '');

/** Medplum's date rule (match.ts matchesDateValue) over its own toPeriod: closed ISO-text intervals. */
function medplumDateMatch(context: DivergenceContext, prefix: string, values: readonly unknown[], searchText: string): boolean {
  const { core } = context.medplum;
  const filter = core.toPeriod(searchText);
  if (!filter?.start || !filter.end) return false;
  const test = (value: unknown): boolean => {
    const period = core.toPeriod(value);
    if (!period) return false;
    const rs = period.start ?? '0000';
    const re = period.end ?? '9999';
    switch (prefix) {
      case 'eq':
      case 'ap':
      case 'ne':
        return rs < (filter.end ?? '') && re > (filter.start ?? '');
      case 'lt':
        return rs < (filter.start ?? '');
      case 'gt':
        return re > (filter.end ?? '');
      case 'le':
        return rs <= (filter.end ?? '');
      case 'ge':
        return re >= (filter.start ?? '');
      case 'sa':
        return rs > (filter.end ?? '');
      case 'eb':
        return re < (filter.start ?? '');
      default:
        return false;
    }
  };
  const any = values.some(test);
  // ne is a resource-level negation of the overlap test in Medplum.
  return prefix === 'ne' ? !any : any;
}

function datePrefix(value: string): { prefix: string; rest: string } {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=\d)/.exec(value);
  return m ? { prefix: m[1] ?? 'eq', rest: value.slice(2) } : { prefix: 'eq', rest: value };
}

/** Date pairs where Medplum's rule (on this resource's raw values) gives the opposite of the spec, filtered by `why`. */
function dateDivergence(why: (prefix: string, rest: string, values: readonly Extracted[], context: DivergenceContext) => boolean): Divergence['explains'] {
  return (query, side, id, context) =>
    onePairExplains(query, side, id, context, (pair, param, resource) => {
      if (param.type !== 'date' || pair.modifier !== '') return undefined;
      const raw = context.oracle.values(resource.resourceType, param).get(resource.id ?? '') ?? [];
      const extracted = items(context, resource, param);
      // Every alternative must point the same way for the pair's decision to come from `why`.
      const reasons = pair.alternatives.map((alt) => datePrefix(alt));
      if (!reasons.some(({ prefix, rest }) => why(prefix, rest, extracted, context))) return undefined;
      return { medplum: reasons.some(({ prefix, rest }) => medplumDateMatch(context, prefix, raw, rest)) };
    });
}

/** Medplum's end of a search value (toPeriod), in ms, against the spec's end of its precision. */
function medplumEndOvershoots(rest: string, context: DivergenceContext): boolean {
  const end = context.medplum.core.toPeriod(rest)?.end;
  const span = dateSpan(rest);
  return end !== undefined && span !== undefined && Date.parse(end) >= span.high;
}

const overlapsNotContained = (values: readonly Extracted[], rest: string): boolean => {
  const span = dateSpan(rest);
  if (!span) return false;
  return values.some((v) => v.kind === 'date' && v.low < span.high && v.high > span.low && !(v.low >= span.low && v.high <= span.high));
};

export const DIVERGENCES: readonly Divergence[] = [
  {
    id: 'string-contains',
    title: 'string: Medplum matches "contains", the spec "equals or starts with"',
    explains: (query, side, id, context) =>
      side === 'medplum' &&
      onePairExplains(query, side, id, context, (pair, param, resource) =>
        param.type === 'string' && pair.modifier === '' ? { medplum: medplumContains(medplumStrings(context, resource, param), pair.alternatives) } : undefined,
      ),
  },
  {
    id: 'string-accents',
    title: 'string: Medplum lower-cases but does not remove accents',
    explains: (query, side, id, context) =>
      side === 'hearth' &&
      onePairExplains(query, side, id, context, (pair, param, resource) => {
        if (param.type !== 'string' || (pair.modifier !== '' && pair.modifier !== 'contains')) return undefined;
        // The spec's match holds only once accents are folded: without folding, no value would match.
        const values = items(context, resource, param).flatMap((v) => (v.kind === 'string' ? [v.value] : []));
        const unfolded = values.some((v) => pair.alternatives.some((a) => v.toLowerCase().includes(a.toLowerCase())));
        const folded = values.some((v) => pair.alternatives.some((a) => fold(v).includes(fold(a))));
        if (unfolded || !folded) return undefined;
        return { medplum: medplumContains(medplumStrings(context, resource, param), pair.alternatives) };
      }),
  },
  {
    id: 'string-formatted-parts',
    title: 'string: Medplum searches a HumanName or Address as one formatted text that leaves parts out (Address.country, HumanName.text)',
    explains: (query, side, id, context) =>
      side === 'hearth' &&
      onePairExplains(query, side, id, context, (pair, param, resource) => {
        if (param.type !== 'string' || (pair.modifier !== '' && pair.modifier !== 'contains')) return undefined;
        const strings = medplumStrings(context, resource, param);
        // A part matches under the spec, without any accent involved, yet is absent from Medplum's text.
        const parts = items(context, resource, param).flatMap((v) => (v.kind === 'string' ? [v.value] : []));
        const partMatch = parts.some((v) => pair.alternatives.some((a) => v.toLowerCase().startsWith(a.toLowerCase()) || (pair.modifier === 'contains' && v.toLowerCase().includes(a.toLowerCase()))));
        if (!partMatch) return undefined;
        return { medplum: medplumContains(strings, pair.alternatives) };
      }),
  },
  {
    id: 'reference-bare-id',
    title: 'reference: Medplum matches a bare id only when the parameter has a single target type',
    explains: (query, side, id, context) =>
      side === 'hearth' &&
      onePairExplains(query, side, id, context, (pair, param, resource) => {
        if (param.type !== 'reference' || pair.modifier !== '' || medplumTargetsOf(context, resource.resourceType, pair.code).length <= 1) return undefined;
        const refs = items(context, resource, param).flatMap((v) => (v.kind === 'reference' ? [v.url] : []));
        // Medplum's rule: an alternative with a '/' must equal a reference; one without matches nothing here.
        return { medplum: pair.alternatives.some((a) => a.includes('/') && refs.includes(a)) };
      }),
  },
  {
    id: 'missing-display-only-reference',
    title: ':missing: Medplum counts a Reference with only a display as a value',
    explains: (query, side, id, context) =>
      onePairExplains(query, side, id, context, (pair, param, resource) => {
        if (param.type !== 'reference' || pair.modifier !== 'missing') return undefined;
        const raw = context.oracle.values(resource.resourceType, param).get(resource.id ?? '') ?? [];
        const displayOnly = raw.length > 0 && raw.every((v) => typeof v === 'object' && v !== null && !('reference' in v) && !('identifier' in v) && 'display' in v);
        if (!displayOnly) return undefined;
        // Medplum: a value is present (its FHIRPath result is not empty).
        return { medplum: pair.alternatives[0] === 'false' };
      }),
  },
  {
    id: 'date-month-end',
    title: 'date: Medplum ends a month-precision value on day 31, which rolls over into the next month',
    explains: dateDivergence((_prefix, rest, _values, context) => /^\d{4}-\d{2}$/.test(rest) && medplumEndOvershoots(rest, context)),
  },
  {
    id: 'date-eq-overlap',
    title: 'date eq/ne: Medplum tests overlap, the spec containment',
    explains: dateDivergence((prefix, rest, values) => (prefix === 'eq' || prefix === 'ne') && overlapsNotContained(values, rest)),
  },
  {
    id: 'date-ne-no-value',
    title: 'date ne: Medplum negates at resource level, so a resource with no value matches ne',
    explains: dateDivergence((prefix, _rest, values) => prefix === 'ne' && values.length === 0),
  },
  {
    id: 'date-ge-le-overlap',
    title: 'date ge/le: Medplum accepts any overlap, the spec only ranges above/below or contained',
    explains: dateDivergence((prefix, rest, values) => (prefix === 'ge' || prefix === 'le') && overlapsNotContained(values, rest)),
  },
  {
    id: 'date-ap',
    title: 'date ap: Medplum treats ap as eq (overlap); Hearth uses the spec\'s recommended 10% of the distance from now',
    explains: dateDivergence((prefix) => prefix === 'ap'),
  },
  {
    id: 'date-closed-interval-boundary',
    title: 'date: Medplum compares closed intervals with strict inequalities, missing values on the first or last millisecond of the range',
    explains: dateDivergence((prefix, rest, values) => {
      const span = dateSpan(rest);
      if (!span || prefix === 'ap') return false;
      return values.some((v) => v.kind === 'date' && (v.low === span.low || v.high === span.high || v.low === v.high - 1));
    }),
  },
  {
    id: 'token-case',
    title: 'token: Medplum compares codes and systems case-insensitively',
    explains: (query, side, id, context) =>
      side === 'medplum' &&
      onePairExplains(query, side, id, context, (pair, param, resource) => {
        if (param.type !== 'token' || pair.modifier !== '') return undefined;
        const tokens = items(context, resource, param).flatMap((v) => (v.kind === 'token' ? [v.token] : []));
        const lower = (s: string | undefined) => s?.toLowerCase();
        return {
          medplum: pair.alternatives.some((a) => {
            const [system, code] = a.includes('|') ? a.split('|') : [undefined, a];
            return tokens.some((t) => lower(t.code) === lower(code) && (system === undefined || system === '' || lower(t.system) === lower(system)));
          }),
        };
      }),
  },
];

export interface HearthGap {
  id: string;
  title: string;
  /** Hearth refused `query` with `message`, and this gap is why. */
  applies(query: DiffQuery, message: string): boolean;
}

/**
 * Valid forms Hearth refuses (each a 400 OperationOutcome). Empty since `_id` and `_lastUpdated`
 * took their general forms (search/builtin.ts): a refusal of a generated query now fails the test.
 */
export const HEARTH_GAPS: readonly HearthGap[] = [];
