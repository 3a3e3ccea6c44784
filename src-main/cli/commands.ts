/**
 * The `hearth` commands. Each opens the vault in-process through the session services (no
 * worker), does one thing and closes it. Output: data on stdout, diagnostics on stderr.
 */
import path from 'node:path';
import type { ExportReport, ImportReport, InputOf, JobState } from '../api/contract';
import type { Result } from '../api/result';
import { OperationOutcomeError } from '../fhir/outcome-error';
import { probeVault } from '../vault';
import { createVaultSession, openVaultSession, type SessionExtras, type VaultSessionOptions } from '../services/vault-session';
import type { VaultSession } from '../services/session-types';
import { CliError, oneLine } from './cli-error';
import { currentPassphrase, newPassphrase } from './passphrase';
import { nlpProgressLine, ProgressLine, progressLine } from './progress';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/**
 * TEST ONLY: `HEARTH_TEST_KDF_ITERATIONS` lowers PBKDF2 for `vault create` so CLI tests run fast,
 * and is refused unless NODE_ENV=test. Never use it for a real vault: the engine's production
 * floor (600,000 iterations) is what protects the passphrase.
 */
export function sessionOptions(env: NodeJS.ProcessEnv): VaultSessionOptions {
  const raw = env['HEARTH_TEST_KDF_ITERATIONS'];
  if (raw === undefined || raw === '') return {};
  if (env['NODE_ENV'] !== 'test') throw new CliError('HEARTH_TEST_KDF_ITERATIONS is for tests only (it needs NODE_ENV=test)');
  const iterations = Number(raw);
  if (!Number.isSafeInteger(iterations) || iterations <= 0) throw new CliError('HEARTH_TEST_KDF_ITERATIONS must be a positive whole number');
  return { kdfIterations: iterations, allowWeakKdfForTests: true };
}

/** Unwraps a service Result; an error becomes an OperationOutcomeError (printed as one line). */
export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new OperationOutcomeError(result.error);
  return result.value;
}

/** Refuses a folder that is not a vault before asking for a passphrase. */
async function assertVault(dir: string): Promise<void> {
  const probe = await probeVault(dir);
  if (!probe.exists) throw new CliError(`no vault at ${probe.path} (the folder does not exist)`);
  if (!probe.isVault) throw new CliError(`${probe.path} is not a Hearth vault${probe.problem ? `: ${probe.problem}` : ''}`);
}

export async function withSession<T>(dir: string, io: CliIo, fn: (session: VaultSession) => Promise<T>, extras?: SessionExtras): Promise<T> {
  await assertVault(dir);
  const passphrase = await currentPassphrase(io.env);
  const session = await openVaultSession(dir, passphrase, sessionOptions(io.env), extras);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** `Type/id` or `Type/id/_history/N`. */
export function parseReference(text: string): { resourceType: string; id: string; versionId?: string } {
  const m = /^\/?([A-Za-z]{1,64})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/.exec(text);
  if (!m) throw new CliError(`expected Type/id (e.g. Patient/123), got "${oneLine(text).slice(0, 80)}"`);
  return { resourceType: m[1]!, id: m[2]!, ...(m[3] !== undefined ? { versionId: m[3] } : {}) };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export async function vaultCreate(dir: string, io: CliIo): Promise<number> {
  const passphrase = await newPassphrase('HEARTH_PASSPHRASE', io.env);
  const session = await createVaultSession(dir, passphrase, sessionOptions(io.env));
  await session.close();
  io.out(`Created a vault in ${session.info.path}\n`);
  return 0;
}

export async function vaultVerify(dir: string, io: CliIo): Promise<number> {
  const report = await withSession(dir, io, async (session) => value(await session.services.vault.verify({})));
  io.out(
    `${report.ok ? 'OK' : 'DAMAGED'}: ${report.files.length} files, ${report.transactions} transactions, ` +
      `${report.resources} resources, ${report.versions} versions\n`,
  );
  if (report.ok) return 0;
  const badFile = report.files.find((f) => !f.ok);
  const fileProblem = badFile?.problem ?? 'damaged';
  const reason = badFile
    ? fileProblem.includes(badFile.file)
      ? fileProblem
      : `${badFile.file}: ${fileProblem}`
    : (report.problems[0] ?? 'verification failed');
  throw new CliError(`vault damaged: ${oneLine(reason)}`);
}

export async function vaultPasswd(dir: string, io: CliIo): Promise<number> {
  await assertVault(dir);
  const current = await currentPassphrase(io.env);
  const session = await openVaultSession(dir, current, sessionOptions(io.env));
  try {
    const next = await newPassphrase('HEARTH_NEW_PASSPHRASE', io.env);
    value(await session.services.vault.changePassphrase({ currentPassphrase: current, newPassphrase: next }));
  } finally {
    await session.close();
  }
  io.out('Passphrase changed\n');
  return 0;
}

function waitForJob(session: VaultSession, jobId: string, onProgress: (job: JobState) => void): Promise<JobState> {
  return new Promise((resolve) => {
    const off = session.onEvent((event) => {
      if (event.type !== 'job' || event.job.id !== jobId) return;
      if (event.job.status === 'succeeded' || event.job.status === 'failed' || event.job.status === 'cancelled') {
        off();
        resolve(event.job);
      } else {
        onProgress(event.job);
      }
    });
  });
}

export function importSummary(report: ImportReport): string {
  return [
    `files: ${report.files.length}`,
    `created: ${report.created}`,
    `updated: ${report.updated}`,
    `unchanged: ${report.unchanged}`,
    `failed: ${report.failed}`,
    ...(report.read !== undefined ? [`read: ${report.read}`] : []),
  ].join('\n');
}

/** Waits for a session job with a progress line on the terminal; Ctrl-C cancels it (what it did stays). */
export async function followJob(session: VaultSession, jobId: string, format: (job: JobState) => string = progressLine): Promise<JobState> {
  const progress = new ProgressLine();
  const finished = waitForJob(session, jobId, (job) => progress.update(format(job)));
  const onInterrupt = () => {
    void session.services.jobs.cancel({ jobId });
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await finished;
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.clear();
  }
}

export interface ImportOptions {
  /** Run the NLP queue over the vault's waiting notes after the import (default true; `--no-nlp`). */
  nlp?: boolean;
}

/**
 * After `hearth import`: the session's NLP queue (started paused, so the import ran alone)
 * processes every waiting note (those imported now, and any left by an earlier `--no-nlp` or an
 * interrupted run), with a progress line; Ctrl-C stops it (what was stored stays, the rest waits
 * for the next run or the app). Returns the summary lines.
 */
async function processNotes(session: VaultSession, io: CliIo): Promise<string> {
  const counts = value(await session.services.resources.counts({}));
  // No notes: the engine's worker threads are not worth starting.
  if (!counts.some((c) => c.resourceType === 'DocumentReference' && c.count > 0)) return 'notes processed: 0\nnotes failed: 0';
  let status = value(await session.services.nlp.start({}));
  while (status.jobId !== undefined) {
    const job = await followJob(session, status.jobId, nlpProgressLine);
    if (job.status === 'cancelled') {
      value(await session.services.nlp.cancel({}));
      throw new CliError('clinical NLP cancelled (the notes processed so far keep their results; the others wait for the next import or the app)', 130);
    }
    if (job.status === 'failed') {
      throw new CliError(`clinical NLP failed (the import is complete; the notes wait for the next import or the app): ${oneLine(job.error?.issue[0]?.diagnostics ?? 'unknown error')}`);
    }
    // A note edited while it was analysed gets another job at once (queue.ts); follow it too.
    status = value(await session.services.nlp.status({}));
  }
  const processed = status.processed ?? { notes: 0, failed: 0 };
  for (const error of status.errors) io.err(`DocumentReference/${error.id}: ${oneLine(error.message)}\n`);
  if (processed.failed > status.errors.length) io.err(`(${processed.failed - status.errors.length} more notes failed; the latest ${status.errors.length} are listed)\n`);
  if (status.notice !== undefined) io.err(`${status.notice}: re-run them from the app's Home screen\n`);
  return `notes processed: ${processed.notes}\nnotes failed: ${processed.failed}`;
}

export async function importFiles(dir: string, files: string[], io: CliIo, options: ImportOptions = {}): Promise<number> {
  const nlp = options.nlp !== false;
  // The engine reads the vault's terminology packs when it starts (as the app's sessions do).
  const extras: SessionExtras | undefined = nlp
    ? { nlpAnalyzer: async (repository, init) => (await import('../nlp/session-engine')).startSessionEngine(repository, init), nlpStartPaused: true }
    : undefined;
  return withSession(dir, io, async (session) => {
    const { jobId } = value(
      await session.services.import.start({ sources: files.map((file) => ({ kind: 'path' as const, path: file })) }),
    );
    const job = await followJob(session, jobId);
    const report = value(await session.services.import.report({ jobId }));
    for (const file of report.files) {
      if (file.problem !== undefined) io.err(`${file.file}: ${oneLine(file.problem)}\n`);
      if (file.notice !== undefined) io.err(`${file.file}: ${oneLine(file.notice)}\n`);
    }
    for (const error of report.errors) io.err(`${error.file}:${error.line}: ${oneLine(error.message)}\n`);
    io.out(`${importSummary(report)}\n`);
    if (job.status === 'failed') throw new OperationOutcomeError(job.error ?? { resourceType: 'OperationOutcome', issue: [] });
    if (job.status === 'cancelled') throw new CliError('import cancelled (what was imported before stays)', 130);
    if (nlp) io.out(`${await processNotes(session, io)}\n`);
    const incomplete = report.failed > 0 || report.files.some((f) => f.problem !== undefined);
    return incomplete ? 2 : 0;
  }, extras);
}

export function exportSummary(report: ExportReport): string {
  const lines = [`folder: ${report.outDir}`, `format: ${report.format}`, `resources: ${report.resources}`];
  for (const file of report.output) lines.push(`  ${file.url}: ${file.count}`);
  for (const file of report.errors) lines.push(`  ${file.url}: ${file.count} (errors)`);
  if (report.transactionTime !== undefined) lines.push(`transactionTime: ${report.transactionTime}`);
  return lines.join('\n');
}

/** `hearth export`: runs `export.start` as a job, as the UI does, with a progress line; Ctrl-C cancels. */
export async function exportResources(dir: string, request: InputOf<'export', 'start'>, io: CliIo): Promise<number> {
  return withSession(dir, io, async (session) => {
    const { jobId } = value(await session.services.export.start({ format: 'ndjson', ...request }));
    const job = await followJob(session, jobId);
    if (job.status === 'failed') throw new OperationOutcomeError(job.error ?? { resourceType: 'OperationOutcome', issue: [] });
    const report = value(await session.services.export.report({ jobId }));
    io.out(`${exportSummary(report)}\n`);
    if (job.status === 'cancelled') throw new CliError('export cancelled (the files written so far stay, without a manifest)', 130);
    return 0;
  });
}

export async function getResource(dir: string, reference: string, io: CliIo): Promise<number> {
  const ref = parseReference(reference);
  const resource = await withSession(dir, io, async (session) =>
    value(
      ref.versionId !== undefined
        ? await session.services.resources.vread({ resourceType: ref.resourceType, id: ref.id, versionId: ref.versionId })
        : await session.services.resources.read({ resourceType: ref.resourceType, id: ref.id }),
    ),
  );
  io.out(json(resource));
  return 0;
}

export async function resourceHistory(dir: string, reference: string, io: CliIo): Promise<number> {
  const ref = parseReference(reference);
  const bundle = await withSession(dir, io, async (session) =>
    value(await session.services.resources.history({ resourceType: ref.resourceType, id: ref.id })),
  );
  io.out(json(bundle));
  return 0;
}

export async function searchResources(dir: string, query: string, io: CliIo): Promise<number> {
  const bundle = await withSession(dir, io, async (session) => value(await session.services.resources.search({ query })));
  io.out(json(bundle));
  return 0;
}

export interface ServeOptions {
  port?: number;
}

export interface ServeFhirOptions {
  port?: number;
  /** Bearer token; a random one is made (and printed) when absent. */
  token?: string;
  /** Reported in the CapabilityStatement. */
  softwareVersion?: string;
}

/** Resolves on Ctrl-C or SIGTERM. */
function interrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * `hearth serve --fhir DIR`: the local FHIR endpoint (src-main/transport/fhir-server.ts) over the
 * vault, opened in-process, until Ctrl-C (or `until` resolves); then the server stops and the
 * vault is closed cleanly.
 */
export async function serveFhir(dir: string, options: ServeFhirOptions, io: CliIo, until: Promise<void> = interrupted()): Promise<number> {
  await assertVault(dir);
  const passphrase = await currentPassphrase(io.env);
  const [{ startFhirServer }, { openVault }, { fhirProjector }, { createVaultRepository }, { sharedWritePrepPool }] = await Promise.all([
    import('../transport/fhir-server'),
    import('../vault'),
    import('../fhir/fhir-projector'),
    import('../fhir/vault-repository'),
    import('../fhir/write-prep-pool'),
  ]);
  const vault = await openVault(dir, passphrase, { projector: fhirProjector });
  try {
    const server = await startFhirServer({
      // Concurrent POSTs pipeline: one prepared off this thread while another commits.
      repo: createVaultRepository(vault, { preparer: sharedWritePrepPool() }),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.softwareVersion !== undefined ? { softwareVersion: options.softwareVersion } : {}),
    });
    io.out(`FHIR endpoint: ${server.baseUrl}\n`);
    io.out(options.token === undefined ? `Bearer token: ${server.token}\n` : 'Bearer token: the one given with --token\n');
    io.out('Press Ctrl-C to stop.\n');
    await until;
    await server.close();
  } finally {
    await vault.close();
  }
  return 0;
}

/** The web mode: the HTTP server (src-main/transport/http-server.ts) on 127.0.0.1 until Ctrl-C. */
export async function serve(options: ServeOptions, io: CliIo, cliDir: string): Promise<number> {
  const [{ startWebServer }, { defaultConfigDir }] = await Promise.all([
    import('../transport/http-server'),
    import('../host/config-dir'),
  ]);
  const server = await startWebServer({
    ...(options.port !== undefined ? { port: options.port } : {}),
    configDir: defaultConfigDir(io.env),
    // out/cli/hearth.mjs → out/renderer (built by `npm run build`).
    rendererDir: path.resolve(cliDir, '../renderer'),
  });
  io.out(`Hearth is running at ${server.url}\n`);
  io.out('Press Ctrl-C to stop.\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
