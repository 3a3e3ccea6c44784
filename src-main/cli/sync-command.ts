/**
 * `hearth server add|list|test|remove` (server profiles) and `hearth sync DIR --server NAME
 * push|pull|status|conflicts [--dry-run] [--all]` (docs/sync.md), through the session's `sync`
 * domain as the UI calls it: push and pull are jobs with a progress line on stderr (Ctrl-C
 * cancels; the next push resumes), then a report on stdout. Exit 2 when resources failed or
 * conflicts were found.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { PullReport, PushReport, ConnectionReport, FieldDiff, ServerAuth, ServerProfile } from '../sync/types';
import { OperationOutcomeError } from '../fhir/outcome-error';
import { describeOutcome } from '../api/result';
import { CliError } from './cli-error';
import { followJob, value, withSession, type CliIo } from './commands';
import { syncProgressLine } from './progress';

export const SERVER_USAGE =
  'hearth server add DIR NAME BASE_URL [--bearer TOKEN | --basic USER:PASS | --smart-backend CLIENT_ID KEY_FILE [--scope S] [--kid K] | --smart-launch CLIENT_ID [--scope S]] [--ca PEM_FILE] | hearth server authorize DIR NAME | hearth server list|test|remove DIR [NAME]';
export const SYNC_USAGE =
  'hearth sync DIR --server NAME push|pull|status|conflicts [--dry-run] [--all] [--query ID | --reviewed-only] | conflicts Type/id | resolve Type/id --keep-ours|--take-theirs|--merge FILE';

export interface ServerOptions {
  bearer?: string;
  basic?: string;
  /** SMART Backend Services client id (the key file is the positional after BASE_URL). */
  smartBackend?: string;
  /** SMART App Launch client id. */
  smartLaunch?: string;
  scope?: string;
  kid?: string;
  /** A PEM file of CA certificates to trust for this server. */
  ca?: string;
}

/** How long `hearth server authorize` waits for the browser. */
const AUTHORIZE_WAIT_MS = 5 * 60_000;

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export interface SyncOptions {
  server?: string;
  dryRun: boolean;
  all: boolean;
  keepOurs?: boolean;
  takeTheirs?: boolean;
  /** A JSON file with the merged resource. */
  merge?: string;
  /** Push what this saved query matches. */
  query?: string;
  reviewedOnly?: boolean;
}

const CONFLICT_KEY = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/;

function conflictKey(key: string | undefined): { resourceType: string; localId: string } {
  const m = CONFLICT_KEY.exec(key ?? '');
  if (!m) throw new CliError(`give the conflict as Type/id, e.g. Patient/p1 (usage: ${SYNC_USAGE})`);
  return { resourceType: m[1]!, localId: m[2]! };
}

const short = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** One line per difference: `~ path: ours -> theirs`, `+ path: theirs`, `- path: ours`. */
export function diffLines(diff: readonly FieldDiff[]): string[] {
  return diff.map((d) => (d.kind === 'added' ? `+ ${d.path}: ${short(d.theirs)}` : d.kind === 'removed' ? `- ${d.path}: ${short(d.ours)}` : `~ ${d.path}: ${short(d.ours)} -> ${short(d.theirs)}`));
}

function profileLine(p: ServerProfile): string {
  const who = p.user ?? p.smart?.clientId;
  const ca = (p.ca ?? []).map((c) => `\tcustom CA: ${c.commonName ?? c.subject}, expires ${c.validTo.slice(0, 10)}`).join('');
  return `${p.name}\t${p.baseUrl}\t${p.auth}${who ? ` (${who})` : ''}${ca || (p.customCa ? '\tcustom CA' : '')}`;
}

export function connectionSummary(r: ConnectionReport): string {
  const lines = [`server: ${r.baseUrl}`, `FHIR version: ${r.fhirVersion ?? 'not stated'}${r.r4 ? '' : ' (not R4)'}`];
  if (r.software) lines.push(`software: ${r.software}`);
  lines.push(`transaction: ${r.transaction ? 'yes' : 'no'}, batch: ${r.batch ? 'yes' : 'no'}`, `resource types: ${r.resources.length}`);
  for (const problem of r.problems) lines.push(`problem: ${problem}`);
  return lines.join('\n');
}

export function syncSummary(report: PushReport | PullReport): string {
  const lines: string[] = [];
  if ('planned' in report) lines.push(`${report.dryRun ? 'would push' : 'pushed'}: ${report.planned} planned (${report.mode === 'none' ? 'nothing sent' : report.mode})`);
  else lines.push(`${report.dryRun ? 'would pull' : 'pulled'}: ${report.received} received in ${report.pages} page(s)`);
  lines.push(`created: ${report.created}`, `updated: ${report.updated}`, `unchanged: ${report.unchanged}`, `conflicts: ${report.conflicts}`, `failed: ${report.failed.length}`, `retries: ${report.retries}`);
  if (report.deleted) lines.push(`deleted: ${report.deleted}`);
  if ('planned' in report && report.planRead) lines.push(`plan read: ${report.planRead === 'since' ? 'changes since the last push' : report.planRead === 'full' ? 'every resource' : 'the scope'} (${report.planExamined ?? 0} resource(s))`);
  if (!('planned' in report) && report.resumed) lines.push('resumed: the bulk export in progress');
  for (const f of report.failed.slice(0, 20)) lines.push(`  ${f.resourceType}/${f.id}${f.status ? ` (${f.status})` : ''}: ${describeOutcome(f.outcome)}`);
  if (report.plan) for (const p of report.plan.slice(0, 50)) lines.push(`  ${p.action} ${p.key}`);
  return lines.join('\n');
}

function authOf(options: ServerOptions, keyFile: string | undefined): ServerAuth {
  const given = [options.bearer, options.basic, options.smartBackend, options.smartLaunch].filter((v) => v !== undefined).length;
  if (given > 1) throw new CliError('give one of --bearer, --basic, --smart-backend, --smart-launch');
  if ((options.scope !== undefined || options.kid !== undefined) && options.smartBackend === undefined && options.smartLaunch === undefined) throw new CliError('--scope and --kid belong to --smart-backend or --smart-launch');
  if (options.kid !== undefined && options.smartBackend === undefined) throw new CliError('--kid belongs to --smart-backend');
  if (options.smartBackend !== undefined) {
    if (options.smartBackend === '' || keyFile === undefined) throw new CliError('--smart-backend needs CLIENT_ID and KEY_FILE');
    return {
      kind: 'smart-backend',
      clientId: options.smartBackend,
      privateKey: readText(keyFile, 'key file'),
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      ...(options.kid !== undefined ? { keyId: options.kid } : {}),
    };
  }
  if (options.smartLaunch !== undefined) {
    if (options.smartLaunch === '') throw new CliError('--smart-launch needs CLIENT_ID');
    return { kind: 'smart-launch', clientId: options.smartLaunch, ...(options.scope !== undefined ? { scope: options.scope } : {}) };
  }
  if (options.bearer !== undefined) {
    if (options.bearer === '') throw new CliError('--bearer needs the token');
    return { kind: 'bearer', token: options.bearer };
  }
  if (options.basic !== undefined) {
    const colon = options.basic.indexOf(':');
    if (colon <= 0) throw new CliError('--basic needs USER:PASS');
    return { kind: 'basic', user: options.basic.slice(0, colon), password: options.basic.slice(colon + 1) };
  }
  return { kind: 'none' };
}

export async function serverCommand(args: readonly string[], options: ServerOptions, io: CliIo): Promise<number> {
  const [sub, dir, name, baseUrl, ...extra] = args;
  if (dir === undefined) throw new CliError(`missing DIR (usage: ${SERVER_USAGE})`);
  const addFlag = (['bearer', 'basic', 'smartBackend', 'smartLaunch', 'scope', 'kid', 'ca'] as const).some((k) => options[k] !== undefined);
  if (sub !== 'add' && addFlag) throw new CliError('--bearer, --basic, --smart-backend, --smart-launch, --scope, --kid and --ca belong to "hearth server add"');
  if (sub === 'add') {
    // With --smart-backend the key file follows BASE_URL.
    const keyFile = options.smartBackend !== undefined ? extra[0] : undefined;
    if (name === undefined || baseUrl === undefined || extra.length > (options.smartBackend !== undefined ? 1 : 0)) throw new CliError(`usage: ${SERVER_USAGE}`);
    const auth = authOf(options, keyFile);
    const caBundle = options.ca !== undefined ? readText(options.ca, 'CA file') : undefined;
    return withSession(dir, io, async (session) => {
      const saved = value(await session.services.sync.saveServer({ name, baseUrl, auth, ...(caBundle !== undefined ? { caBundle } : {}) }));
      io.out(`${profileLine(saved)}\n`);
      if (auth.kind === 'smart-launch') {
        io.out(`sign in with: hearth server authorize ${dir} ${name}\n`);
        return 0;
      }
      io.out(`${connectionSummary(value(await session.services.sync.test({ name })))}\n`);
      return 0;
    });
  }
  if (sub === 'authorize') {
    if (name === undefined || baseUrl !== undefined) throw new CliError(`usage: ${SERVER_USAGE}`);
    return withSession(dir, io, async (session) => {
      const sync = session.services.sync;
      const { url } = value(await sync.authorize({ name }));
      io.out(`Open this address in your browser and sign in (waiting up to 5 minutes):\n${url}\n`);
      const until = Date.now() + AUTHORIZE_WAIT_MS + 5000;
      for (;;) {
        const state = value(await sync.authorization({ name }));
        if (state.status === 'authorized') {
          io.out(`authorized: ${name}\n`);
          return 0;
        }
        if (state.status === 'failed') throw new CliError(`authorization failed: ${state.error ?? 'unknown reason'}`);
        if (Date.now() > until) throw new CliError('authorization timed out');
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    });
  }
  if (sub === 'list') {
    if (name !== undefined) throw new CliError(`usage: ${SERVER_USAGE}`);
    return withSession(dir, io, async (session) => {
      const profiles = value(await session.services.sync.servers({}));
      if (profiles.length === 0) io.err('no server profiles in this vault\n');
      for (const p of profiles) io.out(`${profileLine(p)}\n`);
      return 0;
    });
  }
  if (sub === 'test' || sub === 'remove') {
    if (name === undefined || baseUrl !== undefined) throw new CliError(`usage: ${SERVER_USAGE}`);
    return withSession(dir, io, async (session) => {
      if (sub === 'remove') {
        value(await session.services.sync.removeServer({ name }));
        io.out(`removed ${name}\n`);
        return 0;
      }
      const report = value(await session.services.sync.test({ name }));
      io.out(`${connectionSummary(report)}\n`);
      return report.problems.length > 0 ? 1 : 0;
    });
  }
  throw new CliError(`unknown server command${sub === undefined ? '' : ` "${sub.slice(0, 40)}"`} (usage: ${SERVER_USAGE})`);
}

export async function syncCommand(args: readonly string[], options: SyncOptions, io: CliIo): Promise<number> {
  const [dir, action, ...extra] = args;
  const takesKey = action === 'resolve' || action === 'conflicts';
  if (dir === undefined || action === undefined || extra.length > (takesKey ? 1 : 0)) throw new CliError(`usage: ${SYNC_USAGE}`);
  const choices = [options.keepOurs && 'keep-ours', options.takeTheirs && 'take-theirs', options.merge !== undefined && 'merge'].filter((c): c is string => typeof c === 'string');
  if (action !== 'resolve' && choices.length > 0) throw new CliError(`--${choices[0]} belongs to "hearth sync ... resolve"`);
  if (action === 'resolve' && choices.length !== 1) throw new CliError('resolve needs one of --keep-ours, --take-theirs or --merge FILE');
  if (action !== 'push' && (options.query !== undefined || options.reviewedOnly)) throw new CliError('--query and --reviewed-only belong to "hearth sync ... push"');
  if (options.query !== undefined && options.reviewedOnly) throw new CliError('give --query or --reviewed-only, not both');
  const name = options.server;
  if (name === undefined || name === '') throw new CliError(`missing --server NAME (usage: ${SYNC_USAGE})`);
  if (options.all && action !== 'push') throw new CliError('--all belongs to "hearth sync ... push"');
  if (options.dryRun && action !== 'push' && action !== 'pull') throw new CliError('--dry-run belongs to push and pull');
  return withSession(dir, io, async (session) => {
    const sync = session.services.sync;
    if (action === 'status') {
      const s = value(await sync.status({ name }));
      io.out(`server: ${s.server}\nmapped: ${s.mapped}\nconflicts: ${s.conflicts}\nlast push: ${s.lastPushAt ?? 'never'}\nlast pull: ${s.lastPullAt ?? 'never'}\n`);
      if (s.pendingPush) io.out(`interrupted push (${s.pendingPush.mode}, started ${s.pendingPush.startedAt}): the next push resumes it\n`);
      return 0;
    }
    if (action === 'conflicts' && extra[0] !== undefined) {
      const detail = value(await sync.conflict({ name, ...conflictKey(extra[0]) }));
      io.out(`${detail.conflict.kind}\t${extra[0]}\tserver ${detail.conflict.resourceType}/${detail.conflict.serverId}\n`);
      if (!detail.ours) io.out('ours: deleted here\n');
      if (!detail.theirs) io.out('theirs: deleted on the server\n');
      for (const line of diffLines(detail.diff)) io.out(`${line}\n`);
      return 0;
    }
    if (action === 'resolve') {
      const key = conflictKey(extra[0]);
      let resource: Record<string, unknown> | undefined;
      if (options.merge !== undefined) {
        try {
          resource = JSON.parse(await readFile(options.merge, 'utf8')) as Record<string, unknown>;
        } catch (e) {
          throw new CliError(`--merge ${options.merge}: ${e instanceof SyntaxError ? 'not JSON' : 'cannot be read'}`);
        }
        if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') throw new CliError(`--merge ${options.merge}: not a FHIR resource`);
      }
      const action = options.keepOurs ? 'ours' : options.takeTheirs ? 'theirs' : 'merge';
      const result = value(await sync.resolve({ name, ...key, action, ...(resource ? { resource: resource as { resourceType: string } } : {}) }));
      if (result.outcome === 'refreshed') {
        io.out(`${extra[0]}: a side changed since the conflict was recorded; nothing was written. The conflict now shows:\n`);
        const detail = value(await sync.conflict({ name, ...key }));
        for (const line of diffLines(detail.diff)) io.out(`${line}\n`);
        return 2;
      }
      io.out(`resolved ${extra[0]} (${options.keepOurs ? 'kept ours' : options.takeTheirs ? 'took theirs' : 'merged'})${result.serverVersion ? `: server version ${result.serverVersion}` : ': deleted on both sides'}\n`);
      return 0;
    }
    if (action === 'conflicts') {
      for (const c of value(await sync.conflicts({ name }))) io.out(`${c.kind}\t${c.resourceType}/${c.localId}\tserver ${c.resourceType}/${c.serverId}\t${c.detectedAt}\n`);
      return 0;
    }
    if (action !== 'push' && action !== 'pull') throw new CliError(`unknown sync action "${action.slice(0, 40)}" (usage: ${SYNC_USAGE})`);
    const job = value(
      action === 'push'
        ? await sync.push({
            name,
            mode: options.all ? 'all' : 'changed',
            dryRun: options.dryRun,
            ...(options.query !== undefined ? { query: options.query } : {}),
            ...(options.reviewedOnly ? { reviewedOnly: true } : {}),
          })
        : await sync.pull({ name, dryRun: options.dryRun }),
    );
    const finished = await followJob(session, job.id, syncProgressLine);
    if (finished.status === 'failed') throw new OperationOutcomeError(finished.error ?? { resourceType: 'OperationOutcome', issue: [] });
    if (finished.status === 'cancelled') throw new CliError(`${action} cancelled (what was synced stays; the next ${action} continues)`, 130);
    const report = value(await sync.report({ jobId: job.id }));
    io.out(`${syncSummary(report)}\n`);
    return report.failed.length > 0 || report.conflicts > 0 ? 2 : 0;
  });
}
