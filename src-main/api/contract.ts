/**
 * The one typed API contract between the UI (any face) and the Hearth services.
 *
 * Typed once per domain and combined (the Actual Budget way). Every method has a zod schema for
 * its input, checked at run time in the process that owns the services (Electron main, the web
 * server, the store worker), and a TypeScript output type. Every call returns a `Result`: errors
 * are OperationOutcome values, never thrown strings.
 *
 * Imported by the renderer for types: keep it free of Node imports.
 */
import { z } from 'zod';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { OperationOutcome, Result } from './result';
import type { ApiMethods } from './methods';
import type { TerminologyImportReport, TerminologyPackInfo } from '../nlp/terminology/report-types';
import { ENTITY_CATEGORIES, ENTITY_TYPES, TRAIT_NAMES, type EntityType } from '../nlp/types';
import type { AgreementReport, AnnotationFile, ConceptSearchResult, ReviewDocument, ReviewQueuePage } from '../review/types';
import type { ReviewImportResult } from '../review/formats/common';
import type { LearningSummary } from '../nlp/learning/model';
import type { ChartNote, PatientChart } from '../chart/types';
import type { CohortReport, QueryExportPart, QueryParameters, SavedQuery } from '../query/types';
import type { AuthorizationStatus, ConflictDetail, ConnectionReport, PullReport, PushReport, ResolveResult, ServerProfile, SyncConflict, SyncStatus } from '../sync/types';

/** A method: a run-time input schema plus a compile-time output type. */
export interface MethodSpec<I extends z.ZodType, O> {
  input: I;
  /** Phantom: never read at run time. */
  output?: O;
}
const method =
  <O>() =>
  <I extends z.ZodType>(input: I): MethodSpec<I, O> => ({ input });

const empty = z.object({}).strict();
const passphrase = z.string().min(1, 'Passphrase is required').max(1024);
const folderPath = z.string().min(1, 'Folder path is required').max(4096);
const resourceType = z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, 'Not a resource type name');
const resourceId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'Not a valid FHIR id (id.html)');
const versionId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'Not a valid version id');
/** Structure is checked by the FHIR engine, which answers with an OperationOutcome. */
const resourceBody = z.looseObject({ resourceType });
const jobId = z.string().min(1).max(100);

// ---------------------------------------------------------------------------------------------
// Shared value types
// ---------------------------------------------------------------------------------------------

export interface VaultInfo {
  /** Absolute path of the vault folder. */
  path: string;
  formatVersion: number;
  createdAt: string;
}

export type LockReason = 'user' | 'idle' | 'error';

export interface VaultStatus {
  state: 'locked' | 'unlocked';
  vault: VaultInfo | null;
  /** Why the vault was last locked, when it was (the UI says "Locked after 15 minutes idle"). */
  lockReason?: LockReason;
  recentVaults: string[];
}

/** What is at a folder the user typed or picked, before asking for a passphrase. */
export interface VaultProbe {
  path: string;
  exists: boolean;
  /** The folder holds a Hearth vault header. */
  isVault: boolean;
  /** The folder is missing or empty, so a vault can be created there. */
  canCreate: boolean;
  formatVersion?: number;
  /** Why it is neither a vault nor usable for a new one. */
  problem?: string;
}

export interface VerifiedFile {
  /** Path relative to the vault folder. */
  file: string;
  bytes: number;
  ok: boolean;
  problem?: string;
}

export interface VerifyReport {
  ok: boolean;
  files: VerifiedFile[];
  transactions: number;
  resources: number;
  versions: number;
  problems: string[];
}

export interface ResourceCount {
  resourceType: string;
  count: number;
}

export interface ResourcePage {
  total: number;
  offset: number;
  resources: Resource[];
}

export interface DeleteResult {
  resourceType: string;
  id: string;
  /** The version that records the deletion. */
  versionId: string;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  /** Records handled so far. */
  done: number;
  /** Records expected, when known. */
  total?: number;
  bytesDone?: number;
  bytesTotal?: number;
  /** Records per second over the recent window. */
  ratePerSecond?: number;
  etaSeconds?: number;
  message?: string;
}

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** s10-Y: GET/HEAD entries of imported batch and transaction Bundles, run (they read), not written; absent when none. */
  read?: number;
}

export interface JobState {
  id: string;
  kind: 'import' | 'export' | 'terminology' | 'nlp' | 'review' | 'query' | 'sync';
  title: string;
  status: JobStatus;
  startedAt: string;
  finishedAt?: string;
  progress: JobProgress;
  counts?: ImportCounts;
  error?: OperationOutcome;
}

export interface ImportRecordError {
  /** File name as given (never its content). */
  file: string;
  /** 1-based line where the record starts. */
  line: number;
  /** 0-based position of the entry in a Bundle, when the record is a Bundle entry. */
  entryIndex?: number;
  resourceType?: string;
  /** One-line reason. */
  message: string;
  outcome: OperationOutcome;
}

export interface ImportFileSummary extends ImportCounts {
  file: string;
  records: number;
  /** The file could not be read or parsed at all. */
  problem?: string;
  /** s10-Y: the file was skipped and that is not a failure (a JSON object with no resourceType). */
  notice?: string;
}

export interface ImportReport extends ImportCounts {
  jobId: string;
  status: JobStatus;
  files: ImportFileSummary[];
  errors: ImportRecordError[];
}

/** One file of a bulk export, as in the Bulk Data manifest's output (url relative to the folder). */
export interface ExportFile {
  type: string;
  url: string;
  count: number;
}

/** What an export job wrote (docs/export.md). */
export interface ExportReport {
  jobId: string;
  status: JobStatus;
  outDir: string;
  format: 'ndjson' | 'bundle';
  /** When the export started (export.html#response---complete-status); absent until it has run. */
  transactionTime?: string;
  resources: number;
  bytes: number;
  output: ExportFile[];
  errors: ExportFile[];
}

export type ThemePreference = 'light' | 'dark' | 'auto';

/** The local FHIR endpoint switch (docs/fhir-endpoint.md). Absent from Settings: off, any free port. */
export interface FhirEndpointSettings {
  enabled: boolean;
  /** 0: a free port chosen at each start. */
  port: number;
}

export interface Settings {
  /** Minutes without user activity before the vault locks itself. */
  autoLockMinutes: number;
  theme: ThemePreference;
  fhirEndpoint?: FhirEndpointSettings;
  /** The name review decisions are recorded under (docs/review.md); asked once, on the first review. */
  reviewerName?: string;
}

/**
 * What the local FHIR endpoint is doing: `off` (switched off), `locked` (on, waiting for a vault),
 * `running` (with its base URL and bearer token), `error` (could not start: the port is taken...).
 * The token lives in memory only and is new at every start (or on request).
 */
export interface FhirEndpointStatus {
  state: 'off' | 'locked' | 'running' | 'error';
  enabled: boolean;
  /** The configured port (0 = any free one). */
  port: number;
  /** `http://127.0.0.1:N/fhir` while running. */
  baseUrl?: string;
  token?: string;
  error?: string;
}

/** One note the NLP queue could not process (its id and why; never its content). */
export interface NlpNoteError {
  id: string;
  message: string;
}

/**
 * The clinical NLP processing queue of the open vault (docs/nlp-results.md): how many
 * DocumentReferences carry a current result, wait for one, or carry one from other engine, lexicon
 * or terminology pack versions (then `notice` says so and `nlp.rerun` redoes them).
 */
export interface NlpQueueStatus {
  /** An engine is configured for this session (otherwise nothing is processed). */
  available: boolean;
  /** The versions the engine stamps on its results, once it has started. */
  versions?: { engine: string; lexicon: string; packs: string[] };
  /** Every note of the store has been looked at since the vault was opened (before that, counts are partial). */
  scanned: boolean;
  notes: number;
  /** Notes with a result of this engine for their current text (failures included). */
  current: number;
  /** New or edited notes waiting to be processed. */
  pending: number;
  /** Notes processed by other engine/lexicon/pack versions: re-run offered. */
  outdated: number;
  /** Notes whose text could not be read or analysed (a subset of `current`). */
  failed: number;
  /** Automatic processing is stopped (nlp.cancel) until nlp.start. */
  paused: boolean;
  /** The queue's job while one is queued or running (progress: jobs.get / job events). */
  jobId?: string;
  /** e.g. "12 notes were processed by an older engine". */
  notice?: string;
  /** The latest failures, newest last (at most 20). */
  errors: NlpNoteError[];
  /** Notes analysed (results written) since the vault was opened, and how many of those results are failures. */
  processed?: { notes: number; failed: number };
}

/** Pushed from the services to every connected UI. */
export type HearthEvent =
  | { type: 'job'; job: JobState }
  | { type: 'nlp'; status: NlpQueueStatus }
  | { type: 'vault'; status: VaultStatus }
  | { type: 'settings'; settings: Settings };

export const importSource = z.discriminatedUnion('kind', [
  /** File content sent by the UI (drag and drop in the browser). */
  z.object({ kind: z.literal('text'), name: z.string().min(1).max(1024), text: z.string() }).strict(),
  /** A file on this machine, read by the services (CLI, Electron file picker). */
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }).strict(),
]);
export type ImportSource = z.infer<typeof importSource>;

// ---------------------------------------------------------------------------------------------
// Domains
// ---------------------------------------------------------------------------------------------

export const vaultContract = {
  status: method<VaultStatus>()(empty),
  probe: method<VaultProbe>()(z.object({ path: folderPath }).strict()),
  create: method<VaultInfo>()(z.object({ path: folderPath, passphrase }).strict()),
  unlock: method<VaultInfo>()(z.object({ path: folderPath, passphrase }).strict()),
  lock: method<VaultStatus>()(empty),
  changePassphrase: method<{ changed: true }>()(
    z.object({ currentPassphrase: passphrase, newPassphrase: passphrase }).strict(),
  ),
  verify: method<VerifyReport>()(empty),
  /** The user is active: restarts the idle auto-lock timer. */
  touch: method<{ lockInMs: number | null }>()(empty),
};

export const resourcesContract = {
  /** Every R4 resource type the store accepts. */
  types: method<string[]>()(empty),
  counts: method<ResourceCount[]>()(empty),
  list: method<ResourcePage>()(
    z
      .object({
        resourceType,
        offset: z.number().int().min(0).default(0),
        count: z.number().int().min(1).max(200).default(50),
      })
      .strict(),
  ),
  read: method<Resource>()(z.object({ resourceType, id: resourceId }).strict()),
  vread: method<Resource>()(z.object({ resourceType, id: resourceId, versionId }).strict()),
  history: method<Bundle>()(z.object({ resourceType, id: resourceId }).strict()),
  create: method<Resource>()(z.object({ resource: resourceBody }).strict()),
  update: method<Resource>()(z.object({ resource: resourceBody, ifMatch: versionId.optional() }).strict()),
  delete: method<DeleteResult>()(z.object({ resourceType, id: resourceId }).strict()),
  /** A FHIR search such as `Patient?family=smith&_count=10` (search.html). */
  search: method<Bundle>()(z.object({ query: z.string().min(1).max(8192) }).strict()),
};

export const importContract = {
  start: method<{ jobId: string }>()(z.object({ sources: z.array(importSource).min(1).max(10_000) }).strict()),
  report: method<ImportReport>()(z.object({ jobId }).strict()),
  /** Loads synthetic patients (src-main/sample) as an import job: "preload sample data". */
  sample: method<{ jobId: string }>()(
    z.object({ patients: z.number().int().min(1).max(1000), seed: z.string().min(1).max(64).default('hearth') }).strict(),
  ),
};

export const exportContract = {
  /** Bulk export of the vault to a folder on this machine, as a job (docs/export.md). */
  start: method<{ jobId: string }>()(
    z
      .object({
        outDir: folderPath,
        format: z.enum(['ndjson', 'bundle']).default('ndjson'),
        /** Bulk Data `_type`. */
        types: z.array(resourceType).min(1).max(200).optional(),
        /** Bulk Data `_since` (FHIR instant). */
        since: z.string().min(4).max(64).optional(),
        /** Bulk Data `patient`: these patients' compartments. */
        patients: z.array(resourceId).min(1).max(100_000).optional(),
        /** Group-level export: the compartments of the Group's Patient members. */
        group: resourceId.optional(),
      })
      .strict(),
  ),
  report: method<ExportReport>()(z.object({ jobId }).strict()),
};

export const jobsContract = {
  list: method<JobState[]>()(empty),
  get: method<JobState>()(z.object({ jobId }).strict()),
  cancel: method<JobState>()(z.object({ jobId }).strict()),
};

/** Terminology packs (docs/terminology.md): official ICD-10-CM / RxNorm releases read from files on this machine into the vault. */
export const terminologyContract = {
  /** Reads the releases found under these files or folders and stores their packs; a job (progress: jobs.get). */
  import: method<{ jobId: string }>()(z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(100) }).strict()),
  report: method<TerminologyImportReport>()(z.object({ jobId }).strict()),
  /** The packs stored in the vault. */
  list: method<TerminologyPackInfo[]>()(empty),
};

export const nlpContract = {
  status: method<NlpQueueStatus>()(empty),
  /** Resumes automatic processing and processes the notes waiting for it. */
  start: method<NlpQueueStatus>()(empty),
  /** Re-runs the notes processed by other engine versions (`outdated`) or every note (`all`). */
  rerun: method<NlpQueueStatus>()(z.object({ scope: z.enum(['outdated', 'all']).default('outdated') }).strict()),
  /** Stops the running job and pauses automatic processing until nlp.start. */
  cancel: method<NlpQueueStatus>()(empty),
  /** What the engine learned from reviewers' corrections (docs/review.md "What the engine learns"): counts of suppressions, terms, concepts, triggers. */
  learning: method<LearningSummary>()(empty),
  /** Derives it again from the review records now (it is also rebuilt a few seconds after they change); a new version restarts the engine. */
  relearn: method<LearningSummary>()(empty),
};

/** Concept search over the loaded vocabularies (docs/concept-search.md): the review workspace's "change concept". */
export const conceptsContract = {
  /**
   * Codes and words a coder types (`I10`, `e116`, `htn`, `type 2 diab`), ranked; searches the
   * vault's ICD-10-CM and RxNorm packs and the built-in lexicon (the lexicon alone without packs).
   */
  search: method<ConceptSearchResult>()(
    z
      .object({
        query: z.string().min(1).max(200),
        systems: z.array(z.enum(['ICD10CM', 'RXNORM'])).min(1).max(2).optional(),
        limit: z.number().int().min(1).max(50).default(20),
        /** Only billable ICD-10-CM codes (RxNorm concepts are kept). */
        billableOnly: z.boolean().optional(),
      })
      .strict(),
  ),
};

export const settingsContract = {
  get: method<Settings>()(empty),
  update: method<Settings>()(
    z
      .object({
        autoLockMinutes: z.number().int().min(1).max(24 * 60).optional(),
        theme: z.enum(['light', 'dark', 'auto']).optional(),
        fhirEndpoint: z
          .object({ enabled: z.boolean().optional(), port: z.number().int().min(0).max(65535).optional() })
          .strict()
          .optional(),
        reviewerName: z.string().trim().min(1).max(100).optional(),
      })
      .strict(),
  ),
  /** The local FHIR endpoint's state, base URL and token. */
  fhirEndpoint: method<FhirEndpointStatus>()(empty),
  /** A new bearer token for the local FHIR endpoint (the old one stops working at once). */
  newFhirToken: method<FhirEndpointStatus>()(empty),
};

// ---------------------------------------------------------------------------------------------
// Review (docs/review.md)

export interface BulkAcceptResult {
  /** Notes changed. */
  documents: number;
  /** Annotations accepted. */
  accepted: number;
  /** Set when the work runs as a job (many notes): the counts are then in the job's progress. */
  jobId?: string;
}

/** A reviewer is a name typed by the user (no accounts in an offline app). */
const reviewerName = z.string().trim().min(1, 'Reviewer name is required').max(100);
const entityCategory = z.enum(ENTITY_CATEGORIES);
const ALL_ENTITY_TYPES = [...new Set<EntityType>(Object.values(ENTITY_TYPES).flat())] as [EntityType, ...EntityType[]];
const reviewStatus = z.enum(['unreviewed', 'in-progress', 'done']);
const annotationFormat = z.enum(['comprehend-jsonl', 'spacy-jsonl', 'brat']);
/** `e:<begin>-<end>-<category>` (an engine entity, `~n` for a second one on the same span) or `u:<n>` (added by a reviewer). */
const annotationId = z.string().regex(/^(?:e:\d{1,9}-\d{1,9}-[A-Z_]{1,40}(?:~\d{1,4})?|u:\d{1,9})$/, 'Not an annotation id (e:<begin>-<end>-<category> or u:<n>)');
const offset = z.number().int().min(0).max(2_147_483_647);
export const annotationState = z
  .object({
    begin: offset,
    end: offset,
    category: entityCategory,
    type: z.enum(ALL_ENTITY_TYPES),
    traits: z.array(z.enum(TRAIT_NAMES)).max(TRAIT_NAMES.length),
    concept: z
      .object({ system: z.enum(['ICD10CM', 'RXNORM']), code: z.string().trim().min(1).max(64), display: z.string().max(1000) })
      .strict()
      .optional(),
    decision: z.enum(['pending', 'accepted', 'rejected']),
  })
  .strict()
  .superRefine((state, ctx) => {
    if (state.end <= state.begin) ctx.addIssue({ code: 'custom', message: 'A span ends after it begins (begin < end)', path: ['end'] });
    if (!(ENTITY_TYPES[state.category] as readonly string[]).includes(state.type)) {
      ctx.addIssue({ code: 'custom', message: `${state.type} is not a type of ${state.category}`, path: ['type'] });
    }
    const system = state.category === 'MEDICAL_CONDITION' ? 'ICD10CM' : state.category === 'MEDICATION' ? 'RXNORM' : undefined;
    if (state.concept && state.concept.system !== system) {
      const message = system ? `A ${state.category} takes a ${system} concept` : `A ${state.category} has no concept`;
      ctx.addIssue({ code: 'custom', message, path: ['concept', 'system'] });
    }
  });

/**
 * The review workspace (docs/review.md). X adds export/import/agreement here: keep the review
 * methods together in this object.
 */
export const reviewContract = {
  /** The document queue: lowest engine confidence first by default. */
  queue: method<ReviewQueuePage>()(
    z
      .object({
        status: z.array(reviewStatus).max(3).optional(),
        /** Notes this reviewer has a record for. */
        reviewer: reviewerName.optional(),
        /** Status and pending as this reviewer sees them (their own record); default: over every reviewer. */
        viewer: reviewerName.optional(),
        category: entityCategory.optional(),
        /** Range of the note's lowest engine score. */
        scoreMin: z.number().min(0).max(1).optional(),
        scoreMax: z.number().min(0).max(1).optional(),
        hasNegated: z.boolean().optional(),
        /** Title contains (case-insensitive). */
        text: z.string().max(200).optional(),
        sort: z.enum(['score', 'date', 'title']).default('score'),
        descending: z.boolean().default(false),
        offset: z.number().int().min(0).default(0),
        count: z.number().int().min(1).max(500).default(50),
      })
      .strict(),
  ),
  /** A note opened by a reviewer: its text, sections and annotations (the engine's overlaid with the reviewer's record). */
  document: method<ReviewDocument>()(z.object({ documentId: resourceId, reviewer: reviewerName }).strict()),
  /** Sets annotations' reviewed states; a stale expectedRevision is a 412. */
  apply: method<ReviewDocument>()(
    z
      .object({
        documentId: resourceId,
        reviewer: reviewerName,
        expectedRevision: z.number().int().min(0).optional(),
        changes: z
          .array(z.object({ id: annotationId.optional(), after: annotationState.nullable() }).strict())
          .min(1)
          .max(5000),
      })
      .strict(),
  ),
  setStatus: method<ReviewDocument>()(z.object({ documentId: resourceId, reviewer: reviewerName, status: reviewStatus }).strict()),
  /**
   * Accepts pending engine annotations that match, on one note or on every note (one transaction
   * per note). Over more than a few dozen notes it runs as a job: the answer then carries `jobId`
   * (progress and the final counts: jobs.get, job events) and zero counts.
   */
  bulkAccept: method<BulkAcceptResult>()(
    z
      .object({
        reviewer: reviewerName,
        documentId: resourceId.optional(),
        minScore: z.number().min(0).max(1).optional(),
        /** The same text, case-insensitive. */
        text: z.string().trim().min(1).max(1000).optional(),
        category: entityCategory.optional(),
      })
      .strict(),
  ),
  /** Everyone who reviewed a note in this vault. */
  reviewers: method<Array<{ name: string; documents: number; done: number }>>()(empty),
  /**
   * A reviewer's annotations in an interchange format (docs/annotation-formats.md): accepted, edited
   * and added ones; rejected ones too with includeRejected. Default: every note they have a record for.
   */
  export: method<AnnotationFile[]>()(
    z
      .object({
        format: annotationFormat,
        reviewer: reviewerName,
        documentIds: z.array(resourceId).min(1).max(100_000).optional(),
        includeRejected: z.boolean().default(false),
      })
      .strict(),
  ),
  /** Files of an interchange format stored as the reviewer's records (with Provenance); a bad line or note is an error, the rest go on. */
  import: method<ReviewImportResult>()(
    z
      .object({
        format: annotationFormat,
        reviewer: reviewerName,
        files: z
          .array(z.object({ name: z.string().min(1).max(1024), text: z.string() }).strict())
          .min(1)
          .max(200_000),
      })
      .strict(),
  ),
  /** Cohen's kappa and F1 per category between two reviewers, and their differences (docs/review-agreement.md). Default: every note both have a record for. */
  agreement: method<AgreementReport>()(
    z.object({ reviewerA: reviewerName, reviewerB: reviewerName, documentIds: z.array(resourceId).min(1).max(100_000).optional() }).strict(),
  ),
};

/** The patient chart (docs/patient-chart.md): one patient's record, read from its compartment. */
export const chartContract = {
  /** Demographics, timeline, observation series, notes, and the NLP-found conditions not yet coded. */
  patient: method<PatientChart>()(z.object({ patientId: resourceId }).strict()),
  /** One note's text with the engine's entities, read-only (no reviewer needed). */
  note: method<ChartNote>()(z.object({ documentId: resourceId }).strict()),
};

// ---------------------------------------------------------------------------------------------
// The query screen (docs/query.md)

const searchQuery = z.string().min(1).max(8192);
const columnPath = z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*){0,7}$/, 'Not a simple element path (e.g. code.coding.code)');

export const queryContract = {
  /** The search parameters of a type (code, type, description, targets, modifiers, prefixes), its _include/_revinclude values and _sort keys. */
  parameters: method<QueryParameters>()(z.object({ resourceType }).strict()),
  /** Distinct patients of a query's matches (or the patients they are about), by ICD-10-CM category, age band or sex. */
  cohort: method<CohortReport>()(
    z
      .object({
        query: searchQuery,
        groupBy: z.enum(['condition', 'ageBand', 'sex']),
        /** Condition grouping: also the asserted ICD-10-CM concepts of the patients' notes. */
        nlp: z.boolean().default(false),
        minScore: z.number().min(0).max(1).optional(),
      })
      .strict(),
  ),
  /** A query's matches (all pages) as NDJSON or CSV, as a job (progress: jobs.get); read with exportResult. */
  export: method<{ jobId: string }>()(
    z.object({ query: searchQuery, format: z.enum(['ndjson', 'csv']), columns: z.array(columnPath).min(1).max(200).optional() }).strict(),
  ),
  /** One part (about 1 MB) of a finished query export. */
  exportResult: method<QueryExportPart>()(z.object({ jobId, part: z.number().int().min(0).max(1_000_000).default(0) }).strict()),
};

/** Saved queries, stored in the vault (Basic resources, docs/query.md). */
export const queriesContract = {
  list: method<SavedQuery[]>()(empty),
  /** Saves a new query, or replaces saved query `id`. */
  save: method<SavedQuery>()(
    z
      .object({
        id: resourceId.optional(),
        name: z.string().trim().min(1, 'A name is required').max(200),
        query: searchQuery,
        columns: z.array(columnPath).max(200).optional(),
      })
      .strict(),
  ),
  delete: method<{ id: string }>()(z.object({ id: resourceId }).strict()),
};

/** Sync with remote FHIR servers (docs/sync.md). Secrets go in, never out. */
const serverName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'A server name is 1 to 64 letters, digits, dot, dash or underscore');
const serverAuth = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('basic'), user: z.string().min(1).max(256), password: z.string().min(1).max(4096) }).strict(),
  z.object({ kind: z.literal('bearer'), token: z.string().min(1).max(16_384) }).strict(),
  z
    .object({
      kind: z.literal('smart-backend'),
      clientId: z.string().min(1).max(1024),
      /** PEM (PKCS#8, PKCS#1 or SEC1) or a private JWK as JSON. */
      privateKey: z.string().min(1).max(32_768).optional(),
      // s9-U: or the absolute path of a key file (the desktop app's picker; the key never passes through the renderer);
      // neither keeps the sealed key of the backend profile being edited.
      privateKeyFile: z.string().min(1).max(4096).optional(),
      keyId: z.string().min(1).max(256).optional(),
      alg: z.enum(['RS384', 'ES384']).optional(),
      tokenUrl: z.string().min(1).max(2048).optional(),
      scope: z.string().min(1).max(2048).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('smart-launch'),
      clientId: z.string().min(1).max(1024),
      scope: z.string().min(1).max(2048).optional(),
      authorizeUrl: z.string().min(1).max(2048).optional(),
      tokenUrl: z.string().min(1).max(2048).optional(),
    })
    .strict(),
]);
export const syncContract = {
  /** The vault's server profiles, without their secrets. */
  servers: method<ServerProfile[]>()(empty),
  /** Adds or replaces a profile (https only, except http to loopback); the secret is sealed in the vault. */
  saveServer: method<ServerProfile>()(
    z
      .object({
        name: serverName,
        baseUrl: z.string().min(1).max(2048),
        auth: serverAuth,
        pullTypes: z.array(resourceType).max(300).optional(),
        chunkSize: z.number().int().min(1).max(1000).optional(),
        /** PEM CA certificates trusted in addition to the system's; null removes the bundle. */
        caBundle: z.string().max(1_000_000).nullable().optional(),
      })
      .strict(),
  ),
  removeServer: method<{ removed: true }>()(z.object({ name: serverName }).strict()),
  /** GET /metadata: FHIR version, transaction/batch, interactions per type. */
  test: method<ConnectionReport>()(z.object({ name: serverName }).strict()),
  /**
   * A push job (progress: jobs.get; result: sync.report). `changed` (default) sends what changed since it was last synced; `all` every resource.
   * Scope: `types`, or `query` (a saved query's id: what it matches), or `reviewedOnly` (notes whose review is done), the last two with the unsynced resources they refer to.
   */
  push: method<JobState>()(
    z
      .object({
        name: serverName,
        mode: z.enum(['all', 'changed']).default('changed'),
        types: z.array(resourceType).max(300).optional(),
        dryRun: z.boolean().default(false),
        query: resourceId.optional(),
        reviewedOnly: z.boolean().optional(),
      })
      .strict()
      .refine((v) => [v.types && v.types.length > 0, v.query !== undefined, v.reviewedOnly === true].filter(Boolean).length <= 1, 'Push one scope: types, a saved query, or reviewed notes'),
  ),
  /** A pull job: incremental by _lastUpdated per type. */
  pull: method<JobState>()(
    z
      .object({
        name: serverName,
        types: z.array(resourceType).max(300).optional(),
        dryRun: z.boolean().default(false),
        pageSize: z.number().int().min(1).max(1000).optional(),
        /** Bulk Data $export where the server offers it (default); false pages. */
        bulk: z.boolean().optional(),
      })
      .strict(),
  ),
  /** The report of a finished push or pull job. */
  report: method<PushReport | PullReport>()(z.object({ jobId }).strict()),
  status: method<SyncStatus>()(z.object({ name: serverName }).strict()),
  /** Resources changed on both sides, with both versions. */
  conflicts: method<SyncConflict[]>()(z.object({ name: serverName }).strict()),
  /** One conflict: both sides in local form and their field-level diff (JSON paths added, removed, changed). */
  conflict: method<ConflictDetail>()(z.object({ name: serverName, resourceType, localId: resourceId }).strict()),
  /**
   * Resolves a conflict: keep ours (sent with If-Match on the server's version), take theirs (stored here as a new version), or merge
   * (`resource`, validated, stored here and sent with If-Match). When either side moved since the conflict was recorded, nothing is written
   * and the conflict comes back refreshed (`outcome: 'refreshed'`).
   */
  resolve: method<ResolveResult>()(
    z
      .object({ name: serverName, resourceType, localId: resourceId, action: z.enum(['ours', 'theirs', 'merge']), resource: resourceBody.optional() })
      .strict()
      .refine((v) => (v.action === 'merge') === (v.resource !== undefined), 'A merge needs the merged resource (and only a merge takes one)'),
  ),
  /** Forgets an interrupted push (a cancel rather than a pause): the next push plans afresh. */
  discard: method<{ discarded: boolean }>()(z.object({ name: serverName }).strict()),
  /** SMART App Launch: starts the sign-in; open `url` in the system browser (a loopback listener waits for it). */
  authorize: method<{ url: string; redirectUri: string; /** s9-U: the authorization endpoint `url` is built on (what the desktop app lets the system browser open). */ authorizeEndpoint: string }>()(
    z.object({ name: serverName }).strict(),
  ),
  /** Where the SMART App Launch sign-in of a profile stands. */
  authorization: method<AuthorizationStatus>()(z.object({ name: serverName }).strict()),
};

export const contract = {
  vault: vaultContract,
  resources: resourcesContract,
  import: importContract,
  export: exportContract,
  jobs: jobsContract,
  terminology: terminologyContract,
  nlp: nlpContract,
  concepts: conceptsContract,
  settings: settingsContract,
  review: reviewContract,
  chart: chartContract,
  query: queryContract,
  queries: queriesContract,
  sync: syncContract,
};

export type Contract = typeof contract;
export type Domain = keyof Contract;
export type MethodName<D extends Domain> = keyof Contract[D] & string;
/** `"vault.create"`, `"resources.read"`... the channel names used by every transport. */
export type Channel = { [D in Domain]: `${D}.${MethodName<D>}` }[Domain];

type SpecOf<D extends Domain, M extends MethodName<D>> = Contract[D][M];
export type InputOf<D extends Domain, M extends MethodName<D>> =
  SpecOf<D, M> extends MethodSpec<infer I, unknown> ? z.input<I> : never;
export type ParsedInputOf<D extends Domain, M extends MethodName<D>> =
  SpecOf<D, M> extends MethodSpec<infer I, unknown> ? z.output<I> : never;
export type OutputOf<D extends Domain, M extends MethodName<D>> =
  SpecOf<D, M> extends MethodSpec<z.ZodType, infer O> ? O : never;

/** What a UI calls: every method takes its input and resolves to a Result (never rejects). */
export type HearthApi = {
  [D in Domain]: {
    [M in MethodName<D>]: (input: InputOf<D, M>) => Promise<Result<OutputOf<D, M>>>;
  };
};

/**
 * What the services implement: inputs already validated and defaulted. They may return a
 * Result, or a plain value; a thrown error is turned into an OperationOutcome by the dispatcher.
 */
export type HearthServices = {
  [D in Domain]: {
    [M in MethodName<D>]: (input: ParsedInputOf<D, M>) => Promise<Result<OutputOf<D, M>>>;
  };
};

/** The UI-side handle: the API plus the event stream. */
export interface HearthClient {
  api: HearthApi;
  /** Subscribes to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: HearthEvent) => void): () => void;
}

// Compile-time check that methods.ts (used by the preload, which must not bundle zod) lists
// exactly the methods of this contract.
type MethodsOfContract = { [D in Domain]: MethodName<D> };
type MethodsOfList = { [D in keyof ApiMethods]: ApiMethods[D][number] };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const methodListMatchesContract: Same<MethodsOfContract, MethodsOfList> = true;
void methodListMatchesContract;
