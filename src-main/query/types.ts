/**
 * Value types of the query screen's services (docs/query.md): the search parameters of a type,
 * saved queries, cohort counts and result exports. Imported by the renderer: no Node imports.
 */

export type QueryParamType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite' | 'special';

/** One search parameter of a resource type, as the engine answers it (search.html#table). */
export interface QueryParameterInfo {
  code: string;
  type: QueryParamType;
  description: string;
  /** Reference parameters: the types they may point to (the targets of a chain, `subject:Patient.name`). */
  targets: string[];
  /** The modifiers the engine accepts on this parameter (search.html#modifiers), without the colon. */
  modifiers: string[];
  /** The prefixes it accepts (search.html#prefix): date, number and quantity parameters. */
  prefixes: string[];
  /** `_id`, `_lastUpdated`, `_text`, `_content`: the parameters of every type. */
  common?: boolean;
  /** Hearth's own parameters (the NLP results, docs/nlp-results.md). */
  hearth?: boolean;
}

export interface QueryParameters {
  resourceType: string;
  parameters: QueryParameterInfo[];
  /** `_include` values: `Type:param` for each reference parameter (search.html#include). */
  includes: string[];
  /** `_revinclude` values: `Source:param` of the reference parameters that may point to this type. */
  revIncludes: string[];
  /** Parameters `_sort` accepts (search.html#sort): every indexed parameter but composites and specials. */
  sorts: string[];
}

/** A search kept in the vault (a Basic resource, docs/query.md). */
export interface SavedQuery {
  id: string;
  name: string;
  /** `Type?params`, as the raw query box shows it. */
  query: string;
  /** The chosen table columns (simple paths, src-main/query/paths.ts), when some were chosen. */
  columns?: string[];
  /** When it was last saved (the Basic's meta.lastUpdated). */
  savedAt: string;
}

export type CohortGroupBy = 'condition' | 'ageBand' | 'sex';

export interface CohortGroup {
  /** The ICD-10-CM category (`I10`, `E11`), the age band (`40-49`) or the sex (`female`); `unknown` when absent. */
  key: string;
  label: string;
  /** Distinct patients of the cohort in this group. */
  patients: number;
  /** Condition grouping: patients with a coded Condition in the category. */
  coded?: number;
  /** Condition grouping with NLP: patients with a note mentioning the category (not negated). */
  nlp?: number;
}

export interface CohortReport {
  groupBy: CohortGroupBy;
  /** The resource type searched. */
  resourceType: string;
  /** Resources that matched the query (all pages). */
  matched: number;
  /** Distinct patients: the matched Patients, or the patients the matched resources are about. */
  patients: number;
  /** Matched resources about no patient (no subject/patient reference to a Patient). */
  withoutPatient: number;
  groups: CohortGroup[];
  /** Set when the query matched more resources than a cohort reads (the counts cover the first ones). */
  truncatedAt?: number;
  tookMs: number;
}

export type QueryExportFormat = 'ndjson' | 'csv';

/** A finished export of a query's results, read part by part (query.exportResult). */
export interface QueryExportPart {
  jobId: string;
  fileName: string;
  mimeType: string;
  format: QueryExportFormat;
  /** Resources written (all of them, not this part's). */
  resources: number;
  /** 0-based; `parts` parts in all. */
  part: number;
  parts: number;
  text: string;
}
