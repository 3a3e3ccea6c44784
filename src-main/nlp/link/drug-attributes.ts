/**
 * Normalises a medication's strength and dose-form texts to RxNorm's way of writing them, so a
 * note's "500mg tab" meets the SCD "500 MG Oral Tablet".
 */

const UNIT_ALIASES: Record<string, string> = {
  mg: 'mg', milligram: 'mg', milligrams: 'mg', mgs: 'mg',
  mcg: 'mcg', ug: 'mcg', µg: 'mcg', microgram: 'mcg', micrograms: 'mcg',
  g: 'g', gm: 'g', gram: 'g', grams: 'g',
  unit: 'unt', units: 'unt', u: 'unt', unt: 'unt', iu: 'unt',
  meq: 'meq', ml: 'ml', '%': '%',
};

/** '500mg' / '500 MG' / '0.4 mg' → '500 mg' / '0.4 mg'; 'mcg' → 'mcg'; ratios kept ('10 mg/ml'). Undefined when no number+unit. */
export function normalizeStrength(text: string): string | undefined {
  const m = /(\d+(?:\.\d+)?|\.\d+)\s*(mg|mcg|ug|µg|g|gm|grams?|milligrams?|micrograms?|units?|u|unt|iu|meq|ml|%)(?![a-z])(?:\s*\/\s*(\d*(?:\.\d+)?)\s*(ml|l|actuat|hr))?/i.exec(text);
  if (m === null) return undefined;
  const value = String(Number(m[1]!.startsWith('.') ? `0${m[1]}` : m[1]));
  const unit = UNIT_ALIASES[m[2]!.toLowerCase()] ?? m[2]!.toLowerCase();
  const per = m[4] !== undefined ? `/${m[3] !== undefined && m[3] !== '' && m[3] !== '1' ? m[3] : ''}${m[4].toLowerCase()}` : '';
  return `${value} ${unit}${per}`;
}

const FORM_ALIASES: readonly [RegExp, string][] = [
  [/\b(er|xr|xl|sr|extended[- ]release|sustained[- ]release)\b.*\b(tab|tablet)s?\b|\b(tab|tablet)s?\b.*\b(er|xr|xl|sr|extended[- ]release)\b/, 'extended release oral tablet'],
  [/\b(dr|ec|delayed[- ]release|enteric[- ]coated)\b.*\b(cap|capsule)s?\b/, 'delayed release oral capsule'],
  [/\b(dr|ec|delayed[- ]release|enteric[- ]coated)\b.*\b(tab|tablet)s?\b/, 'delayed release oral tablet'],
  [/\bchewable\b/, 'chewable tablet'],
  [/\b(odt|disintegrating)\b/, 'disintegrating oral tablet'],
  [/\b(tab|tabs|tablet|tablets)\b/, 'oral tablet'],
  [/\b(cap|caps|capsule|capsules)\b/, 'oral capsule'],
  [/\b(inhaler|mdi|puffs?|inhalation aerosol)\b/, 'metered dose inhaler'],
  [/\b(solution for injection|injection|injectable|vial|im|iv|subq|subcutaneous|sc)\b/, 'injectable solution'],
  [/\b(pen|prefilled syringe)\b/, 'pen injector'],
  [/\b(suspension)\b/, 'oral suspension'],
  [/\b(syrup|solution|liquid|elixir)\b/, 'oral solution'],
  [/\b(cream)\b/, 'topical cream'],
  [/\b(ointment)\b/, 'topical ointment'],
  [/\b(gel)\b/, 'topical gel'],
  [/\b(patch)\b/, 'transdermal system'],
  [/\b(drops?|ophthalmic)\b/, 'ophthalmic solution'],
  [/\b(nasal spray|spray)\b/, 'nasal spray'],
  [/\b(suppository)\b/, 'rectal suppository'],
];

/** The RxNorm dose form a note's form text (or, failing that, its route) names; undefined when neither says. */
export function normalizeForm(form: string | undefined, route: string | undefined): string | undefined {
  const text = (form ?? '').toLowerCase();
  for (const [re, name] of FORM_ALIASES) if (re.test(text)) return name;
  const r = (route ?? '').toLowerCase();
  if (/\b(by mouth|po|oral|orally|p\.o\.)\b/.test(r)) return 'oral tablet';
  if (/\b(iv|im|subq|sc|subcutaneous|intravenous|intramuscular|injection)\b/.test(r)) return 'injectable solution';
  if (/\b(inhaled|inhalation)\b/.test(r)) return 'metered dose inhaler';
  if (/\b(topical|topically)\b/.test(r)) return 'topical cream';
  return undefined;
}
