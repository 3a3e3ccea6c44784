/**
 * Every value indexed from the R4 examples (../shared/data/fhir-r4/examples, at most 25 per type)
 * finds its own resource again through the parameter's search syntax, on the memory store (the
 * vault runs the same projector and SQL: search-vault.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { examplesDir, loadExamples, runRoundTrip } from '../../tools/search-roundtrip';

const examples = loadExamples();

describe.skipIf(!examples)(`search round trip over the R4 examples (${examplesDir})`, () => {
  it('finds each example by each of its indexed values', async () => {
    const report = await runRoundTrip(new MemoryRepository(), examples ?? []);
    expect(report.stored).toBeGreaterThan(500);
    expect(report.queries).toBeGreaterThan(3000);
    expect(report.failures.slice(0, 10)).toEqual([]);
  }, 120_000);
});

if (!examples) {
  describe('search round trip over the R4 examples', () => {
    it.skip(`skipped: ${examplesDir} is absent`, () => undefined);
  });
}
