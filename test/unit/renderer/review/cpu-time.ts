/**
 * CPU time of the test process for the speed bounds of the jsdom tests: a loaded machine that
 * deschedules the process adds nothing to it, as it would to wall time. (Vitest runs these tests
 * in Node; the renderer's tsconfig has no Node types, hence the narrow view of `process`.)
 */
interface CpuUsage {
  user: number;
  system: number;
}

const node = (globalThis as unknown as { process: { cpuUsage(previous?: CpuUsage): CpuUsage } }).process;

/** Starts a CPU stopwatch; the function returns the CPU milliseconds used since. */
export function cpuStopwatch(): () => number {
  const start = node.cpuUsage();
  return () => {
    const used = node.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
}
