/**
 * Two value rules that @medplum/core's validator leaves out, shared by the compiled validator
 * (compiled-validator.ts) and the reference path (structure-validator.ts), so both judge alike:
 * required bindings to closed value sets (https://hl7.org/fhir/R4/terminologies.html#required) and the
 * shape of a literal reference (https://hl7.org/fhir/R4/references.html#literal).
 */
import type { ClosedExpansion } from './required-bindings';

interface Coding {
  system?: unknown;
  code?: unknown;
}

function codingMatches(coding: Coding, expansion: ClosedExpansion): boolean {
  const code = coding.code;
  if (typeof code !== 'string') return false;
  if (typeof coding.system === 'string') return expansion.get(coding.system)?.has(code) ?? false;
  for (const codes of expansion.values()) if (codes.has(code)) return true;
  return false;
}

/**
 * Whether a value of type `type` bound to a closed value set uses one of its codes (undefined: nothing
 * to check): a `code` in it, a `Coding` with a code in it (in its system when it has one), a
 * `CodeableConcept` with coded codings one of which is in it.
 */
export function bindingSatisfied(type: string, value: unknown, expansion: ClosedExpansion): boolean | undefined {
  switch (type) {
    case 'code':
      if (typeof value !== 'string') return undefined;
      for (const codes of expansion.values()) if (codes.has(value)) return true;
      return false;
    case 'Coding': {
      const coding = value as Coding | null | undefined;
      return typeof coding?.code === 'string' ? codingMatches(coding, expansion) : undefined;
    }
    case 'CodeableConcept': {
      const codings = (value as { coding?: unknown } | null | undefined)?.coding;
      if (!Array.isArray(codings) || !codings.some((c: Coding | null) => typeof c?.code === 'string')) return undefined;
      return codings.some((c: Coding | null) => c !== null && typeof c === 'object' && codingMatches(c, expansion));
    }
    default:
      // Quantity, string and uri bindings are not checked (units and free text are open in practice).
      return undefined;
  }
}

/** @medplum/core's wrong-target warning, reworded: it quoted the reference (client data, maybe PHI). */
export const WRONG_TARGET_MESSAGE = 'Reference to a resource type this element does not allow';

const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]{0,63})\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const CONDITIONAL_REFERENCE = /^([A-Z][A-Za-z]{0,63})\?\S*$/;
const ABSOLUTE_REFERENCE = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const CONTAINED_REFERENCE = /^#[A-Za-z0-9\-.]{0,64}$/;

/**
 * references.html#literal: `Type/id` (optionally `/_history/vid`), an absolute URL (http..., urn:uuid,
 * urn:oid) or `#id` for a contained resource; `Type?query` is a conditional reference (http.html#trefs).
 * Returns the problem, or undefined when the reference has a valid shape.
 */
export function referenceProblem(reference: string, isKnownType: (type: string) => boolean): string | undefined {
  if (reference.startsWith('#')) return CONTAINED_REFERENCE.test(reference) ? undefined : 'Invalid contained reference: expected #id';
  // The type is what the pattern's first group holds: all before the first `/`, or before the `?`.
  const typeEnd = RELATIVE_REFERENCE.test(reference) ? reference.indexOf('/') : CONDITIONAL_REFERENCE.test(reference) ? reference.indexOf('?') : -1;
  if (typeEnd > 0) return isKnownType(reference.slice(0, typeEnd)) ? undefined : 'Reference to an unknown resource type';
  if (ABSOLUTE_REFERENCE.test(reference)) return undefined;
  return 'Invalid reference: expected Type/id, an absolute URL or #id';
}
