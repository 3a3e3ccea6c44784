import { useEffect, useState } from 'react';
import type { JobState } from '../../../src-main/api/contract';
import type { OperationOutcome } from '../../../src-main/api/result';
import { useApi } from '../api/context';
import { useVaultData } from './vault-data';

/** A job in one of these states changes no more. */
export const FINISHED_JOB_STATUSES: ReadonlySet<JobState['status']> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * A job's latest state (import, export...): from job events, with jobs.get polling every 1.5 s as
 * a fallback until it finishes (a lost event must not stall a progress panel).
 */
export function useJob(jobId: string): { job: JobState | undefined; error: OperationOutcome | undefined } {
  const api = useApi();
  const { jobs, rememberJob } = useVaultData();
  const [error, setError] = useState<OperationOutcome | undefined>(undefined);
  const job = jobs[jobId];
  const finished = job ? FINISHED_JOB_STATUSES.has(job.status) : false;
  useEffect(() => {
    if (finished) return;
    let stopped = false;
    const poll = async (): Promise<void> => {
      const result = await api.jobs.get({ jobId });
      if (stopped) return;
      if (result.ok) {
        setError(undefined);
        rememberJob(result.value);
      } else {
        setError(result.error);
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), 1500);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, jobId, finished, rememberJob]);
  return { job, error };
}
