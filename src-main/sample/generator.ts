/**
 * `hearth sample`: writes a synthetic population as Bulk Data NDJSON (one `Type.ndjson` per
 * resource type and a Bulk Data manifest, hl7.org/fhir/uv/bulkdata/export.html#response---complete-status),
 * and with `withGold` the gold annotations of every note under `gold/`. Deterministic: the same
 * seed, patient count, history length and reference date give byte-identical files, whatever the
 * number of threads. Patients are made in small blocks (in worker threads from 200 patients) and
 * written in order as they come, so memory stays flat whatever the count.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { resolveWorkerScript, startWorkerScript } from '../threads/worker-script';
import { simulatePatient, type SimulationContext } from './history';
import type { SampleClinician, SampleFacility } from './model';
import { notesFor, type RenderedNote, NOTE_TYPES } from './notes';
import { SampleRandom, seedFromText } from './random';
import { clinicianResource, facilityResource, noteId, patientResources } from './resources';
import { CITIES, CLINICIAN_SPECIALTIES, FACILITY_NAMES, FAMILY, FEMALE_GIVEN, MALE_GIVEN, STREETS, STREET_KINDS } from './vocabulary/people';

/** The default "today" of the generated histories: fixed, so a seed means the same data on any day. */
export const DEFAULT_AS_OF = '2026-01-01';
export const DEFAULT_HISTORY_YEARS = 10;
export const MAX_PATIENTS = 1_000_000;
/** The default thread count's ceiling: the writing thread has to keep up with the makers. */
const DEFAULT_MAX_THREADS = 4;

export interface SampleOptions extends PopulationOptions {
  outDir: string;
  /** Worker threads making the patients (default: up to 4, one per core, from 200 patients); the files are the same whatever the count. */
  threads?: number;
  /** Patients per block handed to a thread (default 20). */
  blockPatients?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SampleProgress) => void;
}

export interface SampleProgress {
  patientsDone: number;
  patients: number;
  resources: number;
  notes: number;
}

export interface SampleResult extends SampleProgress {
  countsByType: Record<string, number>;
  files: string[];
  goldFile?: string;
  cancelled: boolean;
}

export function numericSeed(seed: number | string): number {
  if (typeof seed === 'number') return seed >>> 0;
  return /^\d{1,10}$/.test(seed) && Number(seed) <= 0xffffffff ? Number(seed) >>> 0 : seedFromText(seed);
}

/** NPI with its Luhn check digit over the "80840" prefix (the NPI standard's rule). */
function npi(base9: number): string {
  const digits = `80840${String(base9).padStart(9, '0')}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${String(base9).padStart(9, '0')}${(10 - (sum % 10)) % 10}`;
}

function makePools(rng: SampleRandom, patients: number, idPrefix: string): { clinicians: SampleClinician[]; facilities: SampleFacility[] } {
  const clinicians: SampleClinician[] = [];
  const count = Math.min(2000, Math.max(10, Math.ceil(patients / 40)));
  for (let i = 0; i < count; i++) {
    const female = rng.chance(0.5);
    clinicians.push({
      id: `${idPrefix}-dr${i + 1}`,
      name: { given: rng.pick(female ? FEMALE_GIVEN : MALE_GIVEN), family: rng.pick(FAMILY) },
      npi: npi(100000000 + rng.int(0, 899999999)),
      specialty: i % 3 === 0 ? rng.pick(CLINICIAN_SPECIALTIES) : rng.pick(['Internal Medicine', 'Family Medicine']),
    });
  }
  const facilities: SampleFacility[] = FACILITY_NAMES.map((name, i) => {
    const place = rng.pick(CITIES);
    return {
      id: `${idPrefix}-org${i + 1}`,
      name,
      phone: `(${rng.int(201, 989)}) 555-01${String(rng.int(0, 99)).padStart(2, '0')}`,
      address: { line: `${rng.int(100, 9999)} ${rng.pick(STREETS)} ${rng.pick(STREET_KINDS)}`, city: place.city, state: place.state, postalCode: `${place.zip3}${String(rng.int(1, 99)).padStart(2, '0')}` },
    };
  });
  return { clinicians, facilities };
}

/** One NDJSON file per type, opened on first use; writes wait for the stream to drain. */
class NdjsonFiles {
  private readonly streams = new Map<string, WriteStream>();
  readonly counts: Record<string, number> = {};

  constructor(private readonly dir: string) {}

  async write(type: string, bytes: Uint8Array, count: number): Promise<void> {
    let stream = this.streams.get(type);
    if (!stream) {
      stream = createWriteStream(path.join(this.dir, `${type}.ndjson`));
      this.streams.set(type, stream);
    }
    this.counts[type] = (this.counts[type] ?? 0) + count;
    if (!stream.write(bytes)) await once(stream, 'drain');
  }

  async close(): Promise<string[]> {
    const files: string[] = [];
    for (const [type, stream] of [...this.streams].sort(([a], [b]) => a.localeCompare(b))) {
      stream.end();
      await once(stream, 'finish');
      files.push(`${type}.ndjson`);
    }
    return files;
  }
}

export interface PopulationOptions {
  patients: number;
  /** An integer, or any text (hashed). */
  seed: number | string;
  /** Years of history per patient (default 10). */
  historyYears?: number;
  /** The reference date, YYYY-MM-DD (default 2026-01-01). */
  asOf?: string;
  /** Build the gold annotation lines too (costs time and memory; off by default). */
  withGold?: boolean;
}

/** One gold line per note (gold/annotations.ndjson). */
export interface GoldNoteLine {
  documentReference: string;
  patient: string;
  noteType: string;
  date: string;
  textLength: number;
  Entities: RenderedNote['entities'];
}

/** What the population yields: the shared pool first (patient 0), then one patient at a time. */
export interface PopulationBatch {
  patientIndex: number;
  resources: Resource[];
  gold: GoldNoteLine[];
  notes: number;
}

interface CheckedOptions {
  patients: number;
  seed: number;
  historyYears: number;
  asOf: Date;
  asOfText: string;
}

function checkOptions(options: PopulationOptions): CheckedOptions {
  if (!Number.isInteger(options.patients) || options.patients < 1 || options.patients > MAX_PATIENTS) {
    throw new RangeError(`--patients must be a whole number from 1 to ${MAX_PATIENTS.toLocaleString('en-US')}`);
  }
  const historyYears = options.historyYears ?? DEFAULT_HISTORY_YEARS;
  if (!Number.isInteger(historyYears) || historyYears < 1 || historyYears > 50) throw new RangeError('--years must be a whole number from 1 to 50');
  const asOfText = options.asOf ?? DEFAULT_AS_OF;
  const asOf = new Date(`${asOfText}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOfText) || Number.isNaN(asOf.getTime())) throw new RangeError('--as-of must be a date, YYYY-MM-DD');
  return { patients: options.patients, seed: numericSeed(options.seed), historyYears, asOf, asOfText };
}

/**
 * The synthetic population, lazily: nothing is held beyond the patient being yielded, so a
 * consumer (files, or the vault's import) runs in flat memory. Throws RangeError on bad options.
 */
export function* samplePopulation(options: PopulationOptions): Generator<PopulationBatch> {
  const population = new Population(options);
  yield population.pool();
  for (let index = 1; index <= population.patients; index++) yield population.patient(index);
}

/**
 * The population's shared pool and its patients, each computed from the seed and its own index
 * alone (a patient's stream is `root.fork(index)`), so patients can be made in any order and on
 * any thread and still be the same. Throws RangeError on bad options.
 */
export class Population {
  readonly patients: number;
  private readonly root: SampleRandom;
  private readonly context: SimulationContext;
  private readonly withGold: boolean;
  private readonly facilities: SampleFacility[];
  private readonly clinicians: SampleClinician[];

  constructor(options: PopulationOptions) {
    const checked = checkOptions(options);
    const idPrefix = `s${checked.seed.toString(36)}`;
    this.patients = checked.patients;
    this.withGold = options.withGold === true;
    this.root = new SampleRandom(checked.seed);
    const { clinicians, facilities } = makePools(this.root.fork('pools'), checked.patients, idPrefix);
    this.clinicians = clinicians;
    this.facilities = facilities;
    this.context = { asOf: checked.asOf, historyYears: checked.historyYears, clinicians, facilities, idPrefix };
  }

  /** Patient 0: the facilities and clinicians every patient refers to. */
  pool(): PopulationBatch {
    return { patientIndex: 0, resources: [...this.facilities.map(facilityResource), ...this.clinicians.map(clinicianResource)], gold: [], notes: 0 };
  }

  /** Patient `index` (1-based). */
  patient(index: number): PopulationBatch {
    const rng = this.root.fork(index);
    const history = simulatePatient(rng, index, this.context);
    const noteRng = rng.fork('notes');
    const notes = new Map<string, RenderedNote[]>();
    const gold: GoldNoteLine[] = [];
    let noteCount = 0;
    for (const encounter of history.encounters) {
      // Not every routine visit gets a note (as in real records); every other visit does.
      if (encounter.kind === 'wellness' && !noteRng.chance(0.5)) continue;
      const rendered = notesFor(noteRng, history, encounter);
      notes.set(encounter.id, rendered);
      noteCount += rendered.length;
      if (this.withGold) {
        rendered.forEach((note, i) => {
          gold.push({
            documentReference: `DocumentReference/${noteId(encounter.id, i)}`,
            patient: `Patient/${history.patient.id}`,
            noteType: NOTE_TYPES[note.kind].display,
            date: note.date.toISOString(),
            textLength: note.text.length,
            Entities: note.entities,
          });
        });
      }
    }
    return { patientIndex: index, resources: [...patientResources(history, notes)], gold, notes: noteCount };
  }

  /** Patients `first`..`last` (0 is the pool) as NDJSON bytes per type, in patient order. */
  encode(first: number, last: number): EncodedBlock {
    const lines = new Map<string, string[]>();
    const goldLines: string[] = [];
    let resources = 0;
    let notes = 0;
    for (let index = first; index <= last; index++) {
      const batch = index === 0 ? this.pool() : this.patient(index);
      for (const resource of batch.resources) {
        let list = lines.get(resource.resourceType);
        if (!list) lines.set(resource.resourceType, (list = []));
        list.push(JSON.stringify(resource));
      }
      for (const line of batch.gold) goldLines.push(JSON.stringify(line));
      resources += batch.resources.length;
      notes += batch.notes;
    }
    const types = [...lines].map(([type, list]) => ({ type, count: list.length, bytes: ndjsonBytes(list) }));
    return { first, last, types, ...(this.withGold ? { gold: ndjsonBytes(goldLines) } : {}), resources, notes };
  }
}

/** What `Population.encode` gives: ready-to-write NDJSON, one byte array per resource type. */
export interface EncodedBlock {
  first: number;
  last: number;
  types: Array<{ type: string; count: number; bytes: Uint8Array }>;
  gold?: Uint8Array;
  resources: number;
  notes: number;
}

/**
 * Lines as NDJSON bytes, each followed by "\n". Encoded line by line into one buffer of the exact
 * size: joining first makes a large flat string and encoding that costs more than the generation
 * (measured). Its own ArrayBuffer (never Buffer's shared pool), so a worker can transfer it.
 */
function ndjsonBytes(lines: readonly string[]): Uint8Array {
  let total = 0;
  for (const line of lines) total += Buffer.byteLength(line, 'utf8') + 1;
  const bytes = Buffer.allocUnsafeSlow(total);
  let offset = 0;
  for (const line of lines) {
    offset += bytes.write(line, offset, 'utf8');
    bytes[offset++] = 0x0a;
  }
  return bytes;
}

/** Below this many patients, worker threads cost more to start than they save. */
const THREADS_FROM_PATIENTS = 200;
/** Patients per block: about 6 MB of NDJSON, few enough messages, little memory in flight. */
const DEFAULT_BLOCK_PATIENTS = 20;

/** A request to a sample worker (sample-worker.ts): encode patients first..last, block number `index`. */
export interface SampleWorkerRequest {
  index: number;
  first: number;
  last: number;
}

export type SampleWorkerReply = { index: number; ok: true; block: EncodedBlock } | { index: number; ok: false; message: string };

/** The byte arrays of a block, to be transferred (not copied) between threads. */
export function blockTransferList(block: EncodedBlock): ArrayBuffer[] {
  const buffers = [...block.types.map((t) => t.bytes.buffer), ...(block.gold ? [block.gold.buffer] : [])];
  return buffers.filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}

/**
 * The population's blocks in patient order: the pool, then `blockPatients` patients at a time,
 * made here (threads <= 1) or by worker threads that each take the next block; a block that
 * arrives early waits for the ones before it, so the bytes do not depend on the thread count.
 * At most two blocks per thread are in flight ahead of the consumer (bounded memory).
 */
async function* populationBlocks(options: PopulationOptions, threads: number, blockPatients: number): AsyncGenerator<EncodedBlock> {
  const population = new Population(options);
  yield population.encode(0, 0);
  const ranges: Array<[number, number]> = [];
  for (let first = 1; first <= population.patients; first += blockPatients) ranges.push([first, Math.min(first + blockPatients - 1, population.patients)]);
  if (threads <= 1 || ranges.length === 1) {
    for (const [first, last] of ranges) {
      yield population.encode(first, last);
      // Lets a signal (Ctrl-C) in between blocks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return;
  }

  const workerData: PopulationOptions = {
    patients: options.patients,
    seed: options.seed,
    ...(options.historyYears !== undefined ? { historyYears: options.historyYears } : {}),
    ...(options.asOf !== undefined ? { asOf: options.asOf } : {}),
    withGold: options.withGold === true,
  };
  const script = resolveWorkerScript('sample-worker', import.meta.url);
  const workers = Array.from({ length: Math.min(threads, ranges.length) }, () => ({ thread: startWorkerScript(script, { workerData }), busy: 0 }));
  const arrived = new Map<number, EncodedBlock>();
  let failure: Error | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  let sent = 0;
  let consumed = 0;
  const window = 2 * workers.length;
  const pump = () => {
    for (const worker of workers) {
      while (worker.busy < 2 && sent < ranges.length && sent < consumed + window) {
        const [first, last] = ranges[sent]!;
        const request: SampleWorkerRequest = { index: sent++, first, last };
        worker.busy++;
        worker.thread.postMessage(request);
      }
    }
  };
  const fail = (error: Error) => {
    failure ??= error;
    wake?.();
  };
  for (const worker of workers) {
    worker.thread.on('message', (reply: SampleWorkerReply) => {
      worker.busy--;
      if (reply.ok) arrived.set(reply.index, reply.block);
      else fail(new Error(`sample worker: ${reply.message}`));
      pump();
      wake?.();
    });
    worker.thread.on('error', fail);
    worker.thread.on('exit', (code) => {
      if (!finished) fail(new Error(`sample worker stopped (exit code ${code})`));
    });
  }
  try {
    pump();
    for (; consumed < ranges.length; ) {
      let block = arrived.get(consumed);
      while (block === undefined) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        block = arrived.get(consumed);
      }
      arrived.delete(consumed);
      consumed++;
      pump();
      yield block;
    }
  } finally {
    finished = true;
    await Promise.all(workers.map((worker) => worker.thread.terminate()));
  }
}

export async function generateSample(options: SampleOptions): Promise<SampleResult> {
  const checked = checkOptions(options);
  const threads = options.threads ?? (checked.patients >= THREADS_FROM_PATIENTS ? Math.min(DEFAULT_MAX_THREADS, availableParallelism()) : 1);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new RangeError('--threads must be a whole number from 1 to 64');
  const blockPatients = options.blockPatients ?? DEFAULT_BLOCK_PATIENTS;
  if (!Number.isInteger(blockPatients) || blockPatients < 1) throw new RangeError('blockPatients must be a whole number of at least 1');
  await mkdir(options.outDir, { recursive: true });
  const files = new NdjsonFiles(options.outDir);
  let gold: WriteStream | undefined;
  let goldFile: string | undefined;
  if (options.withGold) {
    await mkdir(path.join(options.outDir, 'gold'), { recursive: true });
    goldFile = path.join('gold', 'annotations.ndjson');
    gold = createWriteStream(path.join(options.outDir, goldFile));
  }

  const progress: SampleProgress = { patientsDone: 0, patients: checked.patients, resources: 0, notes: 0 };
  let cancelled = false;
  for await (const block of populationBlocks(options, threads, blockPatients)) {
    if (options.signal?.aborted) {
      cancelled = true;
      break;
    }
    for (const { type, bytes, count } of block.types) await files.write(type, bytes, count);
    if (gold && block.gold && block.gold.length > 0 && !gold.write(block.gold)) await once(gold, 'drain');
    progress.resources += block.resources;
    progress.notes += block.notes;
    progress.patientsDone = block.last;
    if (block.last > 0) options.onProgress?.({ ...progress });
  }

  const written = await files.close();
  if (gold) {
    gold.end();
    await once(gold, 'finish');
  }
  // The Bulk Data manifest (export.html#response---complete-status), so the folder imports like an $export.
  const manifest = {
    transactionTime: `${checked.asOfText}T00:00:00Z`,
    request: `hearth sample --patients ${checked.patients} --seed ${options.seed}`,
    requiresAccessToken: false,
    output: written.map((file) => ({ type: file.replace(/\.ndjson$/, ''), url: file, count: files.counts[file.replace(/\.ndjson$/, '')] ?? 0 })),
    error: [],
  };
  const manifestStream = createWriteStream(path.join(options.outDir, 'manifest.json'), { encoding: 'utf8' });
  manifestStream.end(`${JSON.stringify(manifest, null, 2)}\n`);
  await once(manifestStream, 'finish');
  return { ...progress, countsByType: { ...files.counts }, files: written, ...(goldFile ? { goldFile } : {}), cancelled };
}
