import { notifications } from '@mantine/notifications';
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import type { JobState, ResourceCount } from '../../../src-main/api/contract';
import { describeOutcome, type OperationOutcome } from '../../../src-main/api/result';
import { useHearthEvent } from '../api/context';
import { useApiQuery } from '../api/hooks';
import { formatCount } from '../lib/format';

interface VaultData {
  counts: ResourceCount[] | undefined;
  countsError: OperationOutcome | undefined;
  countsLoading: boolean;
  reloadCounts: () => void;
  /** The import the user started last (its progress survives leaving the Import screen). */
  activeJobId: string | undefined;
  setActiveJobId: (jobId: string | undefined) => void;
  /** Latest state of every job heard of in this session, by id. */
  jobs: Record<string, JobState>;
  rememberJob: (job: JobState) => void;
}

const VaultDataContext = createContext<VaultData | null>(null);

const FINISHED: ReadonlySet<JobState['status']> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * What the app keeps from the unlocked vault. It lives under the shell, which is unmounted on
 * lock, so nothing read from the vault outlives the session in memory.
 */
export function VaultDataProvider({ children }: { children: ReactNode }) {
  const counts = useApiQuery((api) => api.resources.counts({}), []);
  const [activeJobId, setActiveJobId] = useState<string | undefined>(undefined);
  const [jobs, setJobs] = useState<Record<string, JobState>>({});
  const notified = useRef(new Set<string>());
  const { reload } = counts;

  const rememberJob = useCallback(
    (job: JobState) => {
      setJobs((previous) => ({ ...previous, [job.id]: job }));
      if (FINISHED.has(job.status) && !notified.current.has(job.id)) {
        notified.current.add(job.id);
        reload();
        notifyJobFinished(job);
      }
    },
    [reload],
  );

  useHearthEvent((event) => {
    if (event.type === 'job') rememberJob(event.job);
  });

  return (
    <VaultDataContext.Provider
      value={{
        counts: counts.data,
        countsError: counts.error,
        countsLoading: counts.loading,
        reloadCounts: reload,
        activeJobId,
        setActiveJobId,
        jobs,
        rememberJob,
      }}
    >
      {children}
    </VaultDataContext.Provider>
  );
}

function notifyJobFinished(job: JobState): void {
  // The NLP queue runs a job after every batch of new notes: its panel shows it; only failures notify.
  if (job.kind === 'nlp' && job.status !== 'failed') return;
  const counts = job.counts;
  let summary = '';
  if (job.kind === 'export') summary = `${formatCount(job.progress.done)} resources written`;
  else if (counts) {
    summary = `${formatCount(counts.created)} created, ${formatCount(counts.updated)} updated, ${formatCount(counts.unchanged)} unchanged, ${formatCount(counts.failed)} failed`;
  }
  if (job.status === 'succeeded') {
    notifications.show({
      title: `${job.title}: finished`,
      message: summary || 'Done',
      color: counts && counts.failed > 0 ? 'orange' : 'green',
    });
  } else if (job.status === 'cancelled') {
    notifications.show({ title: `${job.title}: cancelled`, message: summary || 'Stopped', color: 'gray' });
  } else {
    notifications.show({
      title: `${job.title}: failed`,
      message: job.error ? describeOutcome(job.error) : summary || 'The job failed',
      color: 'red',
    });
  }
}

export function useVaultData(): VaultData {
  const data = useContext(VaultDataContext);
  if (!data) throw new Error('useVaultData must be used inside <VaultDataProvider>');
  return data;
}
