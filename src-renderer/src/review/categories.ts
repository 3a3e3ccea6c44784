/**
 * How each entity category looks in the review workspace. Colour alone is not enough (about 1 in 12
 * men has a colour vision deficiency), so every category also has a letter badge and an underline
 * pattern of its own. Colours are the Okabe–Ito palette, chosen to stay distinct under the common
 * deficiencies.
 */
import { ENTITY_CATEGORIES, type EntityCategory, type TraitName } from '../../../src-main/nlp/types';
import type { ConceptSystem } from '../../../src-main/review/types';

export type UnderlinePattern = 'solid' | 'dashed' | 'dotted' | 'dash-dot' | 'long-dash' | 'sparse-dot' | 'double-dot';

export interface CategoryStyle {
  label: string;
  /** Badge letter, the second cue besides colour. */
  letter: string;
  color: string;
  /** Text colour on a `color` background (contrast 4.5:1 or better). */
  ink: string;
  pattern: UnderlinePattern;
  /** Keyboard digit that sets this category on the selected entity. */
  digit: string;
}

export const CATEGORY_STYLES: Record<EntityCategory, CategoryStyle> = {
  MEDICAL_CONDITION: { label: 'Condition', letter: 'C', color: '#D55E00', ink: '#000', pattern: 'solid', digit: '1' },
  MEDICATION: { label: 'Medication', letter: 'M', color: '#0072B2', ink: '#fff', pattern: 'dashed', digit: '2' },
  ANATOMY: { label: 'Anatomy', letter: 'A', color: '#CC79A7', ink: '#000', pattern: 'dotted', digit: '3' },
  TEST_TREATMENT_PROCEDURE: { label: 'Test / procedure', letter: 'T', color: '#009E73', ink: '#000', pattern: 'dash-dot', digit: '4' },
  PROTECTED_HEALTH_INFORMATION: { label: 'PHI', letter: 'P', color: '#E69F00', ink: '#000', pattern: 'long-dash', digit: '5' },
  TIME_EXPRESSION: { label: 'Time', letter: 'W', color: '#56B4E9', ink: '#000', pattern: 'sparse-dot', digit: '6' },
  BEHAVIORAL_ENVIRONMENTAL_SOCIAL: { label: 'Social / behavioural', letter: 'S', color: '#8C7A00', ink: '#000', pattern: 'double-dot', digit: '7' },
};

export function categoryForDigit(digit: string): EntityCategory | undefined {
  return ENTITY_CATEGORIES.find((category) => CATEGORY_STYLES[category].digit === digit);
}

/** A CSS background layer that draws one underline in `color` with `pattern` (see NoteView). */
export function underlineImage(pattern: UnderlinePattern, color: string): string {
  switch (pattern) {
    case 'solid':
      return `linear-gradient(${color}, ${color})`;
    case 'dashed':
      return `repeating-linear-gradient(90deg, ${color} 0 6px, transparent 6px 9px)`;
    case 'dotted':
      return `repeating-linear-gradient(90deg, ${color} 0 2px, transparent 2px 4px)`;
    case 'dash-dot':
      return `repeating-linear-gradient(90deg, ${color} 0 7px, transparent 7px 9px, ${color} 9px 11px, transparent 11px 13px)`;
    case 'long-dash':
      return `repeating-linear-gradient(90deg, ${color} 0 12px, transparent 12px 15px)`;
    case 'sparse-dot':
      return `repeating-linear-gradient(90deg, ${color} 0 2px, transparent 2px 7px)`;
    case 'double-dot':
      return `repeating-linear-gradient(90deg, ${color} 0 2px, transparent 2px 3px, ${color} 3px 5px, transparent 5px 10px)`;
  }
}

/** The traits a reviewer toggles, with the marker drawn next to the entity and the key after `t`. */
export const TRAIT_MARKERS: Array<{ trait: TraitName; marker: string; label: string; key: string }> = [
  { trait: 'NEGATION', marker: 'NEG', label: 'Negated', key: 'n' },
  { trait: 'PAST_HISTORY', marker: 'HX', label: 'Historical', key: 'h' },
  { trait: 'PERTAINS_TO_FAMILY', marker: 'FAM', label: 'Family', key: 'f' },
  { trait: 'HYPOTHETICAL', marker: 'HYP', label: 'Hypothetical', key: 'y' },
  { trait: 'FUTURE', marker: 'FUT', label: 'Future', key: 'u' },
];

const MARKER_OF = new Map(TRAIT_MARKERS.map((entry) => [entry.trait, entry.marker]));

/** Markers for the asserted traits of an entity, in a fixed order. */
export function traitMarkers(traits: readonly TraitName[]): string[] {
  return TRAIT_MARKERS.filter((entry) => traits.includes(entry.trait)).map((entry) => entry.marker);
}

export function traitMarker(trait: TraitName): string | undefined {
  return MARKER_OF.get(trait);
}

/** The code system whose concepts a category carries (conditions: ICD-10-CM, medications: RxNorm). */
export function conceptSystemFor(category: EntityCategory): ConceptSystem | undefined {
  if (category === 'MEDICAL_CONDITION') return 'ICD10CM';
  if (category === 'MEDICATION') return 'RXNORM';
  return undefined;
}
