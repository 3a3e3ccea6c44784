/**
 * Which learned rules can change the engine's result on a text (docs/review.md §5 "Which notes a
 * new model re-runs"), so that a new model re-runs only the notes it can change.
 *
 * A result is stamped, instead of with the model's version, with `learned-<hash>` of the rules
 * that can touch its text (none: no learned entry at all, as without a model). A note keeps its
 * result across a new model when the rules touching it are the same; only notes whose stamp
 * differs are re-run.
 *
 * "Can touch" is a cheap test that never misses a rule that applies (it may name one that does
 * not):
 * - terms, suppressions, concept choices and rejected links act on mentions of the lexicon
 *   matcher, whose units (match/normalize.ts: lower case, accents folded, light plural folding,
 *   hyphenated words also joined) must all be in the text: every unit key of the rule's text (or
 *   of its hyphen-joined form) must be among the text's unit keys;
 * - trigger and pseudo-trigger phrases act on token norms (text/normalize.ts): every run of
 *   letters and digits of the phrase must occur in the text's normalised form.
 * Evidence counts (rejected, added, support...) are not part of a rule's identity here: a rule
 * seen once more changes nothing on the notes it touches.
 */
import { depluralize, unitsOf } from '../match/normalize';
import { normalizeWord } from '../text/normalize';
import type { NlpVersions } from '../types';
import type { NoteAnalyzer } from '../results/processor';
import { isEmptyModel, type LearnedModel } from './model';

/** What a stamp holds of a rule (what it does, not how often it was seen), and how to find it in a text. */
interface RuleProbe {
  signature: string;
  /** Matcher rules: alternative sets of unit keys, one of which must be all present. */
  keys?: string[][];
  /** Phrase rules: runs of letters and digits that must all occur in the normalised text. */
  runs?: string[];
}

export interface LearnedStamps {
  /** The model's version (what the engine's own `versions.packs` carries). */
  readonly version: string;
  /** `learned-<hash>` of the rules that can touch this text; undefined when none can. */
  stampOf(text: string): string | undefined;
}

/**
 * 48 bits of two 32-bit multiplicative hashes (cyrb53's mixing), as 12 hex digits: the model's
 * BigInt FNV would cost more than the rest of the test on every note of a scan.
 */
function hash48(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0').slice(-4) + (h1 >>> 0).toString(16).padStart(8, '0');
}

/** The unit keys of a text, with hyphen-joined pairs ("pre-diabetes" also as "prediabet"), as the matcher compares them. */
function unitKeys(text: string, into: Set<string>): void {
  const units = unitsOf(text);
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (!u.alnum) continue;
    into.add(u.key);
    const prev = units[i - 1];
    if (u.hyphenBefore && prev !== undefined && prev.alnum) into.add(prev.key + u.key);
  }
}

function textKeys(text: string): Set<string> {
  const keys = new Set<string>();
  if (!/[\u0080-\uffff]/.test(text)) {
    // ASCII (most notes): the same keys as unitsOf gives, without its per-unit objects (runs of
    // letters and digits, lower-cased and plural-folded; "'s" gives a key "s" more, which is safe).
    const lower = text.toLowerCase();
    for (const word of lower.split(/[^a-z0-9]+/)) if (word !== '') keys.add(depluralize(word));
    if (lower.includes('-')) for (const m of lower.matchAll(/([a-z0-9]+)-+(?=([a-z0-9]+))/g)) keys.add(depluralize(m[1]!) + depluralize(m[2]!));
    return keys;
  }
  unitKeys(text, keys);
  // Outside ASCII, case and composition can split units differently: the other spellings' keys too (more is safe).
  unitKeys(text.normalize('NFC'), keys);
  unitKeys(text.toLowerCase(), keys);
  return keys;
}

/** The key sets under which a rule's text (a form, or a mention's normalised text) can be matched. */
function ruleKeys(text: string): string[][] {
  const units = unitsOf(text).filter((u) => u.alnum);
  const plain = units.map((u) => u.key);
  const joined: string[] = [];
  units.forEach((u, i) => {
    if (u.hyphenBefore && i > 0 && joined.length > 0) joined[joined.length - 1] += u.key;
    else joined.push(u.key);
  });
  return joined.length === plain.length ? [plain] : [plain, joined];
}

function phraseRuns(phrase: string): string[] {
  return normalizeWord(phrase)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((r) => r !== '');
}

function probes(model: LearnedModel): RuleProbe[] {
  const out: RuleProbe[] = [];
  for (const s of model.suppressions) out.push({ signature: JSON.stringify(['s', s.text, s.category, s.scope, s.section ?? '', s.before ?? '', s.after ?? '']), keys: ruleKeys(s.text) });
  for (const t of model.terms) out.push({ signature: JSON.stringify(['t', t.form, t.category, t.type, t.icd10 ?? [], t.rxnorm ?? [], t.conditionClass ?? '']), keys: ruleKeys(t.form) });
  for (const c of model.concepts) out.push({ signature: JSON.stringify(['c', c.text, c.category, c.system, c.code, c.display]), keys: ruleKeys(c.text) });
  for (const r of model.rejectedConcepts) {
    // The score it lowers by depends on the counts: part of what it does.
    out.push({ signature: JSON.stringify(['r', r.text, r.category, r.system, r.code, r.scope, r.section ?? '', r.before ?? '', r.after ?? '', r.rejected, r.accepted]), keys: ruleKeys(r.text) });
  }
  for (const t of model.triggers) out.push({ signature: JSON.stringify(['g', t.phrase, t.trait, t.direction, t.window, t.categories]), runs: phraseRuns(t.phrase) });
  for (const p of model.pseudoTriggers) out.push({ signature: JSON.stringify(['p', p.phrase]), runs: phraseRuns(p.phrase) });
  // One order whatever the model's: the same rules give the same stamp.
  return out.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
}

export function learnedStamps(model: LearnedModel | undefined): LearnedStamps | undefined {
  if (!model || isEmptyModel(model)) return undefined;
  const rules = probes(model);
  // Matcher rules by one key of each of their key sets (the longest, the rarest as a rule), so a
  // note looks only at the rules one of its own keys names; phrase rules (few) are all looked at.
  const byKey = new Map<string, Array<{ rule: number; keys: string[] }>>();
  const always: number[] = [];
  const phrases: number[] = [];
  rules.forEach((rule, index) => {
    if (!rule.keys) {
      phrases.push(index);
      return;
    }
    for (const keys of rule.keys) {
      if (keys.length === 0) {
        always.push(index);
        continue;
      }
      const anchor = keys.reduce((a, b) => (b.length > a.length ? b : a));
      byKey.set(anchor, [...(byKey.get(anchor) ?? []), { rule: index, keys }]);
    }
  });
  return {
    version: model.version,
    stampOf(text) {
      const touching = new Set<number>(always);
      if (byKey.size > 0) {
        const keys = textKeys(text);
        for (const key of keys) for (const entry of byKey.get(key) ?? []) if (!touching.has(entry.rule) && entry.keys.every((k) => keys.has(k))) touching.add(entry.rule);
      }
      if (phrases.length > 0) {
        const normalised = normalizeWord(text);
        for (const index of phrases) if (rules[index]!.runs!.every((run) => normalised.includes(run))) touching.add(index);
      }
      if (touching.size === 0) return undefined;
      const signatures = [...touching].sort((a, b) => a - b).map((index) => rules[index]!.signature);
      return `learned-${hash48(signatures.join('\n'))}`;
    },
  };
}

/** `versions` with the model's version replaced by this text's learned stamp (or dropped). */
export function versionsForText(versions: NlpVersions, stamps: LearnedStamps, text: string): NlpVersions {
  const stamp = stamps.stampOf(text);
  const packs = versions.packs.filter((p) => p !== stamps.version);
  return { engine: versions.engine, lexicon: versions.lexicon, packs: stamp === undefined ? packs : [...packs, stamp] };
}

/** The analyzer with per-text stamps for the learned model it was built with (unchanged without one). */
export function withLearnedStamps(analyzer: NoteAnalyzer, model: LearnedModel | undefined): NoteAnalyzer {
  const stamps = learnedStamps(model);
  if (!stamps) return analyzer;
  const wrapped: NoteAnalyzer = {
    versions: analyzer.versions,
    versionsFor: (text) => versionsForText(analyzer.versions, stamps, text),
    analyze: (text) => analyzer.analyze(text),
  };
  if (analyzer.close) wrapped.close = () => analyzer.close!();
  return wrapped;
}
