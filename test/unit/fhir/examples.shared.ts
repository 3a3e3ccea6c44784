/**
 * Every instance in the spec's examples package (../shared/data/fhir-r4/examples, see its SOURCE.md)
 * written through a repository and read back. Conformance resources are included: they are resources
 * like any other. The few examples the spec itself publishes in breach of its own rules are listed
 * in KNOWN_INVALID with the rule they break; they must be refused, at that location.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceRepository, WriteOp } from '../../../src-main/fhir/repository';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const examplesDir = path.resolve(repoRoot, '../shared/data/fhir-r4/examples');

interface KnownInvalid {
  code: string;
  expression: string;
  why: string;
}

const missingBase: KnownInvalid = {
  code: 'required',
  expression: 'SearchParameter.base',
  why: 'SearchParameter.base is 1..* (searchparameter.html); these extension search parameters omit it',
};
const incompleteGuide: KnownInvalid = {
  code: 'required',
  expression: 'ImplementationGuide.name',
  why: 'ImplementationGuide.name and .status are 1..1 (implementationguide.html); the build guide omits them',
};
const patternModel: KnownInvalid = {
  code: 'invariant',
  expression: 'StructureDefinition',
  why: 'sdf-4: a non-abstract structure SHALL have a baseDefinition; these pattern models have none',
};

/** Examples the R4 package publishes although they break a rule of R4 itself. */
export const KNOWN_INVALID: Readonly<Record<string, KnownInvalid>> = {
  'Questionnaire-qs1.json': {
    code: 'required',
    expression: 'Questionnaire.item[0].item[0].linkId',
    why: 'Questionnaire.item.linkId is 1..1 (questionnaire.html); nested items here have none',
  },
  'SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json': {
    code: 'value',
    expression: 'SearchParameter.id',
    why: 'its id has 67 characters; an id has at most 64 (datatypes.html#id)',
  },
  'ImplementationGuide-fhir.json': incompleteGuide,
  'ig-r4.json': incompleteGuide,
  'StructureDefinition-Definition.json': patternModel,
  'StructureDefinition-Event.json': patternModel,
  'StructureDefinition-FiveWs.json': patternModel,
  'StructureDefinition-Request.json': patternModel,
  ...Object.fromEntries(
    ['codesystem', 'valueset'].flatMap((kind) =>
      ['author', 'effective', 'end', 'keyword', 'workflow'].map((code) => {
        const type = kind === 'codesystem' ? 'CodeSystem' : 'ValueSet';
        return [`SearchParameter-${kind}-extensions-${type}-${code}.json`, missingBase];
      }),
    ),
  ),
};

function exampleFiles(): string[] {
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json') && f !== 'package.json')
    .sort();
}

function withoutMeta(resource: Resource): Omit<Resource, 'meta'> {
  const { meta: _meta, ...rest } = resource;
  return rest;
}

const CHUNK = 200;

/** Writes every example (update-as-create, keeping the example's id) and reads each one back. */
/**
 * `stride` n > 1 takes every n-th example (HEARTH_ALL_EXAMPLES=1 takes all): for a second
 * implementation of the repository, whose validation is the same code; the vault's run takes all.
 */
export function examplesRoundTrip(name: string, makeRepository: () => Promise<{ repo: ResourceRepository; close(): Promise<void> }>, stride = 1): void {
  const present = existsSync(examplesDir);
  if (!present) console.warn(`${examplesDir} not found: the R4 examples round trip (${name}) is skipped`);
  describe.skipIf(!present)(`R4 examples round trip: ${name}`, () => {
    it('accepts every valid example, reads it back equal apart from meta, and refuses the known-invalid ones where they break', async () => {
      const { repo, close } = await makeRepository();
      try {
        const all = exampleFiles();
        expect(all.length).toBeGreaterThan(5000);
        const step = process.env.HEARTH_ALL_EXAMPLES === '1' ? 1 : stride;
        const files = all.filter((_, i) => i % step === 0);
        const written = new Map<string, Resource>();
        const refused: string[] = [];
        for (let start = 0; start < files.length; start += CHUNK) {
          const chunk = files.slice(start, start + CHUNK);
          const resources = chunk.map((f) => JSON.parse(readFileSync(path.join(examplesDir, f), 'utf8')) as Resource);
          const ops: WriteOp[] = resources.map((resource) => ({ kind: 'update', resource: structuredClone(resource) }));
          const outcomes = await repo.writeBatch(ops);
          outcomes.forEach((outcome, i) => {
            const file = chunk[i]!;
            const resource = resources[i]!;
            const known = KNOWN_INVALID[file];
            if (known) {
              expect(outcome.status, file).toBe('failed');
              if (outcome.status !== 'failed') return;
              const match = outcome.outcome.issue.find((issue) => issue.expression?.[0] === known.expression);
              expect(match?.code, `${file}: ${known.why}`).toBe(known.code);
              refused.push(file);
              return;
            }
            const problems = outcome.status === 'failed' ? JSON.stringify(outcome.outcome.issue.slice(0, 3)) : '';
            expect(outcome.status, `${file} ${problems}`).toMatch(/^(created|updated)$/);
            written.set(`${resource.resourceType}/${resource.id}`, resource);
          });
        }
        expect(refused.sort()).toEqual(Object.keys(KNOWN_INVALID).filter((file) => files.includes(file)).sort());
        for (const [key, original] of written) {
          const [type, id] = key.split('/') as [string, string];
          const read = await repo.read(type, id);
          expect(withoutMeta(read), key).toEqual(withoutMeta(original));
          const { versionId: _v, lastUpdated: _l, ...clientMeta } = original.meta ?? {};
          expect(read.meta, key).toMatchObject(clientMeta);
        }
        expect(written.size).toBeGreaterThan(5000 / step);
      } finally {
        await close();
      }
    }, 300_000);
  });
}
