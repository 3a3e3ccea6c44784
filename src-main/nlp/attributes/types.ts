import type { AttributeSpan, AttributeType, EntityCategory, Mention } from '../types';

/** The attribute types of a medication (Comprehend Medical's MEDICATION attributes). */
export const MEDICATION_ATTRIBUTE_TYPES = ['DOSAGE', 'STRENGTH', 'ROUTE_OR_MODE', 'FREQUENCY', 'DURATION', 'FORM', 'RATE'] as const satisfies readonly AttributeType[];

/** One attribute of one mention, as attachAttributes decided it. */
export interface AttachedAttribute {
  span: AttributeSpan;
  /** The attribute's own category: MEDICATION, TEST_TREATMENT_PROCEDURE or ANATOMY. */
  category: EntityCategory;
  /** Comprehend's RelationshipType: the attribute type for every kind written here (DOSAGE, TEST_VALUE, SYSTEM_ORGAN_SITE...). */
  relationshipType: string;
  /** How sure the attachment is, 0..1. */
  relationshipScore: number;
  /** For a TIME_EXPRESSION attribute: its index in `timeExpressions` (it is an entity of its own too, as Comprehend writes it). */
  timeExpressionIndex?: number;
  /**
   * Set when the attribute is itself a recognised mention (ANATOMY site or direction): its index
   * in the `mentions` given. The sample gold keeps such mentions as entities of their own too.
   */
  mentionIndex?: number;
}

export interface AttachedAttributes {
  /** byMention[i]: the attributes of mentions[i], in text order (empty for most mentions). */
  byMention: AttachedAttribute[][];
  /**
   * TIME_EXPRESSION entities ("for 3 days" after a complaint): typed by what they relate to
   * (TIME_TO_DX_NAME, TIME_TO_MEDICATION_NAME, TIME_TO_TEST_NAME, TIME_TO_PROCEDURE_NAME,
   * TIME_TO_TREATMENT_NAME), in text order.
   */
  timeExpressions: Mention[];
  /** timeExpressionOf[k]: index in `mentions` of the entity timeExpressions[k] relates to. */
  timeExpressionOf: number[];
}
