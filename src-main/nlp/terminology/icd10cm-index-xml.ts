/**
 * The ICD-10-CM Alphabetic Index to Diseases and Injuries (icd10cm_index_YYYY.xml, schema
 * icd10cm_index.xsd): letters → mainTerm → nested term (level 1..9), each with a title (text plus
 * an optional <nemod>, the nonessential modifiers in parentheses), and optionally a <code>, a
 * <see> or <seeAlso> cross-reference. Read with a streaming SAX parser (saxes): one pass, memory
 * bounded by the nesting depth.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { SaxesParser } from 'saxes';
import { fhirError, OperationOutcomeError } from '../../fhir/outcome-error';

export interface Icd10cmIndexTerm {
  /** 0 for a main term, then the XML's `level` attribute. */
  level: number;
  /** Titles from the main term down to this term, each with its nonessential modifiers as the book prints them: 'Diabetes, diabetic (mellitus) (sugar)'. */
  path: string[];
  /** This term's nonessential modifiers as written, e.g. '(-astasia) (hysterical)'; '' when none. */
  nemod: string;
  /** As the index writes it: 'Q87.1', 'S72.0-' (a trailing dash: more characters are needed). */
  code?: string;
  see?: string;
  seeAlso?: string;
}

export interface IndexReadProgress {
  terms: number;
  bytesRead: number;
  bytesTotal: number;
}

export interface ReadIndexOptions {
  signal?: AbortSignal;
  onProgress?: (progress: IndexReadProgress) => void;
}

interface OpenTerm {
  level: number;
  title: string;
  nemod: string;
  code?: string;
  see?: string;
  seeAlso?: string;
}

/** Elements whose text is a field of the enclosing term. */
const FIELDS = new Set(['title', 'nemod', 'code', 'see', 'seeAlso']);

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function fullTitle(term: OpenTerm): string {
  return clean(`${term.title} ${term.nemod}`);
}

/** Streams every main term and sub-term of an index file, children before their parent's end. */
export async function* readIcd10cmIndexXml(file: string, options: ReadIndexOptions = {}): AsyncGenerator<Icd10cmIndexTerm> {
  const bytesTotal = (await stat(file)).size;
  const parser = new SaxesParser({ fileName: path.basename(file) });
  const stack: OpenTerm[] = [];
  const elements: string[] = [];
  let fieldText = '';
  let sawRoot = false;
  let ready: Icd10cmIndexTerm[] = [];
  let terms = 0;

  parser.on('opentag', (tag) => {
    if (elements.length === 0) {
      if (tag.name !== 'ICD10CM.index') throw fhirError('invalid', 'Not an ICD-10-CM index file (the root element is not ICD10CM.index)', 400);
      sawRoot = true;
    }
    elements.push(tag.name);
    if (tag.name === 'mainTerm' || tag.name === 'term') {
      const level = tag.name === 'mainTerm' ? 0 : Number(tag.attributes['level'] ?? stack.length);
      stack.push({ level, title: '', nemod: '' });
    } else if (FIELDS.has(tag.name) && tag.name !== 'nemod') {
      fieldText = '';
    }
  });
  parser.on('text', (text) => {
    const current = elements[elements.length - 1];
    const term = stack[stack.length - 1];
    if (!term || current === undefined) return;
    if (current === 'nemod') term.nemod += text;
    else if (FIELDS.has(current)) fieldText += text;
  });
  parser.on('closetag', (tag) => {
    elements.pop();
    const term = stack[stack.length - 1];
    const parent = elements[elements.length - 1];
    if (tag.name === 'mainTerm' || tag.name === 'term') {
      stack.pop();
      if (!term) return;
      terms += 1;
      const record: Icd10cmIndexTerm = {
        level: term.level,
        path: [...stack.map(fullTitle), fullTitle(term)],
        nemod: clean(term.nemod),
      };
      if (term.code) record.code = term.code;
      if (term.see) record.see = term.see;
      if (term.seeAlso) record.seeAlso = term.seeAlso;
      ready.push(record);
      return;
    }
    // Only a term's own fields count (not a letter's or the document's title).
    if (!term || (parent !== 'mainTerm' && parent !== 'term')) return;
    if (tag.name === 'title') term.title += fieldText;
    else if (tag.name === 'code') term.code = clean(fieldText);
    else if (tag.name === 'see') term.see = clean(fieldText);
    else if (tag.name === 'seeAlso') term.seeAlso = clean(fieldText);
  });

  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const feed = (chunk: string | null) => {
    try {
      if (chunk === null) parser.close();
      else parser.write(chunk);
    } catch (e) {
      if (e instanceof OperationOutcomeError) throw e;
      // saxes reports the line and column: enough to find the fault in a release file.
      throw fhirError('invalid', `The index XML is not well-formed: ${e instanceof Error ? e.message.slice(0, 200) : 'parse error'}`, 400);
    }
  };
  try {
    for await (const chunk of stream) {
      options.signal?.throwIfAborted();
      feed(chunk as string);
      if (ready.length > 0) {
        const batch = ready;
        ready = [];
        yield* batch;
      }
      options.onProgress?.({ terms, bytesRead: stream.bytesRead, bytesTotal });
    }
    feed(null);
    yield* ready;
    if (!sawRoot) throw fhirError('invalid', 'Not an ICD-10-CM index file (empty)', 400);
    options.onProgress?.({ terms, bytesRead: bytesTotal, bytesTotal });
  } finally {
    stream.destroy();
  }
}
