/**
 * The query builder's state and its query string, both ways (docs/query.md): rows of
 * `code[:modifier][.chained]=[prefix]value`, `_include`/`_revinclude`, `_sort`, `_count`, and on
 * DocumentReference an "Entities" group that maps to Hearth's NLP parameters
 * (docs/nlp-results.md §3: `nlp-icd10cm=I10&nlp-score=ge0.9`, `nlp-negated-icd10cm=I10`,
 * `nlp-category=MEDICAL_CONDITION`). A `_has` row (search.html#has, reverse chaining) is a row
 * whose parameter is on the referring type: `_has:Observation:subject:code=1234-5`, nested
 * `_has:Observation:subject:_has:Provenance:target:agent=...`. Anything the builder has no control
 * for stays a row with its name as written, so a raw query never loses a parameter on the way
 * through the builder.
 */

/** One step of a `_has`: resources of `type` whose reference parameter `param` points to the resources of the step before. */
export interface HasLink {
  type: string;
  param: string;
}

export interface ParamRow {
  /** Stable React key. */
  key: number;
  /** `_has` steps, outermost first (empty: a parameter of the searched type itself); code, modifier and chain are then on the last step's type. */
  has: HasLink[];
  /** The parameter code (`code`, `subject`, `_lastUpdated`), or a whole name the builder does not take apart. */
  code: string;
  modifier: string;
  /** Chained parameter (search.html#chaining): `subject:Patient.name` has modifier `Patient`, chain `name`. */
  chain: string;
  /** search.html#prefix (`ge`), only on date, number and quantity parameters. */
  prefix: string;
  value: string;
}

export interface EntityFilter {
  system: 'ICD10CM' | 'RXNORM';
  code: string;
  /** Shown beside the code; not part of the query. */
  display: string;
  negated: boolean;
  /** At least this concept score (asserted mentions only: there is no negated score parameter). */
  minScore?: number;
  /** `nlp-category` / `nlp-negated-category`. */
  category: string;
}

export interface BuilderState {
  resourceType: string;
  rows: ParamRow[];
  includes: string[];
  revIncludes: string[];
  /** `_sort` as written (`-date,code`). */
  sort: string;
  count?: number;
  /** Other controls kept as written (`_total`, `_summary`, `_elements`). */
  extras: Array<[string, string]>;
  entities?: EntityFilter;
}

let nextKey = 1;
export function newRow(partial: Partial<Omit<ParamRow, 'key'>> = {}): ParamRow {
  return { key: nextKey++, has: [], code: '', modifier: '', chain: '', prefix: '', value: '', ...partial };
}

export function emptyState(resourceType = 'Patient'): BuilderState {
  return { resourceType, rows: [], includes: [], revIncludes: [], sort: '', extras: [] };
}

const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[-+0-9.])/;

/** The parameter name a row writes: `[_has:Type:param:]...code[:modifier][.chain]`. */
export function rowName(row: ParamRow): string {
  const has = row.has.map((link) => `_has:${link.type}:${link.param}:`).join('');
  return `${has}${row.code}${row.modifier ? `:${row.modifier}` : ''}${row.chain ? `.${row.chain}` : ''}`;
}

/** The type a row's parameter belongs to: the last `_has` step's, else the searched type. */
export function rowType(row: ParamRow, resourceType: string): string {
  return row.has.at(-1)?.type ?? resourceType;
}

function entityPairs(entities: EntityFilter): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const system = entities.system === 'ICD10CM' ? 'icd10cm' : 'rxnorm';
  if (entities.code) pairs.push([entities.negated ? `nlp-negated-${system}` : `nlp-${system}`, entities.code]);
  if (entities.category) pairs.push([entities.negated ? 'nlp-negated-category' : 'nlp-category', entities.category]);
  if (!entities.negated && entities.minScore !== undefined) pairs.push(['nlp-score', `ge${entities.minScore}`]);
  return pairs;
}

/** The pairs of the query, in the order the builder shows them. */
export function toPairs(state: BuilderState): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const row of state.rows) {
    if (!row.code || (row.value === '' && row.modifier !== 'missing') || row.has.some((link) => !link.type || !link.param)) continue;
    pairs.push([rowName(row), `${row.prefix}${row.value}`]);
  }
  if (state.entities && state.resourceType === 'DocumentReference') pairs.push(...entityPairs(state.entities));
  for (const include of state.includes) pairs.push(['_include', include]);
  for (const include of state.revIncludes) pairs.push(['_revinclude', include]);
  if (state.sort) pairs.push(['_sort', state.sort]);
  if (state.count !== undefined) pairs.push(['_count', String(state.count)]);
  pairs.push(...state.extras);
  return pairs;
}

/**
 * Percent-encodes what must be (`&`, `=`, `#`, `%`, `+`, spaces, non-ASCII) and leaves the
 * characters FHIR queries are read with (`:`, `|`, `$`, `,`, `/`), so the string stays legible.
 */
function encodePart(text: string): string {
  return encodeURIComponent(text).replace(/%(3A|7C|24|2C|2F)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function toQuery(state: BuilderState): string {
  const pairs = toPairs(state);
  if (pairs.length === 0) return state.resourceType;
  return `${state.resourceType}?${pairs.map(([k, v]) => `${encodePart(k)}=${encodePart(v)}`).join('&')}`;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * `Type?a=1&b=2` → the builder's state; undefined when it does not start with a resource type.
 * `prefixTypes` says which codes take prefixes (date, number, quantity), so `ge2020` splits into
 * prefix and value only where the engine reads a prefix.
 */
export function fromQuery(query: string, prefixCodes: ReadonlySet<string> = new Set()): BuilderState | undefined {
  const text = query.trim().replace(/^\//, '');
  const mark = text.indexOf('?');
  const resourceType = mark === -1 ? text : text.slice(0, mark);
  if (!TYPE.test(resourceType)) return undefined;
  const state = emptyState(resourceType);
  const rest = mark === -1 ? '' : text.slice(mark + 1);
  const pairs: Array<[string, string]> = rest
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
    });
  const entity: Partial<EntityFilter> = {};
  let entityUsed = false;
  for (const [name, value] of pairs) {
    if (name === '_include') state.includes.push(value);
    else if (name === '_revinclude') state.revIncludes.push(value);
    else if (name === '_sort') state.sort = value;
    else if (name === '_count' && /^\d{1,4}$/.test(value)) state.count = Number(value);
    else if (name === '_total' || name === '_summary' || name === '_elements' || name === '_offset') state.extras.push([name, value]);
    else if (resourceType === 'DocumentReference' && takeEntity(entity, name, value)) entityUsed = true;
    else state.rows.push(parseRow(name, value, prefixCodes));
  }
  if (entityUsed) {
    state.entities = {
      system: entity.system ?? 'ICD10CM',
      code: entity.code ?? '',
      display: '',
      negated: entity.negated ?? false,
      category: entity.category ?? '',
      ...(entity.minScore !== undefined ? { minScore: entity.minScore } : {}),
    };
  }
  return state;
}

/** One NLP pair into the entity group, when it is the kind the group writes (one code, one category, one score). */
function takeEntity(entity: Partial<EntityFilter>, name: string, value: string): boolean {
  const code = /^nlp-(negated-)?(icd10cm|rxnorm)$/.exec(name);
  if (code && entity.code === undefined && !value.includes(',') && (entity.negated === undefined || entity.negated === Boolean(code[1]))) {
    entity.code = value;
    entity.system = code[2] === 'icd10cm' ? 'ICD10CM' : 'RXNORM';
    entity.negated = Boolean(code[1]);
    return true;
  }
  const category = /^nlp-(negated-)?category$/.exec(name);
  if (category && entity.category === undefined && (entity.negated === undefined || entity.negated === Boolean(category[1]))) {
    entity.category = value;
    entity.negated = Boolean(category[1]);
    return true;
  }
  const score = /^ge(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(value);
  if (name === 'nlp-score' && score && entity.minScore === undefined && entity.negated !== true) {
    entity.minScore = Number(score[1]);
    entity.negated = false;
    return true;
  }
  return false;
}

const HAS_STEP = /^_has:([A-Z][A-Za-z]{1,63}):([A-Za-z0-9_-][A-Za-z0-9._-]*):(.+)$/s;

export function parseRow(name: string, value: string, prefixCodes: ReadonlySet<string>): ParamRow {
  if (name.startsWith('_has:')) {
    // `_has:Type:param:rest`, nested as long as rest starts with `_has:`; the prefix of the innermost
    // parameter stays in the value (its type is not known here). A malformed one stays whole.
    const has: HasLink[] = [];
    let rest = name;
    for (let step = HAS_STEP.exec(rest); step; step = HAS_STEP.exec(rest)) {
      has.push({ type: step[1]!, param: step[2]! });
      rest = step[3]!;
    }
    if (has.length === 0 || rest.startsWith('_has:')) return newRow({ code: name, value });
    return { ...parseRow(rest, value, new Set()), has };
  }
  const dot = name.indexOf('.');
  const head = dot === -1 ? name : name.slice(0, dot);
  const chain = dot === -1 ? '' : name.slice(dot + 1);
  const colon = head.indexOf(':');
  const code = colon === -1 ? head : head.slice(0, colon);
  const modifier = colon === -1 ? '' : head.slice(colon + 1);
  const prefix = chain === '' && prefixCodes.has(code) ? (PREFIX.exec(value)?.[1] ?? '') : '';
  return newRow({ code, modifier, chain, prefix, value: value.slice(prefix.length) });
}

/**
 * The state with the search prefix (`ge2020` → `ge` + `2020`) split off each row's value where
 * the parameter takes one, for when the type's parameters arrive after the rows were made. Every
 * row stays, with its key: one just added and still empty, or half filled, writes nothing to the
 * query, so re-reading the query instead would drop it (on a slow machine the parameters arrive
 * after the user clicked "Add parameter"). The same state when nothing splits.
 */
export function splitPrefixes(state: BuilderState, prefixCodes: ReadonlySet<string>): BuilderState {
  let changed = false;
  const rows = state.rows.map((row) => {
    if (row.prefix !== '' || row.chain !== '' || row.has.length > 0 || !prefixCodes.has(row.code)) return row;
    const prefix = PREFIX.exec(row.value)?.[1];
    if (!prefix) return row;
    changed = true;
    return { ...row, prefix, value: row.value.slice(prefix.length) };
  });
  return changed ? { ...state, rows } : state;
}

/** The rows of the state whose parameter an OperationOutcome names (issue.expression), by key. */
export function rowsNamedBy(state: BuilderState, expressions: readonly string[]): Set<number> {
  const keys = new Set<number>();
  for (const row of state.rows) {
    const name = rowName(row);
    // A `_has` row's code is on another type: only its whole name (or its first 80 characters, as the engine cuts it) names it.
    const named = row.has.length > 0 ? (e: string) => e === name || e === name.slice(0, 80) : (e: string) => e === name || e === row.code || e === `${row.code}:${row.modifier}`;
    if (row.code !== '' && expressions.some(named)) keys.add(row.key);
  }
  return keys;
}
