export { ConceptLinker, type DrugAttributes, type LinkerOptions, type LinkerSources, type RankedConcept } from './linker';
export { calibrate, fitCalibration, ICD10_CALIBRATION, RXNORM_CALIBRATION, type CalibrationTable, type Observation, type SystemCalibration } from './calibration';
export { rawLinkScore, type LinkFeatures } from './features';
export { normalizeForm, normalizeStrength } from './drug-attributes';
