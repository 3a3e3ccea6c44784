/**
 * Rough cost of the query services on generated sample patients (docs/query.md): parameters of a
 * type, cohort counts by condition / age band, and a CSV export of every Observation.
 * `npx tsx test/tools/query-measure.ts [patients]` (default 50). One process, one run each: a
 * shared machine gives ratios, not times.
 */
import { MemoryRepository } from '../../src-main/fhir/memory-repository';
import { JobManager } from '../../src-main/jobs/job-manager';
import { samplePopulation } from '../../src-main/sample/generator';
import { createSessionServices } from '../../src-main/services/session-services';

async function main(): Promise<void> {
  const patients = Number(process.argv[2] ?? 50);
  const repository = new MemoryRepository();
  const jobs = new JobManager({ onEvent: () => undefined });
  let resources = 0;
  for (const batch of samplePopulation({ patients, seed: 'measure' })) {
    await repository.writeBatch(batch.resources.map((resource) => ({ kind: 'update' as const, resource })));
    resources += batch.resources.length;
  }
  const services = createSessionServices({ repository, jobs });
  const time = async (label: string, run: () => Promise<string>): Promise<void> => {
    const started = performance.now();
    const detail = await run();
    console.log(`${label}: ${(performance.now() - started).toFixed(0)} ms (${detail})`);
  };
  console.log(`${patients} patients, ${resources} resources`);
  await time('query.parameters Observation (first)', async () => {
    const r = await services.query.parameters({ resourceType: 'Observation' });
    return r.ok ? `${r.value.parameters.length} parameters` : 'failed';
  });
  for (const groupBy of ['condition', 'ageBand', 'sex'] as const) {
    await time(`query.cohort Observation by ${groupBy}`, async () => {
      const r = await services.query.cohort({ query: 'Observation', groupBy, nlp: false });
      return r.ok ? `${r.value.matched} matched, ${r.value.patients} patients, ${r.value.groups.length} groups` : 'failed';
    });
  }
  await time('query.export Observation CSV', async () => {
    const r = await services.query.export({ query: 'Observation', format: 'csv', columns: ['id', 'code.coding.code', 'value.value', 'value.unit', 'effective', 'subject.reference'] });
    if (!r.ok) return 'failed';
    const job = await jobs.whenFinished(r.value.jobId);
    return `${job?.progress.done} rows, ${job?.progress.bytesDone} bytes`;
  });
}

void main();
