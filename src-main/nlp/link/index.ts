export { ConceptLinker, type DrugAttributes, type LinkerOptions, type LinkerSources, type RankedConcept } from './linker';
export { calibrate, fitCalibration, DEFAULT_CALIBRATION, type CalibrationTable, type Observation } from './calibration';
export { rawLinkScore, type LinkFeatures } from './features';
export { normalizeForm, normalizeStrength } from './drug-attributes';
