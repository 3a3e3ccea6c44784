/**
 * Each NLP parameter's `expression` documents, in FHIRPath, what its extractor function gives:
 * checked with the fhirpath library on processed notes (so the documentation cannot drift).
 */
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { describe, expect, it } from 'vitest';
import { withNlpResult } from '../../../../src-main/nlp/results/extensions';
import { nlpSearchParamDefs } from '../../../../src-main/nlp/results/search-parameters';
import { analyzeForTest, noteWithText, TEST_VERSIONS } from './fixtures';

const TEXTS = ['Hypertension; denies chest pain. Metformin 500 mg.', 'Diabetes, abdomen soft. Hypertension. No aspirin.'];

/** Values as comparable text: a Coding by system|code|display, a number or string as itself. */
function key(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const v = value as { system?: string; code?: string; display?: string };
    return `${v.system ?? ''}|${v.code ?? ''}|${v.display ?? ''}`;
  }
  return String(value);
}

describe('NLP search parameter expressions', () => {
  for (const def of nlpSearchParamDefs('DocumentReference')) {
    it(`${def.code}: the FHIRPath expression gives the extractor's values`, () => {
      let compared = 0;
      for (const text of TEXTS) {
        const doc = withNlpResult(noteWithText('n', text), { status: 'succeeded', versions: TEST_VERSIONS, entities: analyzeForTest(text) });
        const expression = def.composite ? def.composite[0]!.expression : def.expression!;
        const library: unknown[] = fhirpath.evaluate(doc, expression, undefined, r4Model) as unknown[];
        if (def.composite) {
          // The composite selects one element per concept of an asserted mention.
          const selected = def.composite[0]!.select(doc, doc);
          expect(library.length, text).toBe(selected.length);
          compared += selected.length;
        } else {
          const values = def.compiled!(doc, doc);
          expect(library.map(key).sort(), text).toEqual(values.map(key).sort());
          compared += values.length;
        }
      }
      // Some note gave values: the comparison was not between two empty lists.
      expect(compared).toBeGreaterThan(0);
    });
  }
});
