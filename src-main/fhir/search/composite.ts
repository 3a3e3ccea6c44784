/**
 * Composite parameters (https://hl7.org/fhir/R4/search.html#composite): `a$b` values, one part per
 * component, matched together on ONE element (rows of the same resource and `grp`, search/extract.ts).
 */
import { fhirError } from '../outcome-error';
import { isResourceType } from '../resource-types';
import {
  dateCondition,
  invalid,
  numberCondition,
  quantityCondition,
  referenceCondition,
  splitEscaped,
  stringCondition,
  tokenCondition,
  uriCondition,
} from './conditions';
import { INDEX_KINDS, type IndexKind } from './index-tables';
import type { SearchParamDef, SearchParamType } from './parameters';
import type { ComponentCondition, CompositeFilter, RowCondition } from './sql-query';

/** `\$` and `\,` unescaped; `\|` and `\\` stay for the component's own parser (token system|code). */
function unescapeComposite(part: string): string {
  return part.replace(/\\([$,])/g, '$1');
}

function isIndexKind(type: SearchParamType): type is IndexKind {
  return (INDEX_KINDS as readonly string[]).includes(type);
}

/** One component value to a row condition, by the component's parameter type (search.html#ptypes). */
export function componentCondition(name: string, type: SearchParamType, value: string): RowCondition {
  switch (type) {
    case 'string':
      return stringCondition(name, '', value);
    case 'token':
      return tokenCondition(name, '', value);
    case 'reference':
      return referenceCondition(name, '', value, isResourceType);
    case 'date':
      return dateCondition(name, value);
    case 'number':
      return numberCondition(name, value);
    case 'quantity':
      return quantityCondition(name, value);
    case 'uri':
      return uriCondition(name, '', value);
    default:
      return invalid(name, `a ${type} component cannot be searched`);
  }
}

/** `code-value-quantity=http://loinc.org|8480-6$gt100,...`: ORed values, each a `$`-separated tuple. */
export function compositeFilter(def: SearchParamDef, name: string, modifier: string, value: string): CompositeFilter {
  if (modifier !== '') invalid(name, `modifier :${modifier} does not apply to a composite parameter`);
  // Every branch of the expression reads the same components (params `<code>$<n>`).
  const components = def.composite?.[0]?.components;
  if (!components || components.length === 0) {
    throw fhirError('not-supported', `${name}: this composite parameter has no indexed components`, 400, [name]);
  }
  const anyOf = splitEscaped(value, ',', true).map((alternative): ComponentCondition[] => {
    const parts = splitEscaped(alternative, '$', true);
    if (parts.length !== components.length) invalid(name, `expected ${components.length} values separated by $`);
    return components.map((component, index) => {
      const part = unescapeComposite(parts[index]!);
      if (part === '') invalid(name, `empty value for component ${index + 1}`);
      if (!isIndexKind(component.type)) invalid(name, `a ${component.type} component cannot be searched`);
      return { kind: component.type, param: component.param, condition: componentCondition(name, component.type, part) };
    });
  });
  return { kind: 'composite', param: def.code, anyOf };
}
