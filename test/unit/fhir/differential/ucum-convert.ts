/**
 * The oracle's UCUM comparison (search.html#quantity: compare in canonical units where the units
 * convert), written independently of Hearth's search/ucum.ts: the resource's quantity is converted
 * INTO the search value's unit with ucum-lhc's convertUnitTo (Hearth converts both to base units).
 */
import ucum from '@lhncbc/ucum-lhc';

declare module '@lhncbc/ucum-lhc' {
  interface UcumLhcUtils {
    convertUnitTo(fromUnit: string, fromVal: number, toUnit: string): { status: string; toVal?: number | null };
  }
}

export const UCUM = 'http://unitsofmeasure.org';

/** `value` in `fromUnit` expressed in `toUnit`, or undefined when the units do not convert. */
export function convertUcum(value: number, fromUnit: string, toUnit: string): number | undefined {
  if (fromUnit === toUnit) return value;
  try {
    const result = ucum.UcumLhcUtils.getInstance().convertUnitTo(fromUnit, value, toUnit);
    return result.status === 'succeeded' && typeof result.toVal === 'number' && Number.isFinite(result.toVal) ? result.toVal : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Hearth's reading (docs/search-differential.md): both quantities in UCUM base units, where a mole
 * counts as the number 6.0221367e23, so amounts of substance and counts compare (mmol/L with
 * 10*3/uL). Returns the value in base units and the base-unit signature, or undefined.
 */
export function baseUnits(value: number, unit: string): { value: number; signature: string } | undefined {
  try {
    const result = ucum.UcumLhcUtils.getInstance().convertToBaseUnits(unit, value);
    if (result.status !== 'succeeded' || typeof result.magnitude !== 'number' || !result.unitToExp) return undefined;
    const exps = result.unitToExp;
    const signature = Object.keys(exps).filter((u) => exps[u] !== 0).sort().map((u) => `${u}${exps[u]}`).join('.');
    return { value: result.magnitude, signature };
  } catch {
    return undefined;
  }
}
