/**
 * The sync service of one vault session (docs/sync.md): server profiles (secrets sealed with the
 * vault's sync-secrets key), "test connection", push, pull and status. Push and pull run as jobs on
 * the session's JobManager (progress, cancel) or directly (CLI, tests).
 */
import { randomUUID } from 'node:crypto';
import { fhirError } from '../fhir/outcome-error';
import type { ResourceRepository } from '../fhir/repository';
import type { JobManager } from '../jobs/job-manager';
import type { JobState } from '../api/contract';
import { LaunchTokenSource, startAuthorization, type PendingAuthorization } from './auth-launch';
import { atField, openSmartAuth, openTokens, sealTokens, smartProfileFields, type LaunchTokens } from './auth-profile';
import { BackendTokenSource, type TokenSource } from './auth-smart';
import { analyzeCapabilities } from './capability';
import type { SyncContext, SyncProgress } from './context';
import { FhirKitTransport } from './fhir-kit-transport';
import { pull, type PullOptions } from './pull';
import { push, type PushOptions } from './push';
import { conflictDetail, resolveConflict } from './resolve';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry';
import type { SecretBox } from './secrets';
import { profileId, SyncStore, type StoredProfile } from './store';
import { fetchWithTls, parseCaBundle } from './tls';
import type { SyncTransport } from './transport';
import { checkServerUrl } from './url-policy';
import type {
  AuthorizationStatus,
  ConflictDetail,
  ConnectionReport,
  PullReport,
  PushReport,
  ResolveChoice,
  ResolveResult,
  ServerAuth,
  ServerProfile,
  ServerProfileInput,
  SyncConflict,
  SyncStatus,
} from './types';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DEFAULT_CHUNK = 100;

export interface SyncServiceOptions {
  repository: ResourceRepository;
  secrets: SecretBox;
  jobs?: JobManager;
  /** Builds the transport of a profile (default: fhir-kit-client). Tests pass fakes and proxies. */
  transport?: (baseUrl: string, auth: ServerAuth, extras: TransportExtras) => SyncTransport;
  retry?: Partial<RetryPolicy>;
  now?: () => Date;
}

/** What a transport needs besides the URL and clear auth: SMART tokens and the profile's CA bundle. */
export interface TransportExtras {
  tokens?: TokenSource;
  caBundle?: string;
}


function listed(profile: StoredProfile): ServerProfile {
  const { secret: _secret, tokens: _tokens, caBundle, ...rest } = profile;
  if (!caBundle) return rest;
  // Stored bundles were checked when saved; an expired one is still listed (with its date) rather than hidden.
  const ca = parseCaBundle(caBundle).map(({ subject, commonName, validTo }) => ({ subject, ...(commonName !== undefined ? { commonName } : {}), validTo }));
  return { ...rest, customCa: true, ca };
}

export class SyncService {
  readonly store: SyncStore;
  private readonly retry: RetryPolicy;
  private readonly now: () => Date;
  /** Reports of finished push and pull jobs, by job id. */
  readonly reports = new Map<string, PushReport | PullReport>();
  /** SMART token sources by profile (and sealed-credential version): tokens are reused across push and pull. */
  private readonly tokenSources = new Map<string, TokenSource>();
  /** App Launch authorizations waiting for the browser, by profile. */
  private readonly pending = new Map<string, { auth: PendingAuthorization; status: AuthorizationStatus }>();

  constructor(private readonly options: SyncServiceOptions) {
    this.store = new SyncStore(options.repository);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.now = options.now ?? (() => new Date());
  }

  async listProfiles(): Promise<ServerProfile[]> {
    return (await this.store.profiles()).map(listed);
  }

  /** Adds or replaces a profile; the secret is sealed before it is stored. */
  async saveProfile(input: ServerProfileInput): Promise<ServerProfile> {
    if (!NAME.test(input.name)) throw fhirError('value', 'A server name is 1 to 64 letters, digits, dot, dash or underscore', 400);
    const baseUrl = atField('baseUrl', () => checkServerUrl(input.baseUrl));
    const existing = await this.store.profile(input.name);
    const chunkSize = input.chunkSize ?? existing?.chunkSize ?? DEFAULT_CHUNK;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 1000) throw fhirError('value', 'The chunk size is 1 to 1000 resources', 400);
    const profile: StoredProfile = {
      name: input.name,
      baseUrl,
      auth: input.auth.kind,
      originKey: existing?.originKey ?? randomUUID(),
      pullTypes: input.pullTypes ?? existing?.pullTypes ?? [],
      chunkSize,
      createdAt: existing?.createdAt ?? this.now().toISOString(),
    };
    const binding = profileId(input.name);
    if (input.auth.kind === 'basic') {
      if (input.auth.user.includes(':')) throw fhirError('value', 'A basic-auth user name cannot contain ":"', 400);
      profile.user = input.auth.user;
      profile.secret = await this.options.secrets.seal(input.auth.password, binding);
    } else if (input.auth.kind === 'bearer') {
      if (input.auth.token.length === 0) throw fhirError('value', 'The bearer token is empty', 400);
      profile.secret = await this.options.secrets.seal(input.auth.token, binding);
    } else if (input.auth.kind === 'smart-backend' || input.auth.kind === 'smart-launch') {
      Object.assign(profile, await smartProfileFields(input.name, input.auth, existing, baseUrl, this.options.secrets));
    }
    // undefined keeps the bundle, null removes it; a new bundle is checked before it is stored (an expired certificate is refused).
    const caBundle = input.caBundle === undefined ? existing?.caBundle : (input.caBundle ?? undefined);
    if (caBundle) {
      if (input.caBundle !== undefined) parseCaBundle(caBundle, this.now());
      profile.caBundle = caBundle;
    }
    await this.store.putProfile(profile);
    return listed(profile);
  }

  async removeProfile(name: string): Promise<void> {
    await this.store.requireProfile(name);
    await this.store.deleteRecord(profileId(name));
  }

  private async auth(profile: StoredProfile): Promise<ServerAuth> {
    if (profile.auth === 'none') return { kind: 'none' };
    if (profile.auth === 'smart-backend' || profile.auth === 'smart-launch') return openSmartAuth(profile, this.options.secrets);
    if (!profile.secret) throw fhirError('security', `The server profile "${profile.name}" has lost its credentials; save it again`, 400);
    const secret = await this.options.secrets.open(profile.secret, profileId(profile.name));
    return profile.auth === 'basic' ? { kind: 'basic', user: profile.user ?? '', password: secret } : { kind: 'bearer', token: secret };
  }

  /** The profile's SMART token source, kept while its sealed credentials are the same. */
  private async tokensFor(profile: StoredProfile, auth: ServerAuth): Promise<TokenSource | undefined> {
    if (auth.kind !== 'smart-backend' && auth.kind !== 'smart-launch') return undefined;
    const key = `${profile.name}\0${profile.baseUrl}\0${profile.secret?.iv ?? ''}\0${profile.tokens?.iv ?? ''}\0${profile.caBundle ?? ''}`;
    const cached = this.tokenSources.get(key);
    if (cached) return cached;
    const http = fetchWithTls(profile.caBundle);
    let source: TokenSource;
    if (auth.kind === 'smart-backend') source = new BackendTokenSource(profile.baseUrl, auth, http, this.now);
    else {
      const tokens = await openTokens(profile, this.options.secrets);
      if (!tokens) throw fhirError('login', `The server "${profile.name}" needs a sign-in first (SMART App Launch: authorize)`, 401);
      source = new LaunchTokenSource(profile.baseUrl, auth, tokens, http, (renewed) => this.storeTokens(profile.name, renewed), this.now);
    }
    for (const k of this.tokenSources.keys()) if (k.startsWith(`${profile.name}\0`)) this.tokenSources.delete(k);
    this.tokenSources.set(key, source);
    return source;
  }

  /** Seals renewed or new App Launch tokens into the profile. */
  private async storeTokens(name: string, tokens: LaunchTokens, authorizedAt?: string): Promise<void> {
    const profile = await this.store.requireProfile(name);
    const sealed = await sealTokens(tokens, name, this.options.secrets);
    await this.store.putProfile({ ...profile, tokens: sealed, authorizedAt: authorizedAt ?? profile.authorizedAt ?? this.now().toISOString() });
  }

  private async transportFor(profile: StoredProfile): Promise<SyncTransport> {
    const auth = await this.auth(profile);
    const tokens = await this.tokensFor(profile, auth);
    const extras: TransportExtras = { ...(tokens ? { tokens } : {}), ...(profile.caBundle ? { caBundle: profile.caBundle } : {}) };
    return this.options.transport ? this.options.transport(profile.baseUrl, auth, extras) : new FhirKitTransport({ baseUrl: profile.baseUrl, auth, ...extras });
  }

  /**
   * SMART App Launch (auth-launch.ts): starts the sign-in and returns the URL for the system
   * browser; a loopback listener waits for it, exchanges the code and seals the tokens.
   * `authorization(name)` tells how it went.
   */
  async authorize(name: string, signal?: AbortSignal): Promise<{ url: string; redirectUri: string; authorizeEndpoint: string }> {
    const profile = await this.store.requireProfile(name);
    if (profile.auth !== 'smart-launch') throw fhirError('not-supported', `The server "${name}" does not use SMART App Launch`, 400);
    const auth = await this.auth(profile);
    if (auth.kind !== 'smart-launch') throw fhirError('exception', 'SMART App Launch settings missing', 500);
    this.pending.get(name)?.auth.cancel();
    const started = await startAuthorization({ baseUrl: profile.baseUrl, auth, http: fetchWithTls(profile.caBundle), now: this.now, ...(signal ? { signal } : {}) });
    const entry = { auth: started, status: { status: 'pending', url: started.url } as AuthorizationStatus };
    this.pending.set(name, entry);
    started.done.then(
      async (tokens) => {
        const authorizedAt = this.now().toISOString();
        await this.storeTokens(name, tokens, authorizedAt);
        entry.status = { status: 'authorized', authorizedAt };
      },
      (e: unknown) => {
        entry.status = { status: 'failed', error: e instanceof Error ? e.message : String(e) };
      },
    ).catch((e: unknown) => {
      entry.status = { status: 'failed', error: e instanceof Error ? e.message : String(e) };
    });
    return { url: started.url, redirectUri: started.redirectUri, authorizeEndpoint: started.authorizeEndpoint };
  }

  /** Where the App Launch sign-in of a profile stands. */
  async authorization(name: string): Promise<AuthorizationStatus> {
    const profile = await this.store.requireProfile(name);
    const entry = this.pending.get(name);
    if (entry && entry.status.status !== 'authorized') return entry.status;
    if (profile.auth === 'smart-launch' && profile.tokens && profile.authorizedAt) return { status: 'authorized', authorizedAt: profile.authorizedAt };
    return entry?.status ?? { status: 'none' };
  }

  private async context(name: string, signal?: AbortSignal, onProgress?: (p: SyncProgress) => void): Promise<SyncContext> {
    const profile = await this.store.requireProfile(name);
    return {
      profile,
      repository: this.options.repository,
      store: this.store,
      transport: await this.transportFor(profile),
      retry: this.retry,
      now: this.now,
      ...(signal ? { signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    };
  }

  /** GET /metadata and what it says (never throws for what the server answers: problems are listed). */
  async testConnection(name: string, signal?: AbortSignal): Promise<ConnectionReport> {
    const profile = await this.store.requireProfile(name);
    const transport = await this.transportFor(profile);
    try {
      const cs = await withRetry(() => transport.capabilities(signal), { ...this.retry, attempts: 2 }, signal, () => undefined);
      return analyzeCapabilities(profile.baseUrl, cs);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return { baseUrl: profile.baseUrl, r4: false, transaction: false, batch: false, resources: [], problems: [message] };
    }
  }

  push(name: string, options: PushOptions, signal?: AbortSignal, onProgress?: (p: SyncProgress) => void): Promise<PushReport> {
    return this.context(name, signal, onProgress).then((ctx) => push(ctx, options));
  }

  pull(name: string, options: PullOptions = {}, signal?: AbortSignal, onProgress?: (p: SyncProgress) => void): Promise<PullReport> {
    return this.context(name, signal, onProgress).then((ctx) => pull(ctx, options));
  }

  async status(name: string): Promise<SyncStatus> {
    await this.store.requireProfile(name);
    const state = await this.store.state(name);
    return {
      server: name,
      mapped: await this.store.mappedCount(name),
      conflicts: (await this.store.conflictKeys(name)).size,
      pullCursor: state.pullCursor,
      ...(state.lastPushAt ? { lastPushAt: state.lastPushAt } : {}),
      ...(state.lastPullAt ? { lastPullAt: state.lastPullAt } : {}),
      ...(state.pushRun ? { pendingPush: { ...state.pushRun, inFlight: state.inFlight?.keys.length ?? 0 } } : {}),
    };
  }

  async conflicts(name: string): Promise<SyncConflict[]> {
    await this.store.requireProfile(name);
    return this.store.conflicts(name);
  }

  /** One conflict with both sides in local form and their field-level diff. */
  async conflictDetail(name: string, resourceType: string, localId: string): Promise<ConflictDetail> {
    return conflictDetail(await this.context(name), resourceType, localId);
  }

  /** Keep ours, take theirs or merge (docs/sync.md "Conflicts"); a side that moved meanwhile refreshes the conflict instead. */
  async resolveConflict(name: string, resourceType: string, localId: string, choice: ResolveChoice, signal?: AbortSignal): Promise<ResolveResult> {
    return resolveConflict(await this.context(name, signal), resourceType, localId, choice);
  }

  /**
   * Forgets an interrupted push (docs/sync.md "Resume"), so the next push plans afresh with its own scope. Safe: what the lost
   * chunk had landed is found again by the conditional creates and the 412 content check (docs/sync.md "Idempotency").
   */
  async discardPendingPush(name: string): Promise<{ discarded: boolean }> {
    await this.store.requireProfile(name);
    const state = await this.store.state(name);
    if (!state.pushRun) return { discarded: false };
    const next = { ...state };
    delete next.pushRun;
    delete next.inFlight;
    await this.store.putState(name, next);
    return { discarded: true };
  }

  /** Push or pull as a job: progress events, cancel between requests; the report is kept by job id. */
  startJob(name: string, what: { push: PushOptions } | { pull: PullOptions }): JobState {
    const jobs = this.options.jobs;
    if (!jobs) throw fhirError('not-supported', 'This session runs no jobs', 400);
    // A dry run says so in the job's title (the jobs list and its "finished" notification show the title).
    const dryRun = 'push' in what ? what.push.dryRun === true : what.pull.dryRun === true;
    const title = `${dryRun ? 'Dry run: ' : ''}${'push' in what ? `${dryRun ? 'push' : 'Push'} to ${name}` : `${dryRun ? 'pull' : 'Pull'} from ${name}`}`;
    return jobs.start('sync', title, async (context) => {
      const onProgress = (p: SyncProgress): void => context.progress({ done: p.done, ...(p.total !== undefined ? { total: p.total } : {}), ...(p.message ? { message: p.message } : {}) });
      try {
        const report = 'push' in what ? await this.push(name, what.push, context.signal, onProgress) : await this.pull(name, what.pull, context.signal, onProgress);
        this.reports.set(context.jobId, report);
        return {};
      } catch (e) {
        if (context.signal.aborted) return { cancelled: true };
        throw e;
      }
    });
  }
}
