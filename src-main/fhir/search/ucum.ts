/**
 * UCUM-normalised quantities for search (https://hl7.org/fhir/R4/search.html#quantity: "compare
 * quantities in canonical units where the units convert"). Canonical means the UCUM base units
 * (https://ucum.org/ucum#section-Base-Units: m, g, s, K, rad, cd, C, and `mol` kept as a
 * dimension of its own): `canonCode` is the base units with their exponents in alphabetical order joined by
 * `.` (mg/dL → `g.m-3`, mmHg → `g.m-1.s-2`, % → `1`), `canonValue` the value in those units
 * (5 mg/dL → 50 g.m-3), rounded to 12 significant digits so that float noise of the conversion
 * (10*3/uL → 999999999999.9999) does not split equal values.
 */
import ucum, { type UcumLhcUtils } from '@lhncbc/ucum-lhc';

export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

interface Conversion {
  canonCode: string;
  /** Linear units: canonical value = value × factor. Special units (offsets, logs) convert per value. */
  factor: number | null;
  moleExp: number;
}

let utils: UcumLhcUtils | undefined;
/** ucum-lhc parses a unit expression in about a millisecond: each code is converted once. */
const conversions = new Map<string, Conversion | null>();

/** UCUM defines the mole as 6.0221367e23 (a pure number). */
const AVOGADRO = 6.0221367e23;

function canonicalCode(unitToExp: Record<string, number>): string {
  const parts = Object.keys(unitToExp)
    .filter((unit) => unitToExp[unit] !== 0)
    .sort()
    .map((unit) => (unitToExp[unit] === 1 ? unit : `${unit}${unitToExp[unit]}`));
  return parts.length > 0 ? parts.join('.') : '1';
}

function roundCanonical(value: number): number {
  // Integers need no rounding (and toPrecision is slow).
  return Number.isSafeInteger(value) ? value : Number(value.toPrecision(12));
}

function conversionOf(code: string): Conversion | null {
  const cached = conversions.get(code);
  if (cached !== undefined) return cached;
  // UCUM expressions never contain blanks, and ucum-lhc prints a code with a blank (stored data)
  // to the console while refusing it: such a code is refused here without asking it.
  if (/\s/.test(code)) {
    conversions.set(code, null);
    return null;
  }
  utils ??= ucum.UcumLhcUtils.getInstance();
  let conversion: Conversion | null = null;
  try {
    const result = utils.convertToBaseUnits(code, 1);
    if (result.status === 'succeeded' && result.unitToExp && typeof result.magnitude === 'number' && Number.isFinite(result.magnitude)) {
      // UCUM makes the mole a number, so mmol/L would equal a count per litre (10*3/uL): a sodium
      // search would find leukocyte counts. ucum-lhc's own convertUnitTo refuses that conversion,
      // so here the mole stays a dimension of its own (its Avogadro factor taken out).
      const moleExp = utils.getSpecifiedUnit(code, 'validate').unit?.moleExp_ ?? 0;
      const unitToExp = moleExp !== 0 ? { ...result.unitToExp, mol: moleExp } : result.unitToExp;
      const factor = result.fromUnitIsSpecial ? null : result.magnitude / AVOGADRO ** moleExp;
      conversion = { canonCode: canonicalCode(unitToExp), factor, moleExp };
    }
  } catch {
    // ucum-lhc throws on some malformed expressions: such a unit has no canonical form.
  }
  conversions.set(code, conversion);
  return conversion;
}

/** The quantity in canonical units, or null when the code is not a UCUM unit that converts. */
export function canonicalQuantity(value: number, code: string): { value: number; code: string } | null {
  const conversion = conversionOf(code);
  if (!conversion) return null;
  if (conversion.factor !== null) return { value: roundCanonical(value * conversion.factor), code: conversion.canonCode };
  const result = (utils ??= ucum.UcumLhcUtils.getInstance()).convertToBaseUnits(code, value);
  if (result.status !== 'succeeded' || typeof result.magnitude !== 'number' || !Number.isFinite(result.magnitude)) return null;
  return { value: roundCanonical(result.magnitude / AVOGADRO ** conversion.moleExp), code: conversion.canonCode };
}
