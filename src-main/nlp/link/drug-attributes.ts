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

/** '500mg' / '500 MG' / '50 mcg' → '500 mg' / '0.05 mg' (masses in mg); ratios kept ('10 mg/ml'). Undefined when no number+unit. */
export function normalizeStrength(text: string): string | undefined {
  const m = /(\d+(?:\.\d+)?|\.\d+)\s*(mg|mcg|ug|µg|g|gm|grams?|milligrams?|micrograms?|units?|u|unt|iu|meq|ml|%)(?![a-z])(?:\s*\/\s*(\d*(?:\.\d+)?)\s*(ml|l|actuat|hr))?/i.exec(text);
  if (m === null) return undefined;
  let amount = Number(m[1]!.startsWith('.') ? `0${m[1]}` : m[1]);
  let unit = UNIT_ALIASES[m[2]!.toLowerCase()] ?? m[2]!.toLowerCase();
  // RxNorm writes masses in MG ("levothyroxine sodium 0.05 MG"): compare every mass in mg
  if (unit === 'mcg') {
    amount = amount / 1000;
    unit = 'mg';
  } else if (unit === 'g') {
    amount = amount * 1000;
    unit = 'mg';
  }
  const value = String(Number(amount.toPrecision(6)));
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

/**
 * The RxNorm dose form a note's form text names ('oral tablet'), or failing that the form family its
 * route implies ('oral', 'injectable', 'inhal', 'topical'); undefined when neither says.
 */
export function normalizeForm(form: string | undefined, route: string | undefined): string | undefined {
  const text = (form ?? '').toLowerCase();
  for (const [re, name] of FORM_ALIASES) if (re.test(text)) return name;
  // a route alone names a family of forms, not one: "by mouth" fits a tablet and a capsule alike
  const r = (route ?? '').toLowerCase();
  if (/\b(by mouth|po|oral|orally|p\.o\.)(?![a-z])/.test(r)) return 'oral';
  if (/\b(iv|im|subq|sc|subcutaneous|intravenous|intramuscular|injection)\b/.test(r)) return 'injectable';
  if (/\b(inhaled|inhalation|by inhalation)\b/.test(r)) return 'inhal';
  if (/\b(topical|topically)\b/.test(r)) return 'topical';
  return undefined;
}
