/**
 * `hearth sample`: writes a synthetic population as Bulk Data NDJSON (one `Type.ndjson` per
 * resource type and a Bulk Data manifest, hl7.org/fhir/uv/bulkdata/export.html#response---complete-status),
 * and with `withGold` the gold annotations of every note under `gold/`. Deterministic: the same
 * seed, patient count, history length and reference date give byte-identical files. Patients are
 * simulated and written one at a time, so memory stays flat whatever the count.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
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

export interface SampleOptions extends PopulationOptions {
  outDir: string;
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
  private readonly pending = new Map<string, string[]>();
  private pendingBytes = 0;
  readonly counts: Record<string, number> = {};

  constructor(private readonly dir: string) {}

  add(resource: Resource): void {
    const type = resource.resourceType;
    let lines = this.pending.get(type);
    if (!lines) this.pending.set(type, (lines = []));
    const line = JSON.stringify(resource);
    lines.push(line);
    this.pendingBytes += line.length + 1;
    this.counts[type] = (this.counts[type] ?? 0) + 1;
  }

  /** Writes what is pending when it is big enough (or always, with force). */
  async flush(force = false): Promise<void> {
    if (!force && this.pendingBytes < 4 * 1024 * 1024) return;
    for (const [type, lines] of this.pending) {
      if (lines.length === 0) continue;
      let stream = this.streams.get(type);
      if (!stream) {
        stream = createWriteStream(path.join(this.dir, `${type}.ndjson`), { encoding: 'utf8' });
        this.streams.set(type, stream);
      }
      const ok = stream.write(`${lines.join('\n')}\n`);
      lines.length = 0;
      if (!ok) await once(stream, 'drain');
    }
    this.pendingBytes = 0;
  }

  async close(): Promise<string[]> {
    await this.flush(true);
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
  const checked = checkOptions(options);
  const idPrefix = `s${checked.seed.toString(36)}`;
  const root = new SampleRandom(checked.seed);
  const { clinicians, facilities } = makePools(root.fork('pools'), checked.patients, idPrefix);
  const context: SimulationContext = { asOf: checked.asOf, historyYears: checked.historyYears, clinicians, facilities, idPrefix };
  yield { patientIndex: 0, resources: [...facilities.map(facilityResource), ...clinicians.map(clinicianResource)], gold: [], notes: 0 };

  for (let index = 1; index <= checked.patients; index++) {
    const rng = root.fork(index);
    const history = simulatePatient(rng, index, context);
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
      if (options.withGold) {
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
    yield { patientIndex: index, resources: [...patientResources(history, notes)], gold, notes: noteCount };
  }
}

export async function generateSample(options: SampleOptions): Promise<SampleResult> {
  const checked = checkOptions(options);
  const population = samplePopulation(options);
  await mkdir(options.outDir, { recursive: true });
  const files = new NdjsonFiles(options.outDir);
  let gold: WriteStream | undefined;
  let goldFile: string | undefined;
  if (options.withGold) {
    await mkdir(path.join(options.outDir, 'gold'), { recursive: true });
    goldFile = path.join('gold', 'annotations.ndjson');
    gold = createWriteStream(path.join(options.outDir, goldFile), { encoding: 'utf8' });
  }

  const progress: SampleProgress = { patientsDone: 0, patients: checked.patients, resources: 0, notes: 0 };
  let cancelled = false;
  let goldLines: string[] = [];
  for (const batch of population) {
    if (options.signal?.aborted) {
      cancelled = true;
      break;
    }
    for (const resource of batch.resources) files.add(resource);
    progress.resources += batch.resources.length;
    progress.notes += batch.notes;
    progress.patientsDone = batch.patientIndex;
    if (gold) {
      for (const line of batch.gold) goldLines.push(JSON.stringify(line));
      if (goldLines.length >= 500) {
        if (!gold.write(`${goldLines.join('\n')}\n`)) await once(gold, 'drain');
        goldLines = [];
      }
    }
    await files.flush();
    if (batch.patientIndex > 0 && (batch.patientIndex % 50 === 0 || batch.patientIndex === checked.patients)) options.onProgress?.({ ...progress });
  }

  const written = await files.close();
  if (gold) {
    if (goldLines.length > 0) gold.write(`${goldLines.join('\n')}\n`);
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
