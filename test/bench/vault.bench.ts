/**
 * `npm run bench:vault`: durable commit latency at 10k and 500k resources, unlock time and peak RSS
 * at 500k, and chunked vs raw AES-GCM throughput. Measured through the FHIR vault repository
 * (createVaultRepository + fhirProjector), with the production KDF (600,000 iterations).
 * Prints a table and writes bench-results/vault.json (figure name → number, unit in the name).
 * HEARTH_BENCH_LARGE overrides the 500,000 target (for quick runs; the figure names stay).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import type { WriteOp } from '../../src-main/fhir/repository';
import { createVault, openVault, type Vault } from '../../src-main/vault';
import { importDataKey, randomBytes } from '../../src-main/vault/crypto';
import { sealChunks } from '../../src-main/vault/snapshot';

const SMALL = 10_000;
const LARGE = Number(process.env.HEARTH_BENCH_LARGE ?? 500_000);
const COMMITS = 200;
const FILL_BATCH = 5_000;
const PASSPHRASE = 'benchmark passphrase, not a secret';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Peak RSS sampled every 50 ms while `active`. */
class RssSampler {
  peakBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 50);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }
  private sample(): void {
    this.peakBytes = Math.max(this.peakBytes, process.memoryUsage.rss());
  }
}

const GIVEN = ['Ana', 'Bram', 'Chen', 'Dalia', 'Emeka', 'Freya', 'Goran', 'Hana', 'Ines', 'Jonas'];
const FAMILY = ['Okafor', 'Jansen', 'Ivanova', 'Silva', 'Nguyen', 'Meyer', 'Haddad', 'Kowalski'];
const LOINC = [
  ['8867-4', 'Heart rate', '/min'],
  ['8480-6', 'Systolic blood pressure', 'mm[Hg]'],
  ['2339-0', 'Glucose [Mass/volume] in Blood', 'mg/dL'],
  ['29463-7', 'Body weight', 'kg'],
] as const;

/** Synthetic, FHIR-shaped resources of ~1-2 KB (no real data). */
function syntheticResource(n: number): Resource {
  if (n % 5 === 0) {
    return {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: `MRN-${String(n).padStart(9, '0')}` }],
      active: true,
      name: [{ use: 'official', family: FAMILY[n % FAMILY.length]!, given: [GIVEN[n % GIVEN.length]!, GIVEN[(n * 7) % GIVEN.length]!] }],
      telecom: [
        { system: 'phone', value: `+1-555-${String(n % 10_000).padStart(4, '0')}`, use: 'home' },
        { system: 'email', value: `patient${n}@example.org`, use: 'work' },
      ],
      gender: n % 2 ? 'female' : 'male',
      birthDate: `19${String(40 + (n % 60)).padStart(2, '0')}-0${1 + (n % 9)}-1${n % 9}`,
      address: [{ use: 'home', line: [`${n % 999} Example Street`, `Apartment ${n % 77}`], city: 'Springfield', state: 'IL', postalCode: String(60000 + (n % 999)), country: 'US' }],
      maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'Married' }] },
      communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US', display: 'English (United States)' }] }, preferred: true }],
      text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">Synthetic patient ${n} generated for the Hearth vault benchmark.</div>` },
    } as Resource;
  }
  const [code, display, unit] = LOINC[n % LOINC.length]!;
  return {
    resourceType: 'Observation',
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}` }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code, display }], text: display },
    subject: { reference: `Patient/bench-${n - (n % 5)}`, display: `${GIVEN[n % GIVEN.length]} ${FAMILY[n % FAMILY.length]}` },
    effectiveDateTime: `2024-0${1 + (n % 9)}-1${n % 9}T0${n % 10}:1${n % 6}:00Z`,
    issued: `2024-0${1 + (n % 9)}-1${n % 9}T0${n % 10}:3${n % 6}:00Z`,
    performer: [{ reference: `Practitioner/bench-${n % 50}`, display: 'Synthetic practitioner' }],
    valueQuantity: { value: 50 + (n % 100) + (n % 7) / 10, unit, system: 'http://unitsofmeasure.org', code: unit },
    interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N', display: 'Normal' }] }],
    referenceRange: [{ low: { value: 40, unit, system: 'http://unitsofmeasure.org', code: unit }, high: { value: 160, unit, system: 'http://unitsofmeasure.org', code: unit }, text: 'Synthetic reference range' }],
    note: [{ text: `Synthetic observation ${n} for the Hearth benchmark; no real person is described.` }],
  } as Resource;
}

async function fill(vault: Vault, from: number, to: number): Promise<void> {
  const repository = createVaultRepository(vault);
  for (let start = from; start < to; start += FILL_BATCH) {
    const ops: WriteOp[] = [];
    for (let n = start; n < Math.min(to, start + FILL_BATCH); n++) ops.push({ kind: 'create', resource: syntheticResource(n), assignedId: `bench-${n}` });
    const outcomes = await repository.writeBatch(ops);
    const failed = outcomes.filter((o) => o.status !== 'created').length;
    if (failed > 0) throw new Error(`${failed} benchmark resources were not created`);
    if ((start / FILL_BATCH) % 10 === 0) process.stdout.write(`  filled ${Math.min(to, start + FILL_BATCH)} / ${to}\r`);
  }
  process.stdout.write('\n');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** COMMITS single-resource durable creates, each timed from call to acknowledgement. */
async function commitLatency(vault: Vault, base: number): Promise<{ p50: number; p95: number }> {
  const repository = createVaultRepository(vault);
  // Snapshot first so a background snapshot does not land inside the measurement.
  await vault.snapshot();
  const times: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    const started = performance.now();
    await repository.create(syntheticResource(base + i));
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function encryptionThroughput(): Promise<{ vault: number; raw: number }> {
  const size = 64 * 1024 * 1024;
  const data = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) globalThis.crypto.getRandomValues(data.subarray(at, at + 65_536));
  const key = await importDataKey(randomBytes(32));
  const keyring = { key, vaultId: randomBytes(16), formatVersion: 1 };
  const rounds = 3;
  let vaultMs = Infinity;
  let rawMs = Infinity;
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: randomBytes(12) }, key, data);
    rawMs = Math.min(rawMs, performance.now() - started);
    started = performance.now();
    await sealChunks(keyring, round, data);
    vaultMs = Math.min(vaultMs, performance.now() - started);
  }
  const mb = size / (1024 * 1024);
  return { vault: mb / (vaultMs / 1000), raw: mb / (rawMs / 1000) };
}

async function main(): Promise<void> {
  const results: Record<string, number> = {};
  const folder = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-'));
  const dir = path.join(folder, 'vault');
  const rss = new RssSampler();
  try {
    console.log('Hearth vault benchmark');
    const throughput = await encryptionThroughput();
    results.encrypt_mb_per_s_vault = round(throughput.vault);
    results.encrypt_mb_per_s_raw_webcrypto = round(throughput.raw);

    rss.start();
    let vault = await createVault(dir, PASSPHRASE, { projector: fhirProjector });
    const fillStarted = performance.now();
    await fill(vault, 0, SMALL);
    const small = await commitLatency(vault, 10_000_000);
    results.commit_p50_ms_10k = round(small.p50);
    results.commit_p95_ms_10k = round(small.p95);

    await fill(vault, SMALL, LARGE);
    results.fill_s_500k = round((performance.now() - fillStarted) / 1000);
    const large = await commitLatency(vault, 20_000_000);
    results.commit_p50_ms_500k = round(large.p50);
    results.commit_p95_ms_500k = round(large.p95);
    results.commit_p95_ratio_500k_over_10k = round(large.p95 / small.p95);
    await vault.close();

    const unlockStarted = performance.now();
    vault = await openVault(dir, PASSPHRASE, { projector: fhirProjector });
    results.unlock_ms_500k = round(performance.now() - unlockStarted);
    rss.stop();
    results.peak_rss_mb_500k = round(rss.peakBytes / (1024 * 1024));
    const counts = await createVaultRepository(vault).counts();
    results.resources_500k = counts.reduce((sum, c) => sum + c.count, 0);
    await vault.close();
    results.vault_bytes_500k = folderBytes(dir);
  } finally {
    rss.stop();
    rmSync(folder, { recursive: true, force: true });
  }

  console.table(Object.entries(results).map(([figure, value]) => ({ figure, value })));
  const out = path.join(repoRoot, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'vault.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${path.relative(repoRoot, path.join(out, 'vault.json'))}`);
  if (results.commit_p95_ratio_500k_over_10k! > 1.5) {
    console.error('commit_p95_ratio_500k_over_10k is above 1.5');
    process.exitCode = 1;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((total, entry) => total + statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
