/**
 * Every code the built-in lexicon ships is real: ICD-10-CM codes exist and are billable in the
 * FY2026 order file (CDC, ../shared/data/terminology/icd10cm-2026), RXCUIs match the RxNorm extract
 * in ../shared/data/terminology/rxnorm-partial where it covers them (that extract lacks the
 * ingredients whose names start with "A": those are counted as unchecked). Skipped with a message
 * when ../shared is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinLexicon } from '../../../../src-main/nlp/lexicon/index';
import { REFINEMENTS } from '../../../../src-main/nlp/lexicon/refinements';

const repoRoot = path.resolve(__dirname, '../../../..');
const terminology = path.resolve(repoRoot, '../shared/data/terminology');
const orderFile = path.join(terminology, 'icd10cm-2026/icd10cm-order-2026.txt');
const rxDir = path.join(terminology, 'rxnorm-partial');
const present = existsSync(orderFile) && existsSync(rxDir);
if (!present) console.warn(`lexicon code checks skipped: ${terminology} not found`);

/** Ingredients RxNorm has but its current prescribable content (the extract) does not list alone. */
const NOT_PRESCRIBABLE_ALONE = new Map([['5856', 'insulin (the class; products are insulin glargine, lispro...)']]);

function tsv(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path.join(rxDir, file), 'utf8').split('\n').filter(Boolean);
  const cols = head!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i]!, v])));
}

/** Words of a name, sorted, without punctuation: "sulfamethoxazole / trimethoprim" meets "sulfamethoxazole-trimethoprim". */
function words(name: string): string {
  return (name.toLowerCase().match(/[a-z0-9.]+/g) ?? []).sort().join(' ');
}

describe.skipIf(!present)('lexicon codes against the official releases', () => {
  const lexicon = builtinLexicon();

  it('every ICD-10-CM code (conditions and refinements) exists and is billable in FY2026', () => {
    // order file: order(5) sp code(7) sp billable flag(1) sp short(60) sp long; no dots in codes
    const billable = new Map<string, boolean>();
    for (const line of readFileSync(orderFile, 'latin1').split(/\r?\n/)) {
      if (line.length < 16) continue;
      billable.set(line.slice(6, 13).trim(), line[14] === '1');
    }
    expect(billable.size).toBeGreaterThan(90_000);
    const codes = new Set([...lexicon.conditions.map((c) => c.code), ...REFINEMENTS.flatMap((r) => [...r.from, r.code])]);
    const problems = [...codes].filter((code) => billable.get(code.replace('.', '')) !== true);
    expect(problems).toEqual([]);
    console.log(`ICD-10-CM: ${codes.size} distinct codes checked, all billable in FY2026`);
  });

  it('ingredient RXCUIs match the RxNorm extract by name where it covers them', () => {
    const ingredients = new Map(tsv('ingredients_in_pin_min.tsv').map((r) => [r.rxcui!, r.name!]));
    let checked = 0;
    let unchecked = 0;
    const problems: string[] = [];
    for (const m of lexicon.medications) {
      const official = ingredients.get(m.rxcui);
      if (official === undefined) {
        // the extract has no ingredient starting with "A"; anything else must be there
        if (m.name.toLowerCase().startsWith('a') || NOT_PRESCRIBABLE_ALONE.has(m.rxcui)) unchecked++;
        else problems.push(`${m.rxcui} ${m.name}: not in the extract`);
        continue;
      }
      checked++;
      const names = [m.name, ...m.synonyms].map(words);
      const want = words(official);
      if (!names.some((n) => want === n || want.startsWith(`${n} `) || want.split(' ').every((w) => n.split(' ').includes(w)) || n.split(' ').every((w) => want.split(' ').includes(w)))) {
        problems.push(`${m.rxcui} ${m.name}: the extract says ${official}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(250);
    console.log(`RxNorm ingredients: ${checked} checked against the extract, ${unchecked} not covered by it (names starting with "A", plus insulin)`);
  });

  it('brand RXCUIs are brand names (BN) linked to their ingredient in the extract', () => {
    const brands = new Map(tsv('brand_names_bn.tsv').map((r) => [r.rxcui!, r.name!]));
    const pairs = new Set(tsv('ingredient_brand_pairs.tsv').map((r) => `${r.ingredient_rxcui}>${r.bn_rxcui}`));
    let checked = 0;
    const problems: string[] = [];
    for (const m of lexicon.medications) {
      for (const b of m.brands) {
        if (b.rxcui === undefined) continue;
        checked++;
        if (brands.get(b.rxcui)?.toLowerCase() !== b.name.toLowerCase()) problems.push(`${b.rxcui} ${b.name}: the extract says ${brands.get(b.rxcui) ?? 'nothing'}`);
        else if (!pairs.has(`${m.rxcui}>${b.rxcui}`)) problems.push(`${b.name} is not a brand of ${m.name} in the extract`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(200);
    console.log(`RxNorm brands: ${checked} brand RXCUIs checked`);
  });

  it('clinical drugs (SCD) exist with the stated ingredient, strength and form', () => {
    const drugs = new Map<string, string>();
    for (const r of tsv('clinical_drugs_scd_sbd.tsv')) if (r.tty === 'SCD') drugs.set(r.rxcui!, r.name!);
    // the Synthea code list covers some "A" drugs the extract lacks (acetaminophen, amoxicillin...)
    for (const r of tsv('synthea_rxnorm_codes.tsv')) if (!drugs.has(r.rxcui!)) drugs.set(r.rxcui!, r.display!);
    let checked = 0;
    let unchecked = 0;
    const problems: string[] = [];
    for (const m of lexicon.medications) {
      for (const d of m.clinicalDrugs) {
        const official = drugs.get(d.rxcui)?.toLowerCase();
        if (official === undefined) {
          if (m.name.toLowerCase().startsWith('a')) unchecked++;
          else problems.push(`${d.rxcui} ${d.name}: not in the extract`);
          continue;
        }
        checked++;
        const strength = d.strength.replace(/\s+/g, ' ');
        if (!official.includes(strength) || !official.includes(m.name.split(/[ -]/)[0]!.toLowerCase()) || !official.endsWith(d.form)) {
          problems.push(`${d.rxcui} ${d.name}: the extract says ${official}`);
        }
      }
    }
    expect(problems).toEqual([]);
    console.log(`RxNorm clinical drugs: ${checked} checked, ${unchecked} not covered`);
  });
});
