/**
 * The CDC ICD-10-CM order file (icd10cm-order-YYYY.txt, layout in the release's
 * icd10OrderFiles.pdf): fixed width, one code per line, headers and billable codes in tabular order.
 *
 *   columns 1-5 order number, 7-13 code (no dot, left-aligned), 15 flag (1 = valid for HIPAA
 *   transactions, i.e. billable; 0 = header), 17-76 short title, 78- long title.
 */
import { fhirError } from '../../fhir/outcome-error';
import { readLines, type ReadLinesOptions } from './read-lines';

export interface Icd10cmOrderRecord {
  order: number;
  /** As the file writes it: no dot, e.g. 'E119'. */
  code: string;
  billable: boolean;
  shortTitle: string;
  longTitle: string;
}

/** One line of the order file; throws on a line that does not follow the layout (the file is not an order file). */
export function parseIcd10cmOrderLine(line: string, lineNumber: number): Icd10cmOrderRecord {
  const fields = /^(\d{5}) ([A-Z0-9 ]{7}) ([01]) /.exec(line);
  const code = fields?.[2]?.trim() ?? '';
  if (!fields || !/^[A-Z][0-9A-Z]{2,6}$/.test(code)) {
    throw fhirError('invalid', `Line ${lineNumber} is not an ICD-10-CM order file line (order, code, flag, titles)`, 400);
  }
  const shortTitle = line.slice(16, 76).trim();
  const longTitle = line.length > 77 ? line.slice(77).trim() : shortTitle;
  return { order: Number(fields[1]), code, billable: fields[3] === '1', shortTitle, longTitle: longTitle || shortTitle };
}

/** Streams the records of an order file. */
export async function* readIcd10cmOrderFile(file: string, options: ReadLinesOptions = {}): AsyncGenerator<Icd10cmOrderRecord> {
  for await (const { line, number } of readLines(file, options)) {
    if (line.trim().length === 0) continue;
    yield parseIcd10cmOrderLine(line, number);
  }
}

/** 'E119' → 'E11.9', 'I10' → 'I10' (the dot after the category, as the index and Comprehend write it). */
export function dottedIcd10Code(code: string): string {
  const bare = code.replace('.', '').toUpperCase();
  return bare.length > 3 ? `${bare.slice(0, 3)}.${bare.slice(3)}` : bare;
}

/** 'E11.9', 'e119', 'E11.9-' → 'E119': the key codes are compared by. */
export function bareIcd10Code(code: string): string {
  return code.replace(/[.\-\s]/g, '').toUpperCase();
}
