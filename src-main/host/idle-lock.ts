/**
 * The idle auto-lock timer: fires `onIdle` once `timeoutMs()` has passed since the last
 * activity. `onIdle` answers whether it locked; when it did not (an import is running: an
 * import is never cut by the idle timer) the check repeats every `busyRetryMs` until it does.
 */
import type { Clock } from './clock';

export interface IdleLockOptions {
  clock: Clock;
  /** Read on every (re)schedule, so a settings change applies at once. */
  timeoutMs: () => number;
  /** Locks the vault unless it is busy; resolves to true when it locked. */
  onIdle: () => Promise<boolean>;
  /** How often to look again while the session is busy (default 5 s). */
  busyRetryMs?: number;
}

export class IdleLock {
  private lastActivity = 0;
  private handle: unknown = undefined;
  private armed = false;
  private readonly busyRetryMs: number;

  constructor(private readonly options: IdleLockOptions) {
    this.busyRetryMs = options.busyRetryMs ?? 5_000;
  }

  /** Starts counting from now (the vault was just unlocked). */
  start(): void {
    this.armed = true;
    this.touch();
  }

  stop(): void {
    this.armed = false;
    this.cancel();
  }

  /** User activity: restarts the countdown. */
  touch(): void {
    if (!this.armed) return;
    this.lastActivity = this.options.clock.now();
    this.schedule(this.options.timeoutMs());
  }

  /** Re-reads the timeout (the setting changed) without counting as activity. */
  reschedule(): void {
    if (!this.armed) return;
    this.schedule(Math.max(0, this.remainingMs() ?? 0));
  }

  /** Milliseconds until the lock, or null when the timer is not running. */
  remainingMs(): number | null {
    if (!this.armed) return null;
    return Math.max(0, this.lastActivity + this.options.timeoutMs() - this.options.clock.now());
  }

  private schedule(ms: number): void {
    this.cancel();
    this.handle = this.options.clock.setTimeout(() => void this.fire(), ms);
  }

  private cancel(): void {
    if (this.handle !== undefined) this.options.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private async fire(): Promise<void> {
    this.handle = undefined;
    if (!this.armed) return;
    const remaining = this.remainingMs() ?? 0;
    if (remaining > 0) {
      this.schedule(remaining);
      return;
    }
    let locked = false;
    try {
      locked = await this.options.onIdle();
    } catch {
      locked = false;
    }
    // Activity may have arrived while onIdle looked at the session: that restarts the countdown.
    if (!locked && this.armed && this.handle === undefined) {
      const left = this.remainingMs() ?? 0;
      this.schedule(left > 0 ? left : this.busyRetryMs);
    }
  }
}
