/**
 * Retries (docs/sync.md "Faults"): a timeout, a network failure, 429 and 5xx are retried with
 * exponential backoff and jitter (Retry-After wins when the server sends one); everything else —
 * 4xx including the conflicts 409 and 412, and a TLS handshake refused for good (an old protocol,
 * an untrusted certificate) — goes back to the caller at once.
 */
import { TransportError } from './transport';

export interface RetryPolicy {
  /** Attempts in all, the first included (default 6). */
  attempts: number;
  /** First delay before jitter (default 500 ms); doubles per attempt. */
  baseDelayMs: number;
  /** Largest delay (default 30 s); a Retry-After beyond `maxRetryAfterMs` is cut to it. */
  maxDelayMs: number;
  maxRetryAfterMs: number;
  /** Random source in [0, 1) (tests). */
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000, random: Math.random };

export function isRetryable(error: unknown): error is TransportError {
  if (!(error instanceof TransportError)) return false;
  if (error.failure === 'tls') return false;
  if (error.failure !== 'http') return true;
  const status = error.status ?? 0;
  return status === 429 || status >= 500;
}

/** The wait before attempt `attempt + 1` (attempt counts from 0): "equal jitter", half fixed and half random. */
export function backoffDelay(policy: RetryPolicy, attempt: number, error: TransportError): number {
  if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, policy.maxRetryAfterMs);
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return exp / 2 + policy.random() * (exp / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `fn` until it succeeds, fails with something not retryable, or the attempts run out. */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy, signal: AbortSignal | undefined, onRetry: (error: TransportError, delayMs: number) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (signal?.aborted || !isRetryable(error) || attempt + 1 >= policy.attempts) throw error;
      const delay = backoffDelay(policy, attempt, error);
      onRetry(error, delay);
      await sleep(delay, signal);
    }
  }
}
