/**
 * How deep a parsed JSON value nests, measured without recursion (a value 10,000 levels deep must
 * not overflow the stack of the code that checks it). The validator, the search extractors and
 * the canonical hash all walk resources recursively, so a resource is refused before them when it
 * nests past MAX_RESOURCE_DEPTH: real FHIR resources stay far below (nested extensions and
 * Questionnaire items reach a few dozen levels).
 */
export const MAX_RESOURCE_DEPTH = 128;

/** True when `value` has objects or arrays nested more than `limit` levels deep. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}
