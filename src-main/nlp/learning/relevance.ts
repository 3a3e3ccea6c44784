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
import { contentHash, isEmptyModel, type LearnedModel } from './model';

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
  const needsKeys = rules.some((r) => r.keys !== undefined);
  const needsRuns = rules.some((r) => r.runs !== undefined);
  return {
    version: model.version,
    stampOf(text) {
      const keys = needsKeys ? textKeys(text) : undefined;
      const normalised = needsRuns ? normalizeWord(text) : '';
      const touching: string[] = [];
      for (const rule of rules) {
        const hit = rule.keys ? rule.keys.some((set) => set.every((k) => keys!.has(k))) : rule.runs!.every((run) => normalised.includes(run));
        if (hit) touching.push(rule.signature);
      }
      return touching.length === 0 ? undefined : `learned-${contentHash(touching.join('\n')).slice(0, 12)}`;
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
