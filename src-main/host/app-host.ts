/**
 * The app host: the one ApiHost every face talks to (Electron IPC, the web server, tests).
 * It answers the vault lifecycle (status, probe, create, unlock, lock, touch) and the settings
 * itself, and forwards the session channels to the unlocked vault's session, which runs in a
 * worker thread ('worker') or on this thread ('in-process').
 *
 * Validation happens once, here, with the contract schemas; the session receives parsed input.
 */
import path from 'node:path';
import type { HearthEvent, HearthServices, LockReason, Settings, VaultProbe, VaultStatus } from '../api/contract';
import { resolveChannel, validationOutcome, type Dispatch } from '../api/dispatch';
import type { ApiHost } from '../api/host';
import { err, ok, outcome, type Result } from '../api/result';
import { SESSION_CHANNELS } from '../services/session-types';
import { systemClock, type Clock } from './clock';
import { errorOutcome, lockedOutcome } from './error-outcome';
import { IdleLock } from './idle-lock';
import { inProcessLauncher } from './in-process-session';
import { loadSessionFactories, probeVaultFolder } from './session-factories';
import type { SessionFactories, SessionHandle, SessionLauncher, SessionMode, SessionOptions } from './session-handle';
import { DEFAULT_SETTINGS, fhirEndpointSettings, SettingsStore } from './settings-store';
import { FhirEndpoint } from './fhir-endpoint';
import { workerLauncher, type WorkerLauncherOptions } from './worker-session';

export interface AppHostOptions {
  /** Folder of settings.json (see defaultConfigDir). */
  configDir: string;
  /** 'worker': one worker thread per unlocked vault (Electron, web mode); 'in-process': tests, simple setups. */
  isolation: 'worker' | 'in-process';
  /** Passed to openVaultSession/createVaultSession (e.g. test-only KDF settings). */
  sessionOptions?: SessionOptions;
  /** Injectable time for the idle lock (tests). */
  clock?: Clock;
  /** How often the idle lock looks again while an import runs (default 5 s). */
  busyRetryMs?: number;
  /** 'in-process' only: where sessions come from (default src-main/services). */
  sessionFactories?: () => Promise<SessionFactories>;
  /** 'worker' only: worker script and test-only session module. */
  worker?: WorkerLauncherOptions;
  /** Answers vault.probe (default: the vault engine's probeVault). */
  probeVault?: (folder: string) => Promise<VaultProbe>;
}

/** Channels that do not count as user activity: the UI polls them on its own. */
const PASSIVE_CHANNELS = new Set(['vault.status', 'jobs.list', 'jobs.get', 'import.report', 'export.report']);

type HostServices = Pick<HearthServices, 'settings'> & {
  vault: Pick<HearthServices['vault'], 'status' | 'probe' | 'create' | 'unlock' | 'lock' | 'touch'>;
};

interface OpenSession {
  handle: SessionHandle;
  unsubscribe: () => void;
}

export function createAppHost(options: AppHostOptions): ApiHost {
  const clock = options.clock ?? systemClock;
  const launch: SessionLauncher =
    options.isolation === 'worker'
      ? workerLauncher(options.worker)
      : inProcessLauncher(options.sessionFactories ?? (() => loadSessionFactories()));
  const probe = options.probeVault ?? probeVaultFolder;
  const settingsReady = SettingsStore.load(options.configDir);
  const listeners = new Set<(event: HearthEvent) => void>();

  let current: OpenSession | null = null;
  let lockReason: LockReason | undefined;
  let closed = false;
  /** Unlock, create and lock run one at a time. */
  let lifecycle: Promise<unknown> = Promise.resolve();
  let cachedSettings: Settings | null = null;
  /** The Settings switch's local FHIR endpoint: follows the unlocked session and the settings. */
  const fhirEndpoint = new FhirEndpoint(() => fhirEndpointSettings(cachedSettings ?? DEFAULT_SETTINGS));

  const idle = new IdleLock({
    clock,
    timeoutMs: () => (cachedSettings?.autoLockMinutes ?? 15) * 60_000,
    busyRetryMs: options.busyRetryMs,
    onIdle: async () => {
      const session = current;
      if (!session) return true;
      // An import is never cut by the idle timer: try again once it is done.
      if (await session.handle.hasRunningJobs()) return false;
      await lock('idle');
      return true;
    },
  });

  function emit(event: HearthEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // One failing listener (a closed window) must not stop the others.
      }
    }
  }

  function serialized<T>(step: () => Promise<T>): Promise<T> {
    const run = lifecycle.then(step, step);
    lifecycle = run.catch(() => undefined);
    return run;
  }

  async function status(): Promise<VaultStatus> {
    const store = await settingsReady;
    return {
      state: current ? 'unlocked' : 'locked',
      vault: current ? current.handle.info : null,
      ...(lockReason && !current ? { lockReason } : {}),
      recentVaults: store.recentVaults,
    };
  }

  async function emitStatus(): Promise<VaultStatus> {
    const value = await status();
    emit({ type: 'vault', status: value });
    return value;
  }

  function lock(reason: LockReason): Promise<VaultStatus> {
    return serialized(async () => {
      const session = current;
      if (!session) return status();
      current = null;
      idle.stop();
      session.unsubscribe();
      lockReason = reason;
      try {
        await fhirEndpoint.detach();
        await session.handle.close();
      } finally {
        await emitStatus();
      }
      return status();
    });
  }

  function open(mode: SessionMode, folder: string, passphrase: string) {
    return serialized(async () => {
      if (closed) return err(outcome('exception', 'The app is shutting down', { status: 503 }));
      if (current) {
        return err(outcome('conflict', 'A vault is already unlocked: lock it first', { status: 409 }));
      }
      const store = await settingsReady;
      cachedSettings = store.settings;
      const launched = await launch({
        mode,
        path: path.resolve(folder),
        passphrase,
        ...(options.sessionOptions ? { options: options.sessionOptions } : {}),
      });
      if (!launched.ok) return launched;
      const handle = launched.value;
      const session: OpenSession = { handle, unsubscribe: handle.onEvent(emit) };
      current = session;
      handle.onFailure(() => {
        if (current === session) void lock('error');
      });
      lockReason = undefined;
      idle.start();
      // A port that is taken shows as the endpoint's error state; it never undoes the unlock.
      await fhirEndpoint.attach(handle);
      try {
        await store.rememberVault(handle.info.path);
      } catch {
        // The recent list is a convenience: an unwritable settings folder must not undo an unlock.
      }
      await emitStatus();
      return ok(handle.info);
    });
  }

  const own: HostServices = {
    vault: {
      status: async () => ok(await status()),
      probe: async ({ path: folder }) => ok(await probe(path.resolve(folder))),
      create: ({ path: folder, passphrase }) => open('create', folder, passphrase),
      unlock: ({ path: folder, passphrase }) => open('open', folder, passphrase),
      lock: async () => ok(await lock('user')),
      touch: async () => ok({ lockInMs: current ? idle.remainingMs() : null }),
    },
    settings: {
      get: async () => ok((await settingsReady).settings),
      update: async (patch) => {
        const store = await settingsReady;
        const settings = await store.update(patch);
        cachedSettings = settings;
        idle.reschedule();
        if (patch.fhirEndpoint !== undefined) await fhirEndpoint.apply();
        emit({ type: 'settings', settings });
        return ok(settings);
      },
      fhirEndpoint: async () => ok(fhirEndpoint.status()),
      newFhirToken: async () => ok(await fhirEndpoint.renewToken()),
    },
  };

  const dispatch: Dispatch = async (channel, payload) => {
    const resolved = resolveChannel(channel);
    if (!resolved) return err(outcome('not-supported', `Unknown API method "${channel}"`, { status: 404 }));
    const parsed = resolved.schema.safeParse(payload ?? {});
    if (!parsed.success) return err(validationOutcome(channel, parsed.error));
    if (!PASSIVE_CHANNELS.has(channel)) idle.touch();

    if (SESSION_CHANNELS.includes(channel)) {
      const session = current;
      if (!session) return err(lockedOutcome());
      return session.handle.call(channel, parsed.data);
    }
    // Own methods, looked up by a channel the contract just resolved (no inherited names).
    const domain = (own as Record<string, Record<string, (input: unknown) => Promise<Result<unknown>>>>)[resolved.domain];
    const fn = domain && Object.hasOwn(domain, resolved.method) ? domain[resolved.method] : undefined;
    if (!fn) return err(outcome('not-supported', `API method "${channel}" is not implemented`, { status: 501 }));
    try {
      return await fn(parsed.data);
    } catch (e) {
      return err(errorOutcome(e));
    }
  };

  void settingsReady.then((store) => {
    cachedSettings = store.settings;
  });

  return {
    dispatch,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      await lock('user');
      idle.stop();
      listeners.clear();
    },
  };
}
