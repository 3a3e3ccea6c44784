/**
 * Units a test result is written with (UCUM-ish, as notes write them): "mg/dL", "mmol/L", "%",
 * "x10^3/uL", "bpm", "mmHg", "C", "kg". Compared case-sensitively where case carries meaning
 * (mL vs ML is the same to a reader, "C" and "F" are temperatures only in upper case).
 */
const UNITS = new Set(
  `% mg/dL mg/dl g/dL g/dl mmol/L mmol/l mEq/L meq/L mEq/l mg/L g/L ng/mL ng/ml pg/mL pg/ml mcg/dL ug/dL µg/dL ng/dL mcg/L ug/L
  mIU/L mIU/mL uIU/mL µIU/mL U/L IU/L units/L u/L K/uL K/µL k/uL K/mcL x10^3/uL x10^9/L 10^3/uL 10^9/L x10^6/uL x10^12/L M/uL
  cells/uL cells/mm3 /uL /mm3 /hpf /lpf /HPF fL fl pg sec seconds s min mm/hr mm/h mmHg mm/Hg bpm beats/min breaths/min /min
  C F °C °F ° kg g lb lbs oz cm mm m in inches ft kg/m2 kg/m^2 mL/min mL/min/1.73m2 mL/min/1.73 mOsm/kg mosm/kg L/min L mL ml
  cc mg mcg ng g/24h mg/24h mg/24hr ms msec mmol/mol mg/g mcg/mL ug/mL µg/mL nmol/L pmol/L umol/L µmol/L U/mL IU/mL
  copies/mL mm/min cmH2O cm/H2O mm Hg torr kPa ratio units ng/L pg/L mmol/kg mL/kg mL/kg/min mL/hr mL/h U/g mg/mmol mcmol/L
  cells/hpf RBC/hpf WBC/hpf x10^3/µL x10^9/l K/mm3 bpm. seconds. %.`
    .split(/\s+/)
    .filter(Boolean),
);
UNITS.add('mm Hg');

export function isTestUnit(unit: string): boolean {
  return UNITS.has(unit);
}
