/**
 * The RxNorm pack: concepts (RXCUI, term type, normalised name), synonyms, brand → ingredient
 * links and single-ingredient clinical drugs (SCD) with normalised strength and dose form, in a
 * compact JSON-serialisable shape (what the vault stores), and the RxNormIndex built from it.
 * Filled by the RRF reader (rxnorm-rrf.ts) or by the partial TSV reader (rxnorm-tsv.ts).
 */
import type { ClinicalDrug, ConceptCandidate, RxNormIndex } from '../types';
import { normalizeTerm } from './normalize';
import { normalizeDoseForm, normalizeStrength, parseDrugName } from './rxnorm-names';
import { TermIndexBuilder, type TermEntry, type TermIndex } from './term-index';

export const RXNORM_PACK_FORMAT = 'hearth-rxnorm-pack';
export const RXNORM_SYSTEM_URL = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** RxNorm's own term types kept as concepts, in the order that decides a concept's type when it has several atoms. */
export const CONCEPT_TTYS = ['IN', 'PIN', 'MIN', 'BN', 'SCD', 'SBD', 'SCDF', 'SBDF', 'SCDC', 'SBDC', 'SCDG', 'SBDG', 'GPCK', 'BPCK', 'DF', 'DFG'] as const;
/** Atoms that only add names to a concept (prescribable name, synonyms, tall-man synonyms, entry terms). */
export const SYNONYM_TTYS = ['PSN', 'SY', 'TMSY', 'ET'] as const;
/** Types whose names are searched (components, groups, packs and dose forms are not things a note names). */
const SEARCHED_TTYS = new Set(['IN', 'PIN', 'MIN', 'BN', 'SCD', 'SBD', 'SCDF', 'SBDF']);
const INGREDIENT_TTYS = new Set(['IN', 'PIN', 'MIN']);
const CONCEPT_TTY_RANK = new Map<string, number>(CONCEPT_TTYS.map((tty, i) => [tty, i]));
const SYNONYM_TTY_SET = new Set<string>(SYNONYM_TTYS);

export interface RxNormPackData {
  format: typeof RXNORM_PACK_FORMAT;
  formatVersion: 1;
  /** e.g. 'rxnorm-2025-11-03', 'rxnorm-partial'. */
  version: string;
  /** 'rrf' for an official release, 'tsv' for the partial derived tables. */
  source: 'rrf' | 'tsv';
  rxcuis: string[];
  ttys: string[];
  names: string[];
  synonymConcepts: number[];
  synonymTexts: string[];
  /** Pairs by position: brandConcepts[i] (a BN) has the ingredient brandIngredients[i] (positions in rxcuis). */
  brandConcepts: number[];
  brandIngredients: number[];
  drugConcepts: number[];
  drugIngredients: number[];
  drugStrengths: string[];
  drugForms: string[];
}

export interface RxNormPackStats {
  concepts: number;
  /** Concepts by term type, e.g. {IN: 2462, BN: 3914, SCD: 11307}. */
  byTty: Record<string, number>;
  synonyms: number;
  brandIngredientLinks: number;
  /** Single-ingredient SCDs with an ingredient, strength and form. */
  clinicalDrugs: number;
  /** Rows of the input files read. */
  rowsRead: number;
}

export function rxnormPackStats(pack: RxNormPackData, rowsRead = 0): RxNormPackStats {
  const byTty: Record<string, number> = {};
  for (const tty of pack.ttys) byTty[tty] = (byTty[tty] ?? 0) + 1;
  return {
    concepts: pack.rxcuis.length,
    byTty,
    synonyms: pack.synonymTexts.length,
    brandIngredientLinks: pack.brandConcepts.length,
    clinicalDrugs: pack.drugConcepts.length,
    rowsRead,
  };
}

/** A relation between two concepts; which end is which is decided by their term types, not the row's direction. */
export type RxNormRelation = 'tradename' | 'ingredient' | 'consists_of' | 'dose_form';

/** RXNREL RELA values → the relation they state (both directions of each pair). */
export const RELATION_OF_RELA: ReadonlyMap<string, RxNormRelation> = new Map([
  ['has_tradename', 'tradename'],
  ['tradename_of', 'tradename'],
  ['has_ingredient', 'ingredient'],
  ['ingredient_of', 'ingredient'],
  ['has_precise_ingredient', 'ingredient'],
  ['precise_ingredient_of', 'ingredient'],
  ['has_ingredients', 'ingredient'],
  ['ingredients_of', 'ingredient'],
  ['consists_of', 'consists_of'],
  ['constitutes', 'consists_of'],
  ['has_dose_form', 'dose_form'],
  ['dose_form_of', 'dose_form'],
]);

interface ConceptDraft {
  tty: string;
  rank: number;
  name: string;
}

/**
 * Collects atoms, relations and strength attributes in any order of files, then resolves them
 * (`finish`). Memory: one entry per concept and per kept relation.
 */
export class RxNormPackBuilder {
  private readonly concepts = new Map<string, ConceptDraft>();
  private readonly synonyms = new Map<string, Set<string>>();
  private readonly relations = new Map<RxNormRelation, Array<[string, string]>>();
  /** RXNSAT strengths: RXN_AVAILABLE_STRENGTH (SCD/SBD) wins over RXN_STRENGTH (SCDC). */
  private readonly availableStrength = new Map<string, string>();
  private readonly componentStrength = new Map<string, string>();
  /** Brand → ingredient links stated directly (TSV pairs). */
  private readonly brandPairs: Array<[string, string]> = [];
  rowsRead = 0;

  /** One atom (RXNCONSO row or TSV row). Unknown term types are ignored. */
  addAtom(rxcui: string, tty: string, name: string): void {
    const rank = CONCEPT_TTY_RANK.get(tty);
    if (rank !== undefined) {
      const existing = this.concepts.get(rxcui);
      if (!existing || rank < existing.rank) {
        if (existing) this.addSynonym(rxcui, existing.name);
        this.concepts.set(rxcui, { tty, rank, name });
      } else this.addSynonym(rxcui, name);
    } else if (SYNONYM_TTY_SET.has(tty)) {
      this.addSynonym(rxcui, name);
    }
  }

  /** A relation between two concepts already added (atoms first: relations of unknown concepts are not kept). */
  addRelation(relation: RxNormRelation, rxcuiA: string, rxcuiB: string): void {
    if (!this.concepts.has(rxcuiA) || !this.concepts.has(rxcuiB)) return;
    let list = this.relations.get(relation);
    if (!list) this.relations.set(relation, (list = []));
    list.push([rxcuiA, rxcuiB]);
  }

  addBrandIngredient(brandRxcui: string, ingredientRxcui: string): void {
    this.brandPairs.push([brandRxcui, ingredientRxcui]);
  }

  addStrength(rxcui: string, attribute: 'RXN_AVAILABLE_STRENGTH' | 'RXN_STRENGTH', value: string): void {
    const tty = this.concepts.get(rxcui)?.tty;
    if (tty !== 'SCD' && tty !== 'SCDC') return;
    (attribute === 'RXN_AVAILABLE_STRENGTH' ? this.availableStrength : this.componentStrength).set(rxcui, value);
  }

  get conceptCount(): number {
    return this.concepts.size;
  }

  finish(version: string, source: 'rrf' | 'tsv'): RxNormPackData {
    const rxcuis = [...this.concepts.keys()];
    const position = new Map<string, number>(rxcuis.map((rxcui, i) => [rxcui, i]));
    const ttys = rxcuis.map((rxcui) => this.concepts.get(rxcui)!.tty);
    const names = rxcuis.map((rxcui) => this.concepts.get(rxcui)!.name);
    const pack: RxNormPackData = {
      format: RXNORM_PACK_FORMAT,
      formatVersion: 1,
      version,
      source,
      rxcuis,
      ttys,
      names,
      synonymConcepts: [],
      synonymTexts: [],
      brandConcepts: [],
      brandIngredients: [],
      drugConcepts: [],
      drugIngredients: [],
      drugStrengths: [],
      drugForms: [],
    };
    for (const [rxcui, texts] of this.synonyms) {
      const at = position.get(rxcui);
      if (at === undefined) continue;
      for (const text of texts) {
        if (text === names[at]) continue;
        pack.synonymConcepts.push(at);
        pack.synonymTexts.push(text);
      }
    }

    // Each relation pair oriented by term type: [the end of type `from`, the end of type `to`].
    const oriented = (relation: RxNormRelation, from: (tty: string) => boolean, to: (tty: string) => boolean): Array<[number, number]> => {
      const pairs: Array<[number, number]> = [];
      const seen = new Set<string>();
      for (const [a, b] of this.relations.get(relation) ?? []) {
        const ia = position.get(a);
        const ib = position.get(b);
        if (ia === undefined || ib === undefined) continue;
        let pair: [number, number] | undefined;
        if (from(ttys[ia]!) && to(ttys[ib]!)) pair = [ia, ib];
        else if (from(ttys[ib]!) && to(ttys[ia]!)) pair = [ib, ia];
        if (!pair || seen.has(`${pair[0]} ${pair[1]}`)) continue;
        seen.add(`${pair[0]} ${pair[1]}`);
        pairs.push(pair);
      }
      return pairs;
    };
    const isBrand = (tty: string) => tty === 'BN';
    const isIngredient = (tty: string) => tty === 'IN' || tty === 'PIN' || tty === 'MIN';
    const brandLinks = oriented('tradename', isBrand, isIngredient);
    const brandSeen = new Set(brandLinks.map(([b, i]) => `${b} ${i}`));
    for (const [brand, ingredient] of this.brandPairs) {
      const b = position.get(brand);
      const i = position.get(ingredient);
      if (b === undefined || i === undefined || brandSeen.has(`${b} ${i}`)) continue;
      brandSeen.add(`${b} ${i}`);
      brandLinks.push([b, i]);
    }
    for (const [brand, ingredient] of brandLinks) {
      pack.brandConcepts.push(brand);
      pack.brandIngredients.push(ingredient);
    }

    this.resolveClinicalDrugs(pack, position, oriented);
    return pack;
  }

  private addSynonym(rxcui: string, text: string): void {
    let set = this.synonyms.get(rxcui);
    if (!set) this.synonyms.set(rxcui, (set = new Set()));
    set.add(text);
  }

  /**
   * Single-ingredient SCDs: the ingredient from the relations (SCD consists_of SCDC has_ingredient IN)
   * when the release has them, else from the name; strength from RXNSAT, else the name; dose form
   * from has_dose_form, else the name.
   */
  private resolveClinicalDrugs(
    pack: RxNormPackData,
    position: Map<string, number>,
    oriented: (relation: RxNormRelation, from: (tty: string) => boolean, to: (tty: string) => boolean) => Array<[number, number]>,
  ): void {
    const { ttys, names, rxcuis } = pack;
    const componentsOf = groupPairs(oriented('consists_of', (t) => t === 'SCD', (t) => t === 'SCDC'));
    const ingredientsOf = groupPairs(oriented('ingredient', (t) => t === 'SCDC' || t === 'SCD', (t) => t === 'IN'));
    const formOf = groupPairs(oriented('dose_form', (t) => t === 'SCD', (t) => t === 'DF'));
    const ingredientByName = new Map<string, number>();
    for (let i = 0; i < ttys.length; i++) if (ttys[i] === 'IN' || ttys[i] === 'PIN') ingredientByName.set(normalizeTerm(names[i]!), i);

    for (let scd = 0; scd < ttys.length; scd++) {
      if (ttys[scd] !== 'SCD') continue;
      const parsed = parseDrugName(names[scd]!);
      const components = componentsOf.get(scd) ?? [];
      let ingredient: number | undefined;
      let component: number | undefined;
      if (components.length > 0) {
        if (components.length !== 1) continue;
        component = components[0]!;
        const ingredients = ingredientsOf.get(component) ?? [];
        if (ingredients.length === 1) ingredient = ingredients[0];
      } else if (parsed) {
        ingredient = this.ingredientByName(parsed.ingredient, ingredientByName, pack);
      }
      if (ingredient === undefined) continue;
      const rawStrength =
        this.availableStrength.get(rxcuis[scd]!) ?? (component !== undefined ? this.componentStrength.get(rxcuis[component]!) : undefined);
      const strength = rawStrength !== undefined ? normalizeStrength(rawStrength) : parsed?.strength;
      const forms = formOf.get(scd);
      const form = forms?.length === 1 ? normalizeDoseForm(names[forms[0]!]!) : parsed?.form;
      if (strength === undefined || form === undefined) continue;
      pack.drugConcepts.push(scd);
      pack.drugIngredients.push(ingredient);
      pack.drugStrengths.push(strength);
      pack.drugForms.push(form);
    }
  }

  /**
   * The ingredient a drug name starts with. A precise ingredient ("metformin hydrochloride") maps to
   * the ingredient whose name it begins with ("metformin") when the release does not link them.
   */
  private ingredientByName(name: string, byName: Map<string, number>, pack: RxNormPackData): number | undefined {
    const normalized = normalizeTerm(name);
    const found = byName.get(normalized);
    if (found === undefined) return undefined;
    if (pack.ttys[found] === 'IN') return found;
    const words = normalized.split(' ');
    for (let n = words.length - 1; n > 0; n--) {
      const base = byName.get(words.slice(0, n).join(' '));
      if (base !== undefined && pack.ttys[base] === 'IN') return base;
    }
    return found;
  }
}

function groupPairs(pairs: Array<[number, number]>): Map<number, number[]> {
  const grouped = new Map<number, number[]>();
  for (const [from, to] of pairs) {
    const list = grouped.get(from);
    if (list) list.push(to);
    else grouped.set(from, [to]);
  }
  return grouped;
}

// ---------------------------------------------------------------------------------------------
// The loaded index

export interface LoadedRxNormIndex extends RxNormIndex {
  /** Concept names and synonyms as {normalised term, RXCUI}: dictionary entries for the matcher (searched types only). */
  extraTerms(): Iterable<TermEntry>;
  /** Term type of an RXCUI in this release ('IN', 'BN', 'SCD'...). */
  termType(rxcui: string): string | undefined;
  readonly conceptCount: number;
}

class RxNormPackIndex implements LoadedRxNormIndex {
  readonly system = 'RXNORM' as const;

  constructor(
    readonly version: string,
    private readonly pack: RxNormPackData,
    private readonly terms: TermIndex,
    private readonly position: Map<string, number>,
    private readonly brands: Map<number, number[]>,
    private readonly drugs: Map<number, number[]>,
  ) {}

  get conceptCount(): number {
    return this.pack.rxcuis.length;
  }

  describe(rxcui: string): string | undefined {
    const at = this.position.get(rxcui);
    return at === undefined ? undefined : this.pack.names[at];
  }

  termType(rxcui: string): string | undefined {
    const at = this.position.get(rxcui);
    return at === undefined ? undefined : this.pack.ttys[at];
  }

  search(normalizedPhrase: string, limit: number): ConceptCandidate[] {
    return this.terms.search(normalizedPhrase, limit);
  }

  brandIngredients(brandRxcui: string): string[] {
    const at = this.position.get(brandRxcui);
    if (at === undefined) return [];
    return (this.brands.get(at) ?? []).map((i) => this.pack.rxcuis[i]!);
  }

  clinicalDrugs(ingredientRxcui: string): ClinicalDrug[] {
    const at = this.position.get(ingredientRxcui);
    if (at === undefined) return [];
    const { pack } = this;
    return (this.drugs.get(at) ?? []).map((d) => ({
      rxcui: pack.rxcuis[pack.drugConcepts[d]!]!,
      name: pack.names[pack.drugConcepts[d]!]!,
      ingredientRxcui: pack.rxcuis[pack.drugIngredients[d]!]!,
      strength: pack.drugStrengths[d]!,
      form: pack.drugForms[d]!,
    }));
  }

  extraTerms(): Iterable<TermEntry> {
    return { [Symbol.iterator]: () => this.terms.extraTerms() };
  }
}

/** Builds the searchable index of a pack: ingredients and brands before drugs on ties, synonyms as extra terms. */
export function rxnormIndexFromPack(pack: RxNormPackData): LoadedRxNormIndex {
  const builder = new TermIndexBuilder((code) => code.trim());
  const indexOf: number[] = new Array<number>(pack.rxcuis.length).fill(-1);
  for (let i = 0; i < pack.rxcuis.length; i++) {
    const tty = pack.ttys[i]!;
    if (!SEARCHED_TTYS.has(tty)) continue;
    const codeIndex = builder.addCode(pack.rxcuis[i]!, pack.names[i]!, INGREDIENT_TTYS.has(tty) || tty === 'BN');
    indexOf[i] = codeIndex;
    builder.addTerm(codeIndex, pack.names[i]!);
  }
  for (let s = 0; s < pack.synonymConcepts.length; s++) {
    const codeIndex = indexOf[pack.synonymConcepts[s]!]!;
    if (codeIndex >= 0) builder.addTerm(codeIndex, pack.synonymTexts[s]!);
  }
  const position = new Map<string, number>(pack.rxcuis.map((rxcui, i) => [rxcui, i]));
  const brands = new Map<number, number[]>();
  for (let l = 0; l < pack.brandConcepts.length; l++) {
    const list = brands.get(pack.brandConcepts[l]!);
    if (list) list.push(pack.brandIngredients[l]!);
    else brands.set(pack.brandConcepts[l]!, [pack.brandIngredients[l]!]);
  }
  const drugs = new Map<number, number[]>();
  for (let d = 0; d < pack.drugConcepts.length; d++) {
    const list = drugs.get(pack.drugIngredients[d]!);
    if (list) list.push(d);
    else drugs.set(pack.drugIngredients[d]!, [d]);
  }
  return new RxNormPackIndex(pack.version, pack, builder.build(), position, brands, drugs);
}
