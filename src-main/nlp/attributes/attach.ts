/**
 * `attachAttributes(doc, mentions, spans)`: which attribute belongs to which entity, following
 * the sample gold (docs/sample-data.md):
 * - medication attributes (dose, strength, route, frequency, duration, form, rate) go to the
 *   medication they follow in the same sentence or list item, never across another medication
 *   or a test ("metformin 500 mg PO BID"); a span before a medication goes to it when close
 *   ("500 mg of metformin");
 * - a test's value and unit go to the test right before them ("BP 142/88", "creatinine of 1.4
 *   mg/dL", "O2 sat 98%"): only filler words may stand between;
 * - anatomy sites and directions (ANATOMY mentions) go to the nearest condition, test or
 *   procedure of their sentence ("crackles at the right lung base");
 * - time expressions ("cough for 3 days") become TIME_EXPRESSION entities typed by what they
 *   relate to (TIME_TO_DX_NAME...), for medications "for 7 days" is a DURATION instead.
 * Each span reading that finds no owner is dropped; overlapping readings are settled by how
 * sure the attachment is. Linear: every owner search looks at a bounded number of neighbours.
 */
import type { AttributeSpan, AttributeType, EntityCategory, EntityType, Mention, NlpDocument } from '../types';
import { MEDICATION_ATTRIBUTE_TYPES, type AttachedAttribute, type AttachedAttributes } from './types';

const MEDICATION_TYPES: ReadonlySet<AttributeType> = new Set(MEDICATION_ATTRIBUTE_TYPES);
const CLINICAL: ReadonlySet<EntityCategory> = new Set(['MEDICAL_CONDITION', 'MEDICATION', 'TEST_TREATMENT_PROCEDURE', 'ANATOMY', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL']);
/** How far (characters) an owner may be from its attribute, and how many mentions an owner search steps over. */
const MAX_DISTANCE = 80;
const MAX_STEPS = 12;
/** What may stand between a test and its value: "of", "is", ":", "was", "today"... */
const VALUE_FILLER = /^[\s:=(),<>≤≥-]{0,6}(?:(?:of|is|was|were|are|at|level|levels|value|result|reading|measured|now|today|to|from|about|approximately|~|on\s(?:admission|arrival)|remains?|stable|improved|increased|decreased|rose|fell|peaked|dropped|trended|up\sto|down\sto)[\s:=<>]{0,4}){0,3}$/i;

const TIME_TYPE: Readonly<Partial<Record<EntityType, EntityType>>> = {
  DX_NAME: 'TIME_TO_DX_NAME',
  GENERIC_NAME: 'TIME_TO_MEDICATION_NAME',
  BRAND_NAME: 'TIME_TO_MEDICATION_NAME',
  TEST_NAME: 'TIME_TO_TEST_NAME',
  PROCEDURE_NAME: 'TIME_TO_PROCEDURE_NAME',
  TREATMENT_NAME: 'TIME_TO_TREATMENT_NAME',
};

/** Sentence (or, without sentences, line) number of each offset, by binary search over their starts. */
class Scopes {
  private readonly starts: number[];

  constructor(doc: Pick<NlpDocument, 'text' | 'sentences'>) {
    if (doc.sentences.length > 0) {
      this.starts = doc.sentences.map((s) => s.begin);
    } else {
      // No sentences given (a caller without the text stage): lines, and ". " before a capital.
      this.starts = [0];
      const boundary = /\n|[.!?]\s+(?=[A-Z])/g;
      for (let m = boundary.exec(doc.text); m !== null; m = boundary.exec(doc.text)) this.starts.push(m.index + m[0].length);
    }
  }

  of(offset: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

interface Reading {
  span: AttributeSpan;
  owner: number;
  category: EntityCategory;
  relationshipScore: number;
  /** Ties between readings of one span: a medication's DURATION over a TIME_EXPRESSION. */
  priority: number;
  mentionIndex?: number;
}

export function attachAttributes(doc: Pick<NlpDocument, 'text' | 'sentences'>, mentions: readonly Mention[], spans: readonly AttributeSpan[]): AttachedAttributes {
  const text = doc.text;
  const scopes = new Scopes(doc);
  // Clinical mentions in text order; `order` maps back to the caller's indexes.
  const order = mentions
    .map((m, i) => i)
    .filter((i) => CLINICAL.has(mentions[i]!.category))
    .sort((a, b) => mentions[a]!.begin - mentions[b]!.begin || mentions[b]!.end - mentions[a]!.end);
  const begins = order.map((i) => mentions[i]!.begin);
  const scopeOf = order.map((i) => scopes.of(mentions[i]!.begin));

  /** Position in `order` of the first mention that begins at or after `offset`. */
  const firstAtOrAfter = (offset: number) => {
    let lo = 0;
    let hi = begins.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (begins[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /**
   * True when the span crosses a recognised entity or lies inside one ("5 mg" inside a product
   * name). An entity wholly inside the span does not count: "L" in "mmol/L", "pain" in "as needed
   * for pain", "stomach" in "on an empty stomach".
   */
  const overlapsMention = (span: { begin: number; end: number }) => {
    const k = firstAtOrAfter(span.end) - 1;
    for (let j = k; j >= 0 && j > k - MAX_STEPS; j--) {
      const m = mentions[order[j]!]!;
      if (m.end <= span.begin || m.begin >= span.end) continue;
      const inside = m.begin >= span.begin && m.end <= span.end && m.end - m.begin < span.end - span.begin;
      if (!inside) return true;
    }
    return false;
  };

  const readings: Reading[] = [];
  for (const span of spans) {
    // An attribute never overlaps a recognised entity ("5 mg" inside a drug name, "BP" read as a unit).
    if (overlapsMention(span)) continue;
    const scope = scopes.of(span.begin);
    const after = firstAtOrAfter(span.end);
    const before = after - 1;
    if (MEDICATION_TYPES.has(span.type)) {
      const owner = medicationOwner(span, scope, before, after);
      if (owner) readings.push({ span, owner: owner.index, category: 'MEDICATION', relationshipScore: owner.score, priority: 2 });
    } else if (span.type === 'TEST_VALUE' || span.type === 'TEST_UNIT') {
      const owner = testOwner(span, scope, before);
      if (owner !== undefined) readings.push({ span, owner, category: 'TEST_TREATMENT_PROCEDURE', relationshipScore: 0.9, priority: span.type === 'TEST_VALUE' ? 2 : 1 });
    } else if (span.type === 'TIME_EXPRESSION') {
      const owner = timeOwner(span, scope, before, after);
      if (owner) readings.push({ span, owner: owner.index, category: 'TIME_EXPRESSION', relationshipScore: owner.score, priority: 1 });
    }
  }

  function medicationOwner(span: AttributeSpan, scope: number, before: number, after: number): { index: number; score: number } | undefined {
    // Backwards: the first medication, unless a test or another entity that takes numbers comes first.
    for (let j = before, steps = 0; j >= 0 && steps < MAX_STEPS; j--, steps++) {
      const m = mentions[order[j]!]!;
      if (scopeOf[j] !== scope) break;
      if (m.end > span.begin) continue;
      const distance = span.begin - m.end;
      if (distance > MAX_DISTANCE * 1.5) break;
      if (m.category === 'MEDICATION') return { index: order[j]!, score: distance <= 40 ? 0.95 : 0.8 };
      if (m.category === 'TEST_TREATMENT_PROCEDURE' && m.type === 'TEST_NAME') break;
    }
    // Forwards, close: "500 mg of metformin", "two puffs of albuterol".
    for (let j = after, steps = 0; j < order.length && steps < 3; j++, steps++) {
      const m = mentions[order[j]!]!;
      if (scopeOf[j] !== scope) break;
      const distance = m.begin - span.end;
      if (distance > 15) break;
      if (m.category === 'MEDICATION') return { index: order[j]!, score: 0.8 };
    }
    return undefined;
  }

  function testOwner(span: AttributeSpan, scope: number, before: number): number | undefined {
    let j = before;
    // Step over entities inside the span itself ("L" of "mmol/L").
    while (j >= 0 && mentions[order[j]!]!.end > span.begin) j--;
    if (j < 0 || scopeOf[j] !== scope) return undefined;
    const m = mentions[order[j]!]!;
    if (m.category !== 'TEST_TREATMENT_PROCEDURE' || m.type !== 'TEST_NAME' || m.end > span.begin) return undefined;
    const gap = text.slice(m.end, span.begin);
    if (gap.length > 40) return undefined;
    if (span.type === 'TEST_VALUE') return VALUE_FILLER.test(gap) ? order[j] : undefined;
    // A unit directly follows its value: "93 mg/dL", "98%".
    return /^[\s:=(),-]{0,6}(?:[a-z\s]{0,30}\s)?(?:\d{2,3}\/\d{2,3}|[\d.,]{1,12})\s?$/i.test(gap) ? order[j] : undefined;
  }

  function timeOwner(span: AttributeSpan, scope: number, before: number, after: number): { index: number; score: number } | undefined {
    // "3 days of fever": the complaint follows.
    if (/^\s(?:of|history\sof)\s/.test(text.slice(span.end, span.end + 12))) {
      const next = after < order.length ? mentions[order[after]!]! : undefined;
      if (next && scopeOf[after] === scope && TIME_TYPE[next.type] && next.begin - span.end <= 30) return { index: order[after]!, score: 0.9 };
    }
    for (let j = before, steps = 0; j >= 0 && steps < 4; j--, steps++) {
      const m = mentions[order[j]!]!;
      if (scopeOf[j] !== scope || span.begin - m.end > 60) break;
      if (m.end > span.begin) continue;
      if (TIME_TYPE[m.type]) return { index: order[j]!, score: span.begin - m.end <= 12 ? 0.9 : 0.75 };
    }
    for (let j = after, steps = 0; j < order.length && steps < 3; j++, steps++) {
      const m = mentions[order[j]!]!;
      if (scopeOf[j] !== scope || m.begin - span.end > 30) break;
      if (TIME_TYPE[m.type]) return { index: order[j]!, score: 0.7 };
    }
    return undefined;
  }

  // Anatomy: a site or direction qualifies the condition, test or procedure it is written against.
  const qualifiable = (m: Mention) =>
    m.category === 'MEDICAL_CONDITION' || (m.category === 'TEST_TREATMENT_PROCEDURE' && (m.type === 'TEST_NAME' || m.type === 'PROCEDURE_NAME' || m.type === 'TREATMENT_NAME'));
  const anatomyOwner = (j: number): { index: number; score: number } | undefined => {
    // Forward, adjacent (through more anatomy): "left knee pain", "R lower leg swelling".
    for (let k = j + 1, steps = 0; k < order.length && steps < 3; k++, steps++) {
      const m = mentions[order[k]!]!;
      if (scopeOf[k] !== scopeOf[j] || !/^[\s-]{0,3}$/.test(text.slice(mentions[order[k - 1]!]!.end, m.begin))) break;
      if (m.category === 'ANATOMY') continue;
      if (qualifiable(m)) return { index: order[k]!, score: 0.9 };
      break;
    }
    // Backward, the nearest entity when it is a condition or procedure and nothing ends the phrase
    // between: "crackles at the right lung base", "pneumonia, right lower lobe", "ultrasound of the liver".
    const anatomy = mentions[order[j]!]!;
    for (let k = j - 1, steps = 0; k >= 0 && steps < 4; k--, steps++) {
      const m = mentions[order[k]!]!;
      if (scopeOf[k] !== scopeOf[j]) break;
      if (m.category === 'ANATOMY' || m.end > anatomy.begin) continue;
      if (!qualifiable(m)) break;
      const gap = text.slice(m.end, anatomy.begin);
      if (gap.length > 40 || /[;.:]|\b(?:and|but|no|not|without|denies|then|using|with)\b/i.test(gap)) break;
      return { index: order[k]!, score: gap.length <= 20 ? 0.85 : 0.7 };
    }
    return undefined;
  };
  for (let j = 0; j < order.length; j++) {
    const index = order[j]!;
    const anatomy = mentions[index]!;
    if (anatomy.category !== 'ANATOMY') continue;
    const owner = anatomyOwner(j);
    if (!owner) continue;
    readings.push({
      span: { begin: anatomy.begin, end: anatomy.end, type: anatomy.type === 'DIRECTION' ? 'DIRECTION' : 'SYSTEM_ORGAN_SITE', score: anatomy.score },
      owner: owner.index,
      category: 'ANATOMY',
      relationshipScore: owner.score,
      priority: 1,
      mentionIndex: index,
    });
  }

  // Overlapping readings (a span read two ways, "1 tablet" and "tablet"): the surer attachment, then the longer span.
  readings.sort(
    (a, b) =>
      Math.round(b.relationshipScore * 10) - Math.round(a.relationshipScore * 10) ||
      b.span.end - b.span.begin - (a.span.end - a.span.begin) ||
      b.span.score - a.span.score ||
      b.priority - a.priority,
  );
  const taken = new Uint8Array(text.length);
  const byMention: AttachedAttribute[][] = mentions.map(() => []);
  const timeExpressions: Array<{ mention: Mention; owner: number }> = [];
  for (const reading of readings) {
    const { span } = reading;
    // Anatomy mentions are entities already; they do not compete for characters with attribute spans.
    if (reading.mentionIndex === undefined) {
      let free = true;
      for (let i = span.begin; i < span.end && free; i++) free = taken[i] === 0;
      if (!free) continue;
      taken.fill(1, span.begin, span.end);
    }
    if (span.type === 'TIME_EXPRESSION') {
      const ownerType = TIME_TYPE[mentions[reading.owner]!.type]!;
      timeExpressions.push({ mention: { begin: span.begin, end: span.end, category: 'TIME_EXPRESSION', type: ownerType, score: span.score * reading.relationshipScore }, owner: reading.owner });
      continue;
    }
    byMention[reading.owner]!.push({
      span,
      category: reading.category,
      relationshipType: span.type,
      relationshipScore: reading.relationshipScore,
      ...(reading.mentionIndex !== undefined ? { mentionIndex: reading.mentionIndex } : {}),
    });
  }
  for (const list of byMention) {
    list.sort((a, b) => a.span.begin - b.span.begin);
    // One value per test: the first ("BP 142/88, HR 72" gives BP one value; HR is its own test).
    let values = 0;
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.span.type === 'TEST_VALUE' && ++values > 1) list.splice(i--, 1);
    }
    // A unit whose value went elsewhere (or nowhere) is not a unit of this test.
    for (let i = list.length - 1; i >= 0; i--) {
      const attribute = list[i]!;
      if (attribute.span.type !== 'TEST_UNIT') continue;
      const value = list[i - 1];
      if (!value || value.span.type !== 'TEST_VALUE' || !/^\s?$/.test(text.slice(value.span.end, attribute.span.begin))) list.splice(i, 1);
    }
  }
  timeExpressions.sort((a, b) => a.mention.begin - b.mention.begin);
  // Comprehend (and the hand-annotated dev set) also lists a time expression among its owner's attributes.
  timeExpressions.forEach(({ mention, owner }, k) => {
    const list = byMention[owner]!;
    list.push({
      span: { begin: mention.begin, end: mention.end, type: 'TIME_EXPRESSION', score: mention.score },
      category: 'TIME_EXPRESSION',
      relationshipType: 'TIME_EXPRESSION',
      relationshipScore: mention.score,
      timeExpressionIndex: k,
    });
    list.sort((a, b) => a.span.begin - b.span.begin);
  });
  return { byMention, timeExpressions: timeExpressions.map((t) => t.mention), timeExpressionOf: timeExpressions.map((t) => t.owner) };
}
