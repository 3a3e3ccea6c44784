/**
 * What the terminology API answers (src-main/api/contract.ts imports these types): plain data,
 * no Node modules, so the renderer can import them too.
 */

export interface Icd10ImportSummary {
  /** e.g. 'icd10cm-2026'. */
  version: string;
  codes: number;
  billable: number;
  headers: number;
  /** Release year of the Alphabetic Index joined in, when one was. */
  indexVersion?: string;
  indexTermsRead: number;
  indexTermsWithCode: number;
  indexTermsJoined: number;
  indexTermsDropped: number;
  indexCodesDropped: number;
  /** What the vault did with the pack; absent when the files were only read. */
  stored?: 'created' | 'updated' | 'unchanged';
}

export interface RxNormImportSummary {
  /** e.g. 'rxnorm-2025-11-03', 'rxnorm-partial'. */
  version: string;
  source: 'rrf' | 'tsv';
  rowsRead: number;
  concepts: number;
  /** Concepts by term type (IN, PIN, MIN, BN, SCD, SBD, ...). */
  byTty: Record<string, number>;
  synonyms: number;
  brandIngredientLinks: number;
  clinicalDrugs: number;
  /** What the vault did with the pack; absent when the files were only read. */
  stored?: 'created' | 'updated' | 'unchanged';
}

export interface TerminologyImportReport {
  jobId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** File names read (no folders). */
  files: string[];
  icd10?: Icd10ImportSummary;
  rxnorm?: RxNormImportSummary;
  seconds: number;
}

/** One pack stored in the vault (`terminology.list`). */
export interface TerminologyPackInfo {
  codeSystemId: string;
  system: 'ICD10CM' | 'RXNORM';
  url: string;
  version: string;
  count: number;
  sha256: string;
  parts: number;
  bytes: number;
  lastUpdated?: string;
}
