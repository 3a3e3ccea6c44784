/**
 * Prepared writes' trip from the write-prep worker to the store's thread as columns
 * (fhir/prepared-columns.ts): after a structured clone, the writes come back equal to those sent,
 * rows aside (they travel packed apart), with validation problems, If-Match and skipUnchanged
 * where they were, and nowhere else; the body templates come back as their UTF-8.
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { lineWritesFromColumns, preparedColumns, preparedFromColumns, preparedOpColumns, transactionWritesFromColumns } from '../../../src-main/fhir/prepared-columns';
import type { PreparedLineWrite, PreparedTransactionWrite } from '../../../src-main/fhir/repository';
import { prepareWrite, type PreparedWrite } from '../../../src-main/fhir/write-prep';
import { isTemplateBytes } from '../../../src-main/fhir/body-bytes';
import { corpusResources } from '../../bench/fhir/corpus';

/** Prepared writes without their rows: what the columns carry. */
function prepared(): PreparedWrite[] {
  const resources: Resource[] = [...corpusResources(40)];
  // A write with problems (an unknown element), and one whose body keeps a client's meta.
  resources.splice(7, 0, { resourceType: 'Patient', id: 'bad', notAnElement: true } as unknown as Resource);
  resources.splice(12, 0, { resourceType: 'Patient', id: 'm', meta: { tag: [{ code: 't' }] }, gender: 'other' });
  return resources.map((resource) => {
    const { rows: _rows, ...write } = prepareWrite({ resource, kind: 'update', id: resource.id ?? 'x' }, false);
    return write;
  });
}

const decoder = new TextDecoder();

/** A write with its template as text (the columns give it back as bytes). */
function withTextTemplate<W extends { prepared: PreparedWrite }>(op: W): W {
  return { ...op, prepared: textTemplate(op.prepared) };
}

function textTemplate(write: PreparedWrite): PreparedWrite {
  const template = write.template;
  if (template === undefined || !isTemplateBytes(template)) return write;
  return { ...write, template: { head: decoder.decode(template.head), tail: decoder.decode(template.tail) } };
}

describe('prepared columns', () => {
  it('give back the prepared writes, problems where they were', () => {
    const writes = prepared();
    expect(writes.filter((w) => w.problems !== undefined).length).toBe(1);
    const back = preparedFromColumns(structuredClone(preparedColumns(writes)));
    expect(back.every((w) => w.template === undefined || isTemplateBytes(w.template))).toBe(true);
    expect(back.map(textTemplate)).toStrictEqual(writes);
  });

  it('give back a transaction’s writes and an NDJSON chunk’s, If-Match and skipUnchanged where they were', () => {
    const writes = prepared();
    const transaction: PreparedTransactionWrite[] = writes.map((write, i) => {
      const op: PreparedTransactionWrite = { index: i * 2 + 1, kind: i % 3 === 0 ? 'create' : 'update', type: 'Patient', id: `p${i}`, prepared: write };
      if (i % 5 === 2) op.ifMatch = `W/"${i}"`;
      return op;
    });
    expect(transactionWritesFromColumns(structuredClone(preparedOpColumns(transaction, (w) => w.index))).map(withTextTemplate)).toStrictEqual(transaction);
    const lines: PreparedLineWrite[] = writes.map((write, i) => {
      const op: PreparedLineWrite = { line: i + 10, kind: 'update', type: 'Observation', id: `o${i}`, prepared: write };
      if (i % 4 !== 1) op.skipUnchanged = true;
      return op;
    });
    expect(lineWritesFromColumns(structuredClone(preparedOpColumns(lines, (w) => w.line))).map(withTextTemplate)).toStrictEqual(lines);
  });

  it('refuse columns of different lengths, or naming a write they do not hold', () => {
    const columns = preparedOpColumns(
      prepared().map((write, i) => ({ index: i, kind: 'update' as const, type: 'Patient', id: `p${i}`, prepared: write })),
      (w) => w.index,
    );
    expect(() => transactionWritesFromColumns({ ...columns, id: columns.id.slice(1) })).toThrow('different lengths');
    expect(() => transactionWritesFromColumns({ ...columns, ifMatch: [{ at: columns.id.length, ifMatch: 'W/"1"' }] })).toThrow('do not hold');
  });
});
