/**
 * A ResourceRepository that tells a listener which resources each successful write touched, so
 * the NLP processing queue hears of every new or changed DocumentReference whatever wrote it
 * (resources.create/update, an import, the local FHIR endpoint's transactions). The queue writes
 * its own results through the repository underneath, so they are not reported back to it.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { NdjsonLines, PlannedOutcome, PreparedOp, ResourceRepository, WriteBatchOptions, WriteOp, WriteOutcome } from '../../fhir/repository';
import { fillBodyText } from '../../fhir/body-bytes';

export interface WrittenResource {
  resourceType: string;
  id: string;
  /** `deleted` for a delete; otherwise the resource as stored. */
  change: 'written' | 'deleted';
  /** The resource as stored (absent for a delete): lets a listener update its state without reading it back. */
  resource?: Resource;
}

export type WriteListener = (written: readonly WrittenResource[]) => void;

function written(resource: Resource): WrittenResource {
  return { resourceType: resource.resourceType, id: resource.id ?? '', change: 'written', resource };
}

/**
 * A write prepared elsewhere (a transaction Bundle read on the write-prep thread): the stored
 * resource is its body, parsed only if a listener asks for it.
 */
function preparedWritten(op: PreparedOp, stored: { id: string; versionId: string; lastUpdated: string }): WrittenResource {
  const template = op.prepared.template;
  let parsed: Resource | undefined;
  return {
    resourceType: op.type,
    id: stored.id,
    change: 'written',
    get resource(): Resource | undefined {
      if (template && !parsed) parsed = JSON.parse(fillBodyText(template, Number(stored.versionId), stored.lastUpdated)) as Resource;
      return parsed;
    },
  };
}

/** The repository with every successful create, update, delete and batch op reported to `listener`. */
export function observeWrites(repository: ResourceRepository, listener: WriteListener): ResourceRepository {
  const report = (items: WrittenResource[]) => {
    if (items.length > 0) listener(items);
  };
  return {
    types: () => repository.types(),
    read: (type, id) => repository.read(type, id),
    vread: (type, id, version) => repository.vread(type, id, version),
    history: (type, id) => repository.history(type, id),
    typeHistory: (type, options) => repository.typeHistory(type, options),
    systemHistory: (options) => repository.systemHistory(options),
    counts: () => repository.counts(),
    list: (type, options) => repository.list(type, options),
    search: (type, params, options) => repository.search(type, params, options),
    scan: (type, options) => repository.scan(type, options),
    ...(repository.scanVersions ? { scanVersions: (type: string, options: Parameters<NonNullable<ResourceRepository['scanVersions']>>[1]) => repository.scanVersions!(type, options) } : {}),
    async create<T extends Resource>(resource: T): Promise<T> {
      const created = await repository.create(resource);
      report([written(created)]);
      return created;
    },
    async update<T extends Resource>(resource: T, options?: Parameters<ResourceRepository['update']>[1]): Promise<T> {
      const updated = await repository.update(resource, options);
      report([written(updated)]);
      return updated;
    },
    async delete(type, id) {
      const result = await repository.delete(type, id);
      report([{ resourceType: type, id, change: 'deleted' }]);
      return result;
    },
    ...(repository.prepareTransaction && repository.writePrepared
      ? {
          prepareTransaction: (text: string, base: { baseUrl: string; foreignUrlsRelative?: boolean }) => repository.prepareTransaction!(text, base),
          ...(repository.prepareNdjson ? { prepareNdjson: (chunk: NdjsonLines) => repository.prepareNdjson!(chunk) } : {}),
          async writePrepared(ops: readonly PreparedOp[], options?: WriteBatchOptions): Promise<PlannedOutcome[]> {
            const outcomes = await repository.writePrepared!(ops, options);
            const items: WrittenResource[] = [];
            outcomes.forEach((outcome, index) => {
              const op = ops[index];
              if (op && (outcome.status === 'created' || outcome.status === 'updated')) items.push(preparedWritten(op, outcome));
            });
            report(items);
            return outcomes;
          },
        }
      : {}),
    async writeBatch(ops: readonly WriteOp[], options?: WriteBatchOptions): Promise<WriteOutcome[]> {
      const outcomes = await repository.writeBatch(ops, options);
      const items: WrittenResource[] = [];
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'created' || outcome.status === 'updated') items.push(written(outcome.resource));
        else if (outcome.status === 'deleted') {
          const op = ops[index];
          if (op?.kind === 'delete') items.push({ resourceType: op.resourceType, id: op.id, change: 'deleted' });
        }
      });
      report(items);
      return outcomes;
    },
  };
}
