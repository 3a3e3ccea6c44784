/**
 * `hearth`: the command-line face of Hearth. Parses arguments (node:util parseArgs), runs one
 * command in-process and exits 0 on success; otherwise prints ONE line `hearth: <reason>` on
 * stderr and exits non-zero (2 when an import stored the good records but some failed).
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import packageJson from '../../package.json';
import { CliError, expectedReason, oneLine } from './cli-error';
import { NLP_USAGE, nlpCommand } from './nlp-command';
import { SAMPLE_USAGE, sampleCommand } from './sample-command';
import { terminologyCommand } from './terminology-command';
import { enlargeYoungGeneration } from '../threads/young-generation';
import { reviewCommand } from './review-command';
import { serverCommand, syncCommand } from './sync-command';
import {
  exportResources,
  getResource,
  importFiles,
  resourceHistory,
  searchResources,
  serve,
  serveFhir,
  vaultCreate,
  vaultPasswd,
  vaultVerify,
  type CliIo,
} from './commands';

export const USAGE = `Usage: hearth <command> [arguments]

Vault
  hearth vault create DIR        create an encrypted vault in an empty or new folder
  hearth vault verify DIR        authenticate every file and rebuild-check the index
  hearth vault passwd DIR        change the passphrase (no data is re-encrypted)

Data
  hearth import DIR SOURCE... [--no-nlp]
                                 import FHIR JSON resources, Bundles or NDJSON files (.ndjson.gz
                                 too), or folders: an $export folder with its manifest, a
                                 Synthea fhir/ or csv/ folder; then the clinical NLP processes
                                 the notes waiting (--no-nlp: leave them for later)
  hearth export DIR --out FOLDER [--type T,...] [--since INSTANT] [--patient ID,...] [--group ID]
                 [--format ndjson|bundle]
                                 write the vault's resources as Bulk Data NDJSON (one Type.ndjson per
                                 type and a manifest.json) or one collection Bundle (bundle.json);
                                 --patient/--group: only those patients' compartments (docs/export.md)
  hearth get DIR Type/id         print a resource (Type/id/_history/N for a version)
  hearth history DIR Type/id     print a resource's history Bundle
  hearth search DIR 'Type?query' print a searchset Bundle (search.html: every R4 string, token,
                                 reference, date, number, quantity and uri parameter; see docs/search.md)

Terminology packs (docs/terminology.md)
  hearth terminology import DIR PATH...
                                 read official ICD-10-CM (order file, Alphabetic Index XML) and
                                 RxNorm (RXNCONSO/RXNREL/RXNSAT.RRF) releases from files or folders
                                 into packs stored in the vault; prints what was read
  hearth terminology list DIR    the packs stored in the vault

Sync with FHIR servers (docs/sync.md)
  hearth server add DIR NAME BASE_URL [--bearer TOKEN | --basic USER:PASS |
                    --smart-backend CLIENT_ID KEY_FILE [--scope S] [--kid K] |
                    --smart-launch CLIENT_ID [--scope S]] [--ca PEM_FILE]
                                 add a server profile (https, or http to this machine); the
                                 secret (password, token, private key) is sealed in the vault;
                                 --ca trusts extra CA certificates for it; tests the connection
  hearth server authorize DIR NAME
                                 SMART App Launch: prints the sign-in address for the browser
                                 and waits for it; the tokens are sealed in the vault
  hearth server list|test|remove DIR [NAME]
  hearth sync DIR --server NAME push|pull|status|conflicts [--dry-run] [--all]
                                 push what changed since the last sync (--all: everything), pull
                                 what changed on the server, or show the state; --dry-run sends
                                 or writes nothing; an interrupted push resumes on the next one
  hearth sync DIR --server NAME push [--query SAVED_QUERY_ID | --reviewed-only]
                                 push what a saved query matches, or the notes whose review is
                                 done, with the unsynced resources they refer to
  hearth sync DIR --server NAME conflicts Type/id
                                 both versions' field-level diff
  hearth sync DIR --server NAME resolve Type/id --keep-ours|--take-theirs|--merge FILE
                                 settle a conflict; when a side moved meanwhile nothing is
                                 written and the conflict shows the new versions

Synthetic data
  hearth sample --patients N --seed S --out FOLDER [--with-gold] [--years Y] [--as-of YYYY-MM-DD]
                [--threads T]
                                 write synthetic patients as Bulk Data NDJSON (one Type.ndjson per
                                 type and a manifest; with --with-gold, the notes' gold annotations
                                 in gold/annotations.ndjson); the same seed gives the same files,
                                 whatever the number of threads (default: one per core, up to 4)

Clinical NLP (docs/nlp.md)
  hearth nlp [FILE...|-] [--spans] [--terminology DIR]
                                 entities, traits and ICD-10-CM / RxNorm concepts in Amazon
                                 Comprehend Medical's JSON, one output line per input line: JSONL
                                 ({"id", "text"} per line; .jsonl/.ndjson/.json files and standard
                                 input starting with "{") or plain text files (one note each);
                                 --spans: traits of the spans each line gives
                                 ({"id", "text", "spans": [{"begin", "end"}]})

Entity review (docs/annotation-formats.md, docs/review-agreement.md)
  hearth review export DIR --format comprehend|spacy|brat --reviewer NAME [--out PATH]
                 [--include-rejected] [--document ID,...]
                                 a reviewer's annotations for machine learning: Comprehend Medical
                                 JSONL or spaCy spans JSONL (to stdout, or the file --out), BRAT
                                 standoff (a .txt and .ann per note in the folder --out)
  hearth review import DIR --format comprehend|spacy|brat --reviewer NAME FILE...
                                 store the files' annotations (files or folders) as the reviewer's;
                                 bad lines on stderr as file:line: reason (exit 2), the rest go on
  hearth review agreement DIR --a NAME --b NAME [--document ID,...] [--json]
                                 Cohen's kappa and F1 per category between two reviewers, and the
                                 notes where they differ

Web mode
  hearth serve [--port N]

Local FHIR endpoint (http://127.0.0.1:N/fhir, loopback only, bearer token)
  hearth serve --fhir DIR [--port N] [--token T]
                                 serve the vault's FHIR REST API; the token is random and
                                 printed when --token is not given (16+ of A-Z a-z 0-9 _ -)

Options
  -h, --help      show this help
  -v, --version   show the version

The passphrase comes from HEARTH_PASSPHRASE (the new one for passwd from HEARTH_NEW_PASSPHRASE),
else it is asked on the terminal without echo.
Exit codes: 0 success, 1 error, 2 import finished with failed records, 130 cancelled.
HEARTH_DEBUG=1 adds a stack trace to unexpected errors (bugs).
`;

const EXPORT_USAGE = 'hearth export DIR --out FOLDER [--type T,...] [--since INSTANT] [--patient ID,...] [--group ID] [--format ndjson|bundle]';

function need(positionals: string[], index: number, name: string, usage: string): string {
  const value = positionals[index];
  if (value === undefined || value === '') throw new CliError(`missing argument ${name} (usage: ${usage})`);
  return value;
}

function noExtra(positionals: string[], count: number, usage: string): void {
  if (positionals.length > count) throw new CliError(`unexpected argument "${oneLine(positionals[count]!).slice(0, 60)}" (usage: ${usage})`);
}

export async function runCli(argv: string[], io: CliIo, cliDir: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        port: { type: 'string' },
        fhir: { type: 'string' },
        token: { type: 'string' },
        patients: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        'with-gold': { type: 'boolean' },
        years: { type: 'string' },
        'as-of': { type: 'string' },
        type: { type: 'string' },
        since: { type: 'string' },
        patient: { type: 'string' },
        group: { type: 'string' },
        format: { type: 'string' },
        spans: { type: 'boolean' },
        'no-nlp': { type: 'boolean' },
        terminology: { type: 'string' },
        reviewer: { type: 'string' },
        'include-rejected': { type: 'boolean' },
        document: { type: 'string' },
        a: { type: 'string' },
        b: { type: 'string' },
        json: { type: 'boolean' },
        server: { type: 'string' },
        bearer: { type: 'string' },
        basic: { type: 'string' },
        'smart-backend': { type: 'string' },
        'smart-launch': { type: 'string' },
        scope: { type: 'string' },
        kid: { type: 'string' },
        ca: { type: 'string' },
        'dry-run': { type: 'boolean' },
        all: { type: 'boolean' },
        'keep-ours': { type: 'boolean' },
        'take-theirs': { type: 'boolean' },
        merge: { type: 'string' },
        query: { type: 'string' },
        'reviewed-only': { type: 'boolean' },
        threads: { type: 'string' },
      },
    });
  } catch (e) {
    throw new CliError(`${oneLine(e instanceof Error ? e.message : String(e))} (see hearth --help)`);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.out(`${packageJson.version}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (command === undefined) throw new CliError('missing command (see hearth --help)');
  if (command !== 'serve' && (values.port !== undefined || values.fhir !== undefined || values.token !== undefined)) {
    throw new CliError(`${values.port !== undefined ? '--port' : values.fhir !== undefined ? '--fhir' : '--token'} belongs to "hearth serve"`);
  }
  const sampleFlag = (['patients', 'seed', 'with-gold', 'years', 'as-of', 'threads'] as const).find((name) => values[name] !== undefined);
  if (command !== 'sample' && sampleFlag !== undefined) throw new CliError(`--${sampleFlag} belongs to "hearth sample"`);
  const exportFlag = (['type', 'since', 'patient', 'group', 'format'] as const).find((name) => values[name] !== undefined);
  // --format is also "hearth review"'s (the annotation format).
  if (command !== 'export' && exportFlag !== undefined && !(command === 'review' && exportFlag === 'format')) throw new CliError(`--${exportFlag} belongs to "hearth export"`);
  if (command !== 'sample' && command !== 'export' && command !== 'review' && values.out !== undefined) throw new CliError('--out belongs to "hearth sample", "hearth export" and "hearth review export"');
  const reviewFlag = (['reviewer', 'include-rejected', 'document', 'a', 'b', 'json'] as const).find((name) => values[name] !== undefined);
  if (command !== 'review' && reviewFlag !== undefined) throw new CliError(`--${reviewFlag} belongs to "hearth review"`);
  const nlpFlag = (['spans', 'terminology'] as const).find((name) => values[name] !== undefined);
  if (command !== 'nlp' && nlpFlag !== undefined) throw new CliError(`--${nlpFlag} belongs to "hearth nlp"`);
  if (command !== 'import' && values['no-nlp'] !== undefined) throw new CliError('--no-nlp belongs to "hearth import"');
  const serverFlag = (['bearer', 'basic', 'smart-backend', 'smart-launch', 'scope', 'kid', 'ca'] as const).find((name) => values[name] !== undefined);
  if (command !== 'server' && serverFlag !== undefined) throw new CliError(`--${serverFlag} belongs to "hearth server add"`);
  const syncFlag = (['server', 'dry-run', 'all', 'keep-ours', 'take-theirs', 'merge', 'query', 'reviewed-only'] as const).find((name) => values[name] !== undefined);
  if (command !== 'sync' && syncFlag !== undefined) throw new CliError(`--${syncFlag} belongs to "hearth sync"`);
  switch (command) {
    case 'nlp': {
      if (values.terminology === '') throw new CliError(`--terminology needs a vault or a folder of official release files (usage: ${NLP_USAGE})`);
      return nlpCommand({ files: rest, spans: values.spans === true, ...(values.terminology !== undefined ? { terminology: values.terminology } : {}) }, io);
    }
    case 'sample': {
      noExtra(rest, 0, SAMPLE_USAGE);
      return sampleCommand(
        {
          withGold: values['with-gold'] === true,
          ...(values.patients !== undefined ? { patients: values.patients } : {}),
          ...(values.seed !== undefined ? { seed: values.seed } : {}),
          ...(values.out !== undefined ? { out: values.out } : {}),
          ...(values.years !== undefined ? { years: values.years } : {}),
          ...(values['as-of'] !== undefined ? { asOf: values['as-of'] } : {}),
          ...(values.threads !== undefined ? { threads: values.threads } : {}),
        },
        io,
      );
    }
    case 'vault': {
      const sub = need(rest, 0, 'vault command (create, verify or passwd)', 'hearth vault create|verify|passwd DIR');
      const usage = `hearth vault ${sub} DIR`;
      const dir = need(rest, 1, 'DIR', usage);
      noExtra(rest, 2, usage);
      if (sub === 'create') return vaultCreate(dir, io);
      if (sub === 'verify') return vaultVerify(dir, io);
      if (sub === 'passwd') return vaultPasswd(dir, io);
      throw new CliError(`unknown vault command "${oneLine(sub).slice(0, 40)}" (create, verify or passwd)`);
    }
    case 'terminology':
      return terminologyCommand(rest, io);
    case 'review':
      return reviewCommand(
        rest,
        {
          ...(values.format !== undefined ? { format: values.format } : {}),
          ...(values.reviewer !== undefined ? { reviewer: values.reviewer } : {}),
          ...(values.out !== undefined ? { out: values.out } : {}),
          ...(values['include-rejected'] !== undefined ? { includeRejected: values['include-rejected'] } : {}),
          ...(values.document !== undefined ? { documents: values.document } : {}),
          ...(values.a !== undefined ? { a: values.a } : {}),
          ...(values.b !== undefined ? { b: values.b } : {}),
          ...(values.json !== undefined ? { json: values.json } : {}),
        },
        io,
      );
    case 'server':
      return serverCommand(
        rest,
        {
          ...(values.bearer !== undefined ? { bearer: values.bearer } : {}),
          ...(values.basic !== undefined ? { basic: values.basic } : {}),
          ...(values['smart-backend'] !== undefined ? { smartBackend: values['smart-backend'] } : {}),
          ...(values['smart-launch'] !== undefined ? { smartLaunch: values['smart-launch'] } : {}),
          ...(values.scope !== undefined ? { scope: values.scope } : {}),
          ...(values.kid !== undefined ? { kid: values.kid } : {}),
          ...(values.ca !== undefined ? { ca: values.ca } : {}),
        },
        io,
      );
    case 'sync':
      return syncCommand(
        rest,
        {
          ...(values.server !== undefined ? { server: values.server } : {}),
          dryRun: values['dry-run'] === true,
          all: values.all === true,
          ...(values['keep-ours'] ? { keepOurs: true } : {}),
          ...(values['take-theirs'] ? { takeTheirs: true } : {}),
          ...(values.merge !== undefined ? { merge: values.merge } : {}),
          ...(values.query !== undefined ? { query: values.query } : {}),
          ...(values['reviewed-only'] ? { reviewedOnly: true } : {}),
        },
        io,
      );
    case 'import': {
      const usage = 'hearth import DIR SOURCE... [--no-nlp]';
      const dir = need(rest, 0, 'DIR', usage);
      need(rest, 1, 'SOURCE', usage);
      return importFiles(dir, rest.slice(1), io, { nlp: values['no-nlp'] !== true });
    }
    case 'export': {
      const dir = need(rest, 0, 'DIR', EXPORT_USAGE);
      noExtra(rest, 1, EXPORT_USAGE);
      if (values.out === undefined || values.out === '') throw new CliError(`missing --out (usage: ${EXPORT_USAGE})`);
      const format = values.format ?? 'ndjson';
      if (format !== 'ndjson' && format !== 'bundle') throw new CliError('--format must be ndjson or bundle');
      const list = (text: string | undefined): string[] | undefined =>
        text === undefined ? undefined : text.split(',').map((item) => item.trim()).filter((item) => item !== '');
      const types = list(values.type);
      const patients = list(values.patient);
      if (types?.length === 0) throw new CliError('--type needs at least one resource type');
      if (patients?.length === 0) throw new CliError('--patient needs at least one patient id');
      return exportResources(
        dir,
        {
          outDir: path.resolve(values.out),
          format,
          ...(types ? { types } : {}),
          ...(values.since !== undefined ? { since: values.since } : {}),
          ...(patients ? { patients } : {}),
          ...(values.group !== undefined ? { group: values.group } : {}),
        },
        io,
      );
    }
    case 'get':
    case 'history': {
      const usage = `hearth ${command} DIR Type/id`;
      const dir = need(rest, 0, 'DIR', usage);
      const reference = need(rest, 1, 'Type/id', usage);
      noExtra(rest, 2, usage);
      return command === 'get' ? getResource(dir, reference, io) : resourceHistory(dir, reference, io);
    }
    case 'search': {
      const usage = "hearth search DIR 'Type?params'";
      const dir = need(rest, 0, 'DIR', usage);
      const query = need(rest, 1, "'Type?params'", usage);
      noExtra(rest, 2, usage);
      return searchResources(dir, query, io);
    }
    case 'serve': {
      noExtra(rest, 0, values.fhir !== undefined ? 'hearth serve --fhir DIR [--port N] [--token T]' : 'hearth serve [--port N]');
      let port: number | undefined;
      if (values.port !== undefined) {
        port = Number(values.port);
        if (!/^\d{1,5}$/.test(values.port) || port > 65535) throw new CliError('--port must be a number from 0 to 65535');
      }
      if (values.fhir !== undefined) {
        if (values.fhir === '') throw new CliError('--fhir needs the vault folder (usage: hearth serve --fhir DIR [--port N] [--token T])');
        const token = values.token;
        if (token !== undefined && !/^[A-Za-z0-9_-]{16,256}$/.test(token)) {
          throw new CliError('--token must be 16 to 256 characters of A-Z, a-z, 0-9, "_" and "-"');
        }
        return serveFhir(
          values.fhir,
          { ...(port !== undefined ? { port } : {}), ...(token !== undefined ? { token } : {}), softwareVersion: packageJson.version },
          io,
        );
      }
      if (values.token !== undefined) throw new CliError('--token belongs to "hearth serve --fhir"');
      return serve(port !== undefined ? { port } : {}, io, cliDir);
    }
    default:
      throw new CliError(`unknown command "${oneLine(command).slice(0, 40)}" (see hearth --help)`);
  }
}

/**
 * One command as the program runs it: the exit code, and on failure ONE line `hearth: <reason>` on
 * io.err. Exported so tests can run commands in-process (a spawn costs a second of startup).
 */
export async function runMain(argv: string[], io: CliIo, cliDir: string): Promise<number> {
  try {
    return await runCli(argv, io, cliDir);
  } catch (e) {
    const reason = expectedReason(e);
    if (reason === undefined) {
      // A bug, not a user error: still one line; HEARTH_DEBUG=1 adds the stack for a bug report.
      const summary = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      io.err(`hearth: unexpected error: ${oneLine(summary)}\n`);
      if (io.env['HEARTH_DEBUG'] === '1' && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
      return 1;
    }
    io.err(`hearth: ${oneLine(reason)}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  }
}

async function main(): Promise<void> {
  // Before any worker starts (`hearth serve`'s store worker, the write-prep and NLP workers).
  enlargeYoungGeneration();
  const io: CliIo = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
  };
  process.exitCode = await runMain(process.argv.slice(2), io, path.dirname(fileURLToPath(import.meta.url)));
}

/** Whether this module is the program (node out/cli/hearth.mjs, or npm's link to it), not a test's import. */
function isProgram(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isProgram()) await main();
