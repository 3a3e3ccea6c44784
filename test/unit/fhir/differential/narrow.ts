/**
 * A SearchParameter expression narrowed to one base type: of the top-level union branches
 * (`Patient.name | Practitioner.name`), those rooted at that type (or at Resource/DomainResource).
 * On a resource of that type the other branches select nothing, so the values are the same; both
 * FHIRPath engines evaluate every branch, and the R4 `clinical-*` parameters have up to 30.
 */
export function narrowExpression(expression: string, type: string): string | undefined {
  const branches: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of expression) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === '|') {
      branches.push(current.trim());
      current = '';
    } else current += ch;
  }
  branches.push(current.trim());
  const kept = branches.filter((branch) => {
    const root = /^\(*\s*([A-Za-z]+)/.exec(branch)?.[1];
    return root === type || root === 'Resource' || root === 'DomainResource';
  });
  return kept.length > 0 ? kept.join(' | ') : undefined;
}
