import { useEffect, useRef } from 'react';
import { useApi } from '../api/context';

/**
 * At most once a minute, and several times within the auto-lock delay so that a short delay
 * (1 minute) never expires while the user is active.
 */
export function activityReportInterval(autoLockMinutes: number | undefined): number {
  const lockMs = (autoLockMinutes ?? 15) * 60_000;
  return Math.max(5_000, Math.min(60_000, Math.floor(lockMs / 4)));
}

const ACTIVITY_EVENTS = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart'] as const;

/**
 * Tells the services the user is active (vault.touch) at most once per `intervalMs`, so the idle
 * auto-lock counts real use of the window and not only API calls.
 */
export function useActivityReporter(intervalMs = 60_000): void {
  const api = useApi();
  const lastReport = useRef(0);
  useEffect(() => {
    const onActivity = (): void => {
      const now = Date.now();
      if (now - lastReport.current < intervalMs) return;
      lastReport.current = now;
      void api.vault.touch({});
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onActivity, { passive: true });
    return () => {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity);
    };
  }, [api, intervalMs]);
}
