/**
 * Search parameters over the NLP results on DocumentReference (docs/nlp-results.md "Searching"),
 * registered with the FHIR engine by search/parameters.ts and indexed like any other parameter
 * (search.html#table: rows extracted at write time).
 *
 * - Hearth's parameters read Hearth's extension (extensions.ts) and leave NEGATED mentions out:
 *   "denies chest pain" does not make a note match `nlp-icd10cm=R07.9`. The `nlp-negated-*` ones
 *   match only negated mentions.
 * - The same-entity composites (search.html#composite) `nlp-icd10cm-score=I10$ge0.99` and
 *   `nlp-rxnorm-score` pair a code with ITS concept score on one mention; `nlp-icd10cm=I10&nlp-score=ge0.99`
 *   is rewritten to that composite (rewriteNlpSearch), so it means the same thing.
 * - HealthLake's names (infer-icd10cm-*, infer-rxnorm-*, detectEntities-*) keep HealthLake's
 *   meaning: every mention, negated ones included.
 *
 * The extractors are plain functions rather than FHIRPath (`expression` documents the equivalent
 * FHIRPath): one parse of the extension per resource serves every parameter.
 */
import type { CompositeBranch, SearchParamDef, SearchParamType } from '../../fhir/search/parameters';
import type { CompiledExpression } from '../../fhir/search/compiled/compile';
import { hearthNlpExtension, ICD10CM_SYSTEM, readEntity, RXNORM_SYSTEM } from './extensions';
import type { Entity } from '../types';

const BASE = 'DocumentReference';
const DEFINITION_BASE = 'https://hearth.local/fhir/SearchParameter/DocumentReference-';

/** A trait counts when the engine gives it at least this score. */
const TRAIT_PRESENT = 0.5;

export function isNegated(entity: Entity): boolean {
  return entity.Traits.some((t) => t.Name === 'NEGATION' && t.Score >= TRAIT_PRESENT);
}

interface ConceptElement {
  coding: { system: string; code: string; display?: string };
  score: number;
}

interface ParsedResult {
  entities: Entity[];
  /** Concepts of asserted (not negated) mentions, one element per concept, for the composites. */
  icd10: ConceptElement[];
  rxnorm: ConceptElement[];
}

/** Extraction evaluates every parameter on the same resource object: the extension is parsed once. */
const parsedCache = new WeakMap<object, ParsedResult>();

function conceptElements(entities: readonly Entity[], system: string): ConceptElement[] {
  const out: ConceptElement[] = [];
  for (const e of entities) {
    if (isNegated(e)) continue;
    const concepts = system === ICD10CM_SYSTEM ? e.ICD10CMConcepts : e.RxNormConcepts;
    for (const c of concepts ?? []) {
      out.push({ coding: { system, code: c.Code, ...(c.Description !== '' ? { display: c.Description } : {}) }, score: c.Score });
    }
  }
  return out;
}

function parsed(resource: object): ParsedResult {
  let result = parsedCache.get(resource);
  if (!result) {
    const extension = hearthNlpExtension(resource as { extension?: [] });
    const entities = (extension?.extension ?? [])
      .filter((e) => e.url === 'entity')
      .map(readEntity)
      .filter((e): e is Entity => e !== undefined);
    result = { entities, icd10: conceptElements(entities, ICD10CM_SYSTEM), rxnorm: conceptElements(entities, RXNORM_SYSTEM) };
    parsedCache.set(resource, result);
  }
  return result;
}

type Mentions = 'asserted' | 'negated' | 'all';

function mentions(resource: object, which: Mentions): Entity[] {
  const all = parsed(resource).entities;
  if (which === 'all') return all;
  return all.filter((e) => isNegated(e) === (which === 'negated'));
}

function codings(entities: readonly Entity[], system: string): ConceptElement['coding'][] {
  const out: ConceptElement['coding'][] = [];
  for (const e of entities) {
    const concepts = system === ICD10CM_SYSTEM ? e.ICD10CMConcepts : e.RxNormConcepts;
    for (const c of concepts ?? []) out.push({ system, code: c.Code, ...(c.Description !== '' ? { display: c.Description } : {}) });
  }
  return out;
}

function concepts(entities: readonly Entity[], system: string) {
  return entities.flatMap((e) => (system === ICD10CM_SYSTEM ? e.ICD10CMConcepts : e.RxNormConcepts) ?? []);
}

function withConcepts(entities: readonly Entity[], system: string): Entity[] {
  return entities.filter((e) => concepts([e], system).length > 0);
}

interface NlpParam {
  code: string;
  type: SearchParamType;
  /** The FHIRPath equivalent, for the documentation and the CapabilityStatement reader. */
  expression: string;
  values?: (resource: object) => unknown[];
  composite?: CompositeBranch[];
}

const HEARTH = `DocumentReference.extension('https://hearth.local/fhir/StructureDefinition/nlp').extension('entity')`;
const ASSERTED = `${HEARTH}.where(extension('trait').where(extension('name').value = 'NEGATION').empty())`;
const NEGATED = `${HEARTH}.where(extension('trait').where(extension('name').value = 'NEGATION').exists())`;
const CONCEPT = (system: string) => `extension('concept').where(extension('coding').value.system = '${system}')`;

function hearthParams(prefix: string, which: Exclude<Mentions, 'all'>, base: string): NlpParam[] {
  return [
    { code: `${prefix}icd10cm`, type: 'token', expression: `${base}.${CONCEPT(ICD10CM_SYSTEM)}.extension('coding').value`, values: (r) => codings(mentions(r, which), ICD10CM_SYSTEM) },
    { code: `${prefix}rxnorm`, type: 'token', expression: `${base}.${CONCEPT(RXNORM_SYSTEM)}.extension('coding').value`, values: (r) => codings(mentions(r, which), RXNORM_SYSTEM) },
    { code: `${prefix}entity-text`, type: 'string', expression: `${base}.extension('text').value`, values: (r) => mentions(r, which).map((e) => e.Text) },
    { code: `${prefix}category`, type: 'token', expression: `${base}.extension('category').value`, values: (r) => mentions(r, which).map((e) => e.Category) },
    { code: `${prefix}type`, type: 'token', expression: `${base}.extension('type').value`, values: (r) => mentions(r, which).map((e) => e.Type) },
    { code: `${prefix}score`, type: 'number', expression: `${base}.extension('score').value`, values: (r) => mentions(r, which).map((e) => e.Score) },
  ];
}

const element = (key: keyof ConceptElement): CompiledExpression => (context) => [(context as ConceptElement)[key]];

function conceptComposite(code: string, system: string, pick: (r: ParsedResult) => ConceptElement[]): NlpParam {
  const branch: CompositeBranch = {
    expression: `${ASSERTED}.${CONCEPT(system)}`,
    select: (_context, resource) => pick(parsed(resource)),
    components: [
      { param: `${code}$0`, type: 'token', expression: "extension('coding').value", compiled: element('coding'), evaluate: element('coding') },
      { param: `${code}$1`, type: 'number', expression: "extension('score').value", compiled: element('score'), evaluate: element('score') },
    ],
  };
  return { code, type: 'composite', expression: branch.expression, composite: [branch] };
}

/** HealthLake's simple NLP parameters (reference-shapes.md): every mention, negated included. */
function healthLakeParams(): NlpParam[] {
  const infer = (name: 'icd10cm' | 'rxnorm', system: string): NlpParam[] => {
    const of = (r: object) => withConcepts(mentions(r, 'all'), system);
    const hl = `DocumentReference.extension('http://healthlake.amazonaws.com/aws-cm/').extension('http://healthlake.amazonaws.com/aws-cm/infer-${name === 'icd10cm' ? 'icd10' : 'rxnorm'}/')`;
    return [
      { code: `infer-${name}-entity-text`, type: 'string', expression: `${hl}.extension().where(url.endsWith('-entity')).extension().where(url.endsWith('-entity-text')).value`, values: (r) => of(r).map((e) => e.Text) },
      { code: `infer-${name}-entity-score`, type: 'number', expression: `${hl}...-entity-score`, values: (r) => of(r).map((e) => e.Score) },
      { code: `infer-${name}-concept-code`, type: 'token', expression: `${hl}...-Concept-Code`, values: (r) => codings(of(r), system) },
      { code: `infer-${name}-concept-description`, type: 'string', expression: `${hl}...-Concept-Description`, values: (r) => concepts(of(r), system).map((c) => c.Description).filter((d) => d !== '') },
      { code: `infer-${name}-concept-score`, type: 'number', expression: `${hl}...-Concept-Score`, values: (r) => concepts(of(r), system).map((c) => c.Score) },
    ];
  };
  const detect = `DocumentReference.extension('http://healthlake.amazonaws.com/aws-cm/').extension('http://healthlake.amazonaws.com/aws-cm/detect-entities/')...`;
  return [
    ...infer('icd10cm', ICD10CM_SYSTEM),
    ...infer('rxnorm', RXNORM_SYSTEM),
    { code: 'detectEntities-entity-text', type: 'string', expression: `${detect}-entity-text`, values: (r) => mentions(r, 'all').map((e) => e.Text) },
    { code: 'detectEntities-entity-category', type: 'token', expression: `${detect}-entity-category`, values: (r) => mentions(r, 'all').map((e) => e.Category) },
    { code: 'detectEntities-entity-type', type: 'token', expression: `${detect}-entity-type`, values: (r) => mentions(r, 'all').map((e) => e.Type) },
    { code: 'detectEntities-entity-score', type: 'number', expression: `${detect}-entity-score`, values: (r) => mentions(r, 'all').map((e) => e.Score) },
  ];
}

function allParams(): NlpParam[] {
  return [
    ...hearthParams('nlp-', 'asserted', ASSERTED),
    {
      code: 'nlp-trait',
      type: 'token',
      expression: `${ASSERTED}.extension('trait').where(extension('score').value >= ${TRAIT_PRESENT}).extension('name').value`,
      values: (r) => mentions(r, 'asserted').flatMap((e) => e.Traits.filter((t) => t.Score >= TRAIT_PRESENT).map((t) => t.Name)),
    },
    ...hearthParams('nlp-negated-', 'negated', NEGATED).filter((p) => !p.code.endsWith('score')),
    conceptComposite('nlp-icd10cm-score', ICD10CM_SYSTEM, (r) => r.icd10),
    conceptComposite('nlp-rxnorm-score', RXNORM_SYSTEM, (r) => r.rxnorm),
    ...healthLakeParams(),
  ];
}

let definitions: SearchParamDef[] | undefined;

/**
 * The NLP parameters as the engine's definitions, for DocumentReference. Indexed only when the
 * resource has `extension` (elements), evaluated by the same function in both extraction modes.
 */
export function nlpSearchParamDefs(resourceType: string): readonly SearchParamDef[] {
  if (resourceType !== BASE) return [];
  definitions ??= allParams().map((p): SearchParamDef => {
    const def: SearchParamDef = { code: p.code, type: p.type, url: `${DEFINITION_BASE}${p.code}`, expression: p.expression, targets: [], elements: ['extension'] };
    if (p.values) {
      const values = p.values;
      def.compiled = (_context, resource) => values(resource);
      def.evaluate = (resource) => values(resource);
    }
    // Composites are expanded by their components (search/extract.ts compositeRows).
    if (p.composite) def.composite = p.composite;
    return def;
  });
  return definitions;
}

/** The codes of nlp-score's same-entity partners, and the composite each becomes. */
const SCORED_CODES: Readonly<Record<string, string>> = { 'nlp-icd10cm': 'nlp-icd10cm-score', 'nlp-rxnorm': 'nlp-rxnorm-score' };

/**
 * search.html#escaping: a value split at its unescaped commas, each alternative kept as written
 * (escapes stay, so it can go into a composite as is) except that a bare `$` is escaped: in a
 * composite it would separate components.
 */
function alternatives(value: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + value[i + 1]!;
      i++;
    } else if (ch === ',') {
      out.push(current);
      current = '';
    } else current += ch === '$' ? '\\$' : ch;
  }
  out.push(current);
  return out;
}

/**
 * `DocumentReference?nlp-icd10cm=I10&nlp-score=ge0.99` means ONE mention coded I10 at a concept
 * score ≥ 0.99 (not: some mention coded I10 and some other mention scoring ≥ 0.99). When the
 * request has `nlp-score` and `nlp-icd10cm` or `nlp-rxnorm` (without modifiers), each code
 * parameter becomes the same-entity composite with each `nlp-score` value: `nlp-icd10cm=A,B` with
 * `nlp-score=ge0.9` → `nlp-icd10cm-score=A$ge0.9,B$ge0.9` (ORed scores: every pair); repeated `nlp-score` parameters give
 * one composite each (ANDed, so each may hold on a different mention coded A or B). Alone,
 * `nlp-score` is the score of any asserted mention. Other requests pass unchanged.
 */
export function rewriteNlpSearch(resourceType: string, pairs: Array<[string, string]>): Array<[string, string]> {
  if (resourceType !== BASE) return pairs;
  const scores = pairs.filter(([name]) => name === 'nlp-score').map(([, value]) => value);
  const hasPartner = pairs.some(([name]) => SCORED_CODES[name] !== undefined);
  if (scores.length === 0 || !hasPartner) return pairs;
  const out: Array<[string, string]> = [];
  for (const [name, value] of pairs) {
    if (name === 'nlp-score') continue;
    const composite = SCORED_CODES[name];
    if (composite === undefined) {
      out.push([name, value]);
      continue;
    }
    for (const score of scores) {
      const tuples = alternatives(value).flatMap((code) => alternatives(score).map((bound) => `${code}$${bound}`));
      out.push([composite, tuples.join(',')]);
    }
  }
  return out;
}
