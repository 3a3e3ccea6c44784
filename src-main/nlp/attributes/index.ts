export { attachAttributes } from './attach';
export { detectAttributeSpans } from './detect';
export { isTestUnit } from './units';
export { MEDICATION_ATTRIBUTE_TYPES, type AttachedAttribute, type AttachedAttributes } from './types';
