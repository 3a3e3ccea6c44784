/**
 * Runs the built `hearth` binary (out/cli/hearth.mjs) as a user or a script would: every command
 * at least once in a child process; the further cases of a command run the same entry point in
 * this process (run-hearth.ts), which saves a process start per case.
 * HEARTH_TEST_KDF_ITERATIONS (test-only, honoured with NODE_ENV=test) keeps PBKDF2 cheap for `vault create`.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { fixture, repoRoot } from '../io/paths';
import { expectOneLineError, hearthInProcess as inProcess, hearthSpawn as hearth, hearthSpawnAsync as hearthAsync } from './run-hearth';

describe('hearth CLI', () => {
  let dir: string;
  let vault: string;
  const pass = { HEARTH_PASSPHRASE: 'correct horse battery' };

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-cli-'));
    vault = path.join(dir, 'vault');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints help and version', () => {
    const help = hearth(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('hearth import DIR SOURCE...');
    const version = hearth(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('creates a vault and refuses to create one over it', async () => {
    const created = hearth(['vault', 'create', vault], pass);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain(vault);
    expectOneLineError(await inProcess(['vault', 'create', vault], pass), /not empty/);
    expectOneLineError(await inProcess(['vault', 'create', path.join(dir, 'weak')], { ...pass, NODE_ENV: 'production' }), /for tests only/);
  });

  it('imports a good file: exit 0 and a summary on stdout', () => {
    const run = hearth(['import', vault, fixture('transaction-small.json')], pass);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // No notes in the vault: the NLP has nothing to do (its worker threads are not started).
    expect(run.stdout).toBe('files: 1\ncreated: 4\nupdated: 0\nunchanged: 0\nfailed: 0\nnotes processed: 0\nnotes failed: 0\n');
  });

  it('imports the good records of files with bad ones: exit 2 and file:line errors on stderr', async () => {
    const ndjson = fixture('observations.ndjson');
    const batch = fixture('batch-mixed.json');
    const notFhir = fixture('not-fhir.hl7');
    const run = await inProcess(['import', vault, ndjson, batch, notFhir], pass);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('files: 3\ncreated: 5\nupdated: 0\nunchanged: 0\nfailed: 3\nread: 1\nnotes processed: 0\nnotes failed: 0\n');
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      `${notFhir}: not a FHIR JSON or NDJSON file (does not start with "{")`,
      `${ndjson}:3: Not valid JSON: unexpected end of input`,
      `${ndjson}:5: Invalid id: 1 to 64 characters of A-Z, a-z, 0-9, "-" and "." (at Observation.id)`,
      `${batch}:9: Unknown resource type "Unknownthing" (at Resource.resourceType)`,
    ]);
    const good = await inProcess(['get', vault, 'Observation/nd-5'], pass);
    expect(good.status).toBe(0);
    expect((JSON.parse(good.stdout) as Resource).id).toBe('nd-5');
  });

  it('gets, shows history and searches', async () => {
    const get = hearth(['get', vault, 'Organization/org-1'], pass);
    expect(get.status).toBe(0);
    const organization = JSON.parse(get.stdout) as Resource;
    expect(organization).toMatchObject({ resourceType: 'Organization', id: 'org-1', meta: { versionId: '1' } });
    const version = await inProcess(['get', vault, 'Organization/org-1/_history/1'], pass);
    expect(JSON.parse(version.stdout)).toEqual(organization);

    const history = hearth(['history', vault, 'Organization/org-1'], pass);
    expect(history.status).toBe(0);
    const bundle = JSON.parse(history.stdout) as Bundle;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'history', total: 1 });

    const search = await inProcess(['search', vault, 'Observation?_count=2&_total=accurate'], pass);
    expect(search.status).toBe(0);
    const searchset = JSON.parse(search.stdout) as Bundle;
    expect(searchset.type).toBe('searchset');
    expect(searchset.total).toBe(4);
    expect(searchset.entry).toHaveLength(2);
    expect(searchset.link?.find((l) => l.relation === 'next')?.url).toBe('Observation?_total=accurate&_count=2&_offset=2');
    // issue 3 §4: with _summary=count, a Bundle whose total is the count (and no entries).
    const count = JSON.parse((await inProcess(['search', vault, 'Observation?_summary=count'], pass)).stdout) as Bundle;
    expect(count).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 4 });
    expect(count.entry ?? []).toHaveLength(0);
  });

  it('answers expected errors with one line and a non-zero exit', async () => {
    // These open the vault (one process at a time: the vault folder is locked while open).
    expectOneLineError(hearth(['get', vault, 'Foo/1'], pass), /Unknown resource type "Foo"/);
    expectOneLineError(await inProcess(['get', vault, 'Patient/nobody'], pass), /Patient\/nobody not found/);
    expectOneLineError(await inProcess(['search', vault, 'Patient?colour=x'], pass), /Unsupported search parameter "colour"/);
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['get', vault, 'Organization/org-1'], { HEARTH_PASSPHRASE: 'wrong' }, /^hearth: wrong passphrase$/],
      [['get', vault], pass, /missing argument Type\/id/],
      [['get', dir, 'Patient/x'], pass, /is not a Hearth vault/],
      [['get', path.join(dir, 'nowhere'), 'Patient/x'], pass, /no vault at/],
      [['get', vault, 'Patient/x'], {}, /no passphrase: set HEARTH_PASSPHRASE/],
      [['frobnicate'], {}, /unknown command "frobnicate"/],
      [['get', vault, 'Patient/x', '--no-nlp'], pass, /--no-nlp belongs to "hearth import"/],
      [[], {}, /missing command/],
    ];
    // Two through the binary (these never hold the vault's lock, so they run side by side), the rest in-process.
    const spawned = new Set([0, 7]);
    const runs = await Promise.all(cases.map(([args, env], i) => (spawned.has(i) ? hearthAsync(args, env) : inProcess(args, env))));
    runs.forEach((run, i) => expectOneLineError(run, cases[i]![2]));
  });

  it('verifies the vault and names a damaged file', async () => {
    const ok = hearth(['vault', 'verify', vault], pass);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^OK: \d+ files, \d+ transactions, 9 resources, 9 versions\n$/);

    const damaged = path.join(dir, 'damaged');
    cpSync(vault, damaged, { recursive: true });
    const segment = readdirSync(path.join(damaged, 'log')).sort()[0]!;
    const segmentPath = path.join(damaged, 'log', segment);
    const bytes = readFileSync(segmentPath);
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
    writeFileSync(segmentPath, bytes);
    const bad = await inProcess(['vault', 'verify', damaged], pass);
    expectOneLineError(bad, new RegExp(`log/${segment.replace('.', '\\.')}`));
  });

  it('changes the passphrase: the old one stops working, the new one opens the vault', async () => {
    const changed = hearth(['vault', 'passwd', vault], { ...pass, HEARTH_NEW_PASSPHRASE: 'new passphrase here' });
    expect(changed.stderr).toBe('');
    expect(changed.status).toBe(0);
    expectOneLineError(await inProcess(['get', vault, 'Organization/org-1'], pass), /wrong passphrase/);
    expect((await inProcess(['get', vault, 'Organization/org-1'], { HEARTH_PASSPHRASE: 'new passphrase here' })).status).toBe(0);
  });
});

describe('hearth import runs the clinical NLP', () => {
  let dir: string;
  let vault: string;
  let sample: string;
  const pass = { HEARTH_PASSPHRASE: 'correct horse battery' };
  /** What the notes of the sample's first patient are: DocumentReferences with text/plain data. */
  let noteIds: string[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-cli-nlp-'));
    vault = path.join(dir, 'vault');
    sample = path.join(dir, 'sample');
    expect((await inProcess(['vault', 'create', vault], pass)).status).toBe(0);
    expect(hearth(['sample', '--patients', '1', '--seed', '7', '--out', sample]).status).toBe(0);
    noteIds = readFileSync(path.join(sample, 'DocumentReference.ndjson'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as Resource).id!);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Hearth's NLP extension (docs/nlp-results.md 2.2) is on the note. */
  const hasNlpStamp = (resource: Resource | undefined) =>
    resource !== undefined && 'extension' in resource && (resource.extension ?? []).some((e) => e.url.startsWith('https://hearth.local/fhir/StructureDefinition/nlp'));
  const nlpStamped = async (id: string) => {
    const run = await inProcess(['get', vault, `DocumentReference/${id}`], pass);
    expect(run.status).toBe(0);
    return hasNlpStamp(JSON.parse(run.stdout) as Resource);
  };

  it('--no-nlp imports the notes and leaves them waiting', async () => {
    const run = hearth(['import', vault, path.join(sample, 'DocumentReference.ndjson'), '--no-nlp'], pass);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`files: 1\ncreated: ${noteIds.length}\nupdated: 0\nunchanged: 0\nfailed: 0\n`);
    expect(noteIds.length).toBeGreaterThan(0);
    expect(await nlpStamped(noteIds[0]!)).toBe(false);
  }, 60_000);

  it('processes the waiting notes after the next import, reports the failures, and then has nothing left to do', async () => {
    const pdf = path.join(dir, 'pdf-note.json');
    writeFileSync(pdf, JSON.stringify({ resourceType: 'DocumentReference', id: 'scan-1', status: 'current', content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/none' } }] }));
    const run = hearth(['import', vault, path.join(sample, 'Patient.ndjson'), pdf], pass);
    expect(run.status).toBe(0);
    // The notes left by --no-nlp and the note imported now: one cannot be read (a PDF).
    expect(run.stdout).toBe(`files: 2\ncreated: 2\nupdated: 0\nunchanged: 0\nfailed: 0\nnotes processed: ${noteIds.length + 1}\nnotes failed: 1\n`);
    expect(run.stderr).toBe('DocumentReference/scan-1: no text/plain attachment (inline data or Binary url)\n');
    // (A search returning every processed note would overflow spawnSync's 1 MB output buffer.)
    for (const id of [noteIds[0]!, noteIds[noteIds.length - 1]!, 'scan-1']) expect(await nlpStamped(id)).toBe(true);
    const search = await inProcess(['search', vault, 'DocumentReference?nlp-category=MEDICAL_CONDITION&_total=accurate&_count=0'], pass);
    expect(search.status).toBe(0);
    expect((JSON.parse(search.stdout) as Bundle).total).toBeGreaterThan(0);

    const again = hearth(['import', vault, path.join(sample, 'Patient.ndjson')], pass);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('files: 1\ncreated: 0\nupdated: 0\nunchanged: 1\nfailed: 0\nnotes processed: 0\nnotes failed: 0\n');
  }, 120_000);
});
