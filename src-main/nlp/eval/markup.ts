/**
 * The dev set's inline annotation markup (docs/nlp-eval.md), and its conversion to gold entities in
 * Comprehend Medical's shape with exact offsets.
 *
 *   Pt [denies]? [chest pain]{DX|NEG,SYM|icd=R07.9} or [SOB]{DX|NEG,SYM|icd=R06.02}.
 *   [Metformin]{GEN|rx=6809:metformin} [500 mg]{STRENGTH} [PO]{ROUTE} [BID]{FREQ}
 *   [Pain]{DX#p|SYM|icd=M25.561} in the [right]{DIR@p} [knee]{SITE@p}.
 *
 * `[surface]{SPEC}` marks a span; SPEC is `TYPE[#label][@parent]` followed by `|`-separated parts:
 * a comma list of traits, `icd=CODE[:description]`, or `rx=RXCUI:name`. The surface text is kept,
 * the markup removed. Medication attributes (DOSAGE, STRENGTH, ...) and test values/units are
 * attributes only: they attach to `@parent`, else to the nearest medication (resp. test) before them
 * on the same line. Anatomy and time expressions are entities, and also attributes of `@parent`
 * when one is named. `\[`, `\]`, `\{`, `\}` and `\\` write the character itself.
 */
import { ENTITY_TYPES, TRAIT_NAMES, type Attribute, type AttributeType, type Concept, type Entity, type EntityCategory, type EntityType, type TraitName } from '../types';

export class MarkupError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${source}:${line}:${column}: ${message}`);
    this.name = 'MarkupError';
  }
}

/** Short names annotators may write for the longer Comprehend type names. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  DX: 'DX_NAME',
  GEN: 'GENERIC_NAME',
  GENERIC: 'GENERIC_NAME',
  BRAND: 'BRAND_NAME',
  SITE: 'SYSTEM_ORGAN_SITE',
  DIR: 'DIRECTION',
  TEST: 'TEST_NAME',
  VAL: 'TEST_VALUE',
  VALUE: 'TEST_VALUE',
  UNIT: 'TEST_UNIT',
  PROC: 'PROCEDURE_NAME',
  TREAT: 'TREATMENT_NAME',
  PHONE: 'PHONE_OR_FAX',
  DOSE: 'DOSAGE',
  ROUTE: 'ROUTE_OR_MODE',
  FREQ: 'FREQUENCY',
  TIME_DX: 'TIME_TO_DX_NAME',
  TIME_MED: 'TIME_TO_MEDICATION_NAME',
  TIME_TEST: 'TIME_TO_TEST_NAME',
  TIME_PROC: 'TIME_TO_PROCEDURE_NAME',
  TIME_TREAT: 'TIME_TO_TREATMENT_NAME',
};

const TRAIT_ALIASES: Readonly<Record<string, TraitName>> = {
  NEG: 'NEGATION',
  HYP: 'HYPOTHETICAL',
  PAST: 'PAST_HISTORY',
  FAM: 'PERTAINS_TO_FAMILY',
  FUT: 'FUTURE',
  SYM: 'SYMPTOM',
  DIAG: 'DIAGNOSIS',
  LOWC: 'LOW_CONFIDENCE',
};

/** Attribute-only types and what they attach to by default. */
const MEDICATION_ATTRIBUTES: ReadonlySet<string> = new Set(['DOSAGE', 'STRENGTH', 'ROUTE_OR_MODE', 'FREQUENCY', 'DURATION', 'FORM', 'RATE']);
const TEST_ATTRIBUTES: ReadonlySet<string> = new Set(['TEST_VALUE', 'TEST_UNIT']);

const CATEGORY_OF_TYPE = new Map<string, EntityCategory>(
  (Object.entries(ENTITY_TYPES) as Array<[EntityCategory, readonly string[]]>).flatMap(([category, types]) => types.map((type) => [type, category] as const)),
);
const TRAITS: ReadonlySet<string> = new Set(TRAIT_NAMES);
const ICD10CM_CODE = /^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$/;
const RXCUI = /^[0-9]{1,9}$/;

interface RawSpan {
  begin: number;
  end: number;
  spec: string;
  line: number;
  column: number;
}

interface ParsedSpec {
  type: string;
  label?: string;
  parent?: string;
  traits: TraitName[];
  icd?: Concept;
  rx?: Concept;
}

/** Removes the markup: the plain text and the annotated spans with their specs. */
function scan(markup: string, source: string, firstLine: number): { text: string; spans: RawSpan[] } {
  let text = '';
  const spans: RawSpan[] = [];
  let open: { begin: number; line: number; column: number } | undefined;
  let line = firstLine;
  let lineStart = 0;
  for (let i = 0; i < markup.length; i++) {
    const ch = markup[i]!;
    const column = i - lineStart + 1;
    if (ch === '\\') {
      const next = markup[i + 1];
      if (next === undefined || !'[]{}\\'.includes(next)) throw new MarkupError('"\\" escapes only [ ] { } and \\', source, line, column);
      text += next;
      i++;
    } else if (ch === '[') {
      if (open) throw new MarkupError('spans cannot nest: "[" inside an open span', source, line, column);
      open = { begin: text.length, line, column };
    } else if (ch === ']') {
      if (!open) throw new MarkupError('"]" without "["', source, line, column);
      if (markup[i + 1] !== '{') throw new MarkupError('"]" must be followed by "{TYPE...}"', source, line, column);
      const close = markup.indexOf('}', i + 2);
      const newline = markup.indexOf('\n', i + 2);
      if (close < 0 || (newline >= 0 && newline < close)) throw new MarkupError('unclosed "{"', source, line, column + 1);
      if (open.begin === text.length) throw new MarkupError('empty span', source, open.line, open.column);
      spans.push({ begin: open.begin, end: text.length, spec: markup.slice(i + 2, close), line: open.line, column: open.column });
      open = undefined;
      i = close;
    } else if (ch === '{' || ch === '}') {
      throw new MarkupError(`stray "${ch}" (write \\${ch} for the character)`, source, line, column);
    } else {
      if (ch === '\n') {
        if (open) throw new MarkupError('a span cannot cross a line break', source, open.line, open.column);
        line++;
        lineStart = i + 1;
      }
      text += ch;
    }
  }
  if (open) throw new MarkupError('unclosed "["', source, open.line, open.column);
  return { text, spans };
}

function parseSpec(raw: RawSpan, source: string): ParsedSpec {
  const fail = (message: string): never => {
    throw new MarkupError(`${message} in {${raw.spec}}`, source, raw.line, raw.column);
  };
  const [head = '', ...parts] = raw.spec.split('|').map((part) => part.trim());
  const match = /^([A-Z_]+)(?:#(\w+))?(?:@(\w+))?$/.exec(head);
  if (!match) return fail('expected TYPE[#label][@parent]');
  const type = TYPE_ALIASES[match[1]!] ?? match[1]!;
  if (!CATEGORY_OF_TYPE.has(type) && !MEDICATION_ATTRIBUTES.has(type)) fail(`unknown type ${match[1]}`);
  const spec: ParsedSpec = { type, traits: [] };
  if (match[2]) spec.label = match[2];
  if (match[3]) spec.parent = match[3];
  for (const part of parts) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    if (equals >= 0) {
      const key = part.slice(0, equals).trim();
      const value = part.slice(equals + 1).trim();
      const colon = value.indexOf(':');
      const code = (colon >= 0 ? value.slice(0, colon) : value).trim();
      const description = colon >= 0 ? value.slice(colon + 1).trim() : '';
      if (key === 'icd') {
        if (!ICD10CM_CODE.test(code)) fail(`not an ICD-10-CM code: ${code}`);
        if (CATEGORY_OF_TYPE.get(type) !== 'MEDICAL_CONDITION') fail('icd= belongs on a MEDICAL_CONDITION');
        spec.icd = { Code: code, Description: description, Score: 1 };
      } else if (key === 'rx') {
        if (!RXCUI.test(code)) fail(`not an RXCUI: ${code}`);
        if (description === '') fail('rx= needs the RxNorm name after ":" (rx=6809:metformin)');
        if (CATEGORY_OF_TYPE.get(type) !== 'MEDICATION') fail('rx= belongs on a MEDICATION');
        spec.rx = { Code: code, Description: description, Score: 1 };
      } else {
        fail(`unknown key ${key}`);
      }
    } else {
      for (const name of part.split(',').map((t) => t.trim()).filter(Boolean)) {
        const trait = TRAIT_ALIASES[name] ?? name;
        if (!TRAITS.has(trait)) fail(`unknown trait ${name}`);
        spec.traits.push(trait as TraitName);
      }
    }
  }
  return spec;
}

function isAttributeOnly(type: string): boolean {
  return MEDICATION_ATTRIBUTES.has(type) || TEST_ATTRIBUTES.has(type);
}

/**
 * Converts one annotated text (a sentence, or a whole note) to its plain text and gold entities,
 * Ids in order of appearance, entities sorted by BeginOffset. Throws MarkupError (with the line and
 * column in `source`) on any malformed or ambiguous annotation.
 */
export function parseAnnotated(markup: string, source = 'markup', firstLine = 1): { text: string; entities: Entity[] } {
  const { text, spans } = scan(markup, source, firstLine);
  const parsed = spans.map((raw) => ({ raw, spec: parseSpec(raw, source) }));
  const labelled = new Map<string, Entity>();
  const entities: Entity[] = [];
  const entityOfSpan = new Map<number, Entity>();
  let nextId = 0;
  const ids = new Map<number, number>();
  parsed.forEach((_, index) => ids.set(index, nextId++));

  parsed.forEach(({ raw, spec }, index) => {
    if (isAttributeOnly(spec.type)) return;
    const category = CATEGORY_OF_TYPE.get(spec.type)!;
    const entity: Entity = {
      Id: ids.get(index)!,
      Text: text.slice(raw.begin, raw.end),
      Category: category,
      Type: spec.type as EntityType,
      Score: 1,
      BeginOffset: raw.begin,
      EndOffset: raw.end,
      Traits: spec.traits.map((Name) => ({ Name, Score: 1 })),
    };
    if (spec.icd) entity.ICD10CMConcepts = [spec.icd];
    if (spec.rx) entity.RxNormConcepts = [spec.rx];
    if (spec.label) {
      if (labelled.has(spec.label)) throw new MarkupError(`label #${spec.label} used twice`, source, raw.line, raw.column);
      labelled.set(spec.label, entity);
    }
    entities.push(entity);
    entityOfSpan.set(index, entity);
  });

  parsed.forEach(({ raw, spec }, index) => {
    const attributeOnly = isAttributeOnly(spec.type);
    if (!attributeOnly && spec.parent === undefined) return;
    if (attributeOnly && (spec.traits.length > 0 || spec.label)) throw new MarkupError(`${spec.type} is an attribute: no traits or label`, source, raw.line, raw.column);
    let parent: Entity | undefined;
    if (spec.parent !== undefined) {
      parent = labelled.get(spec.parent);
      if (!parent) throw new MarkupError(`no entity labelled #${spec.parent}`, source, raw.line, raw.column);
    } else {
      // The nearest medication (or test) before the attribute on the same line.
      const wanted = (e: Entity) => (MEDICATION_ATTRIBUTES.has(spec.type) ? e.Category === 'MEDICATION' : e.Type === 'TEST_NAME');
      for (let j = index - 1; j >= 0; j--) {
        const candidate = entityOfSpan.get(j);
        if (parsed[j]!.raw.line !== raw.line) break;
        if (candidate && wanted(candidate)) {
          parent = candidate;
          break;
        }
      }
      if (!parent) throw new MarkupError(`${spec.type} has no ${MEDICATION_ATTRIBUTES.has(spec.type) ? 'medication' : 'test'} before it on its line: name one with @label`, source, raw.line, raw.column);
    }
    const attribute: Attribute = {
      Id: attributeOnly ? ids.get(index)! : entityOfSpan.get(index)!.Id,
      Type: (spec.type.startsWith('TIME_TO_') ? 'TIME_EXPRESSION' : spec.type) as AttributeType,
      Category: attributeOnly ? (MEDICATION_ATTRIBUTES.has(spec.type) ? 'MEDICATION' : 'TEST_TREATMENT_PROCEDURE') : CATEGORY_OF_TYPE.get(spec.type)!,
      Score: 1,
      RelationshipScore: 1,
      RelationshipType: spec.type.startsWith('TIME_TO_') ? 'TIME_EXPRESSION' : spec.type,
      BeginOffset: raw.begin,
      EndOffset: raw.end,
      Text: text.slice(raw.begin, raw.end),
      Traits: [],
    };
    (parent.Attributes ??= []).push(attribute);
  });

  entities.sort((a, b) => a.BeginOffset - b.BeginOffset || a.EndOffset - b.EndOffset);
  for (const entity of entities) entity.Attributes?.sort((a, b) => a.BeginOffset - b.BeginOffset);
  return { text, entities };
}
