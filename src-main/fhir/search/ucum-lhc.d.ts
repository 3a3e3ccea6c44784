/** The part of @lhncbc/ucum-lhc (which ships no types) that search/ucum.ts uses. */
declare module '@lhncbc/ucum-lhc' {
  export interface BaseUnitsResult {
    status: 'succeeded' | 'invalid' | 'failed' | string;
    magnitude?: number;
    /** Base unit → exponent, e.g. { g: 1, m: -3 } for mg/dL. */
    unitToExp?: Record<string, number>;
    /** Units with an offset or a non-linear scale (Cel, [degF], [pH]...). */
    fromUnitIsSpecial?: boolean;
    msg?: string[];
  }
  export interface SpecifiedUnitResult {
    status: 'valid' | 'invalid' | 'error' | string;
    /** The parsed unit; `moleExp_` is the exponent of the mole in it (mmol/L → 1). */
    unit?: { moleExp_?: number } | null;
  }
  export interface UcumLhcUtils {
    convertToBaseUnits(fromUnit: string, fromVal: number): BaseUnitsResult;
    getSpecifiedUnit(unitString: string, valConv: 'validate' | 'convert'): SpecifiedUnitResult;
  }
  const ucum: { UcumLhcUtils: { getInstance(): UcumLhcUtils } };
  export default ucum;
}
