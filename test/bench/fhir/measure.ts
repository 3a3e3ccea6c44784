/**
 * Measuring helpers of the benchmarks: percentiles, per-phase peak RSS, forced GC between
 * phases, folder sizes, CPU time and the commit a run measured.
 */
import { execSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** CPU seconds (user + system) of this process since `since`. */
export function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/**
 * CPU seconds (user + system) of this thread alone: the store's thread in the benchmarks (the main
 * thread), apart from the write-prep worker and the thread pool that process.cpuUsage also counts.
 * Linux only (/proc/self/task/<pid>/stat, clock ticks of 10 ms); NaN elsewhere.
 */
export function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 14th field overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds (user + system) of each thread of this process, by thread id (Linux,
 * /proc/self/task/<tid>/stat, 10 ms ticks; empty elsewhere): to tell the store thread, the
 * write-prep worker, V8's platform threads (concurrent GC) and the libuv pool apart.
 */
export function threadsCpu(): Map<string, number> {
  const result = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return result;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(tid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return result;
}

/** The commit a run measured: HEARTH_BENCH_COMMIT when run from a `git archive` export, else the checkout's HEAD. */
export function benchCommit(): { commit: string; dirty: boolean } {
  if (process.env.HEARTH_BENCH_COMMIT) return { commit: process.env.HEARTH_BENCH_COMMIT, dirty: false };
  try {
    return { commit: execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim(), dirty: execSync('git status --porcelain src-main', { encoding: 'utf8' }).trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

export function round(value: number, decimals = 2): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

const MB = 1024 * 1024;

/**
 * Peak RSS of one phase. The kernel's high-water mark (VmHWM) sees every peak, even one inside a long
 * synchronous sql.js call where a timer cannot fire; writing 5 to /proc/self/clear_refs resets it
 * at the start of the phase. Where that is not available (not Linux), a 50 ms sampler stands in.
 */
export class PhasePeak {
  private sampledBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private kernelMark = false;

  start(): void {
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      this.kernelMark = highWaterMarkBytes() !== null;
    } catch {
      this.kernelMark = false;
    }
    this.sampledBytes = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), 50);
  }

  /** Also called by the phases between batches, so the sampler sees the quiet points too. */
  sample(): void {
    this.sampledBytes = Math.max(this.sampledBytes, process.memoryUsage.rss());
  }

  /** Stops sampling; the phase's peak in MB and how it was measured. */
  stop(): { peakMb: number; method: 'VmHWM' | 'sampled' } {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    const kernel = this.kernelMark ? highWaterMarkBytes() : null;
    return kernel === null ? { peakMb: round(this.sampledBytes / MB), method: 'sampled' } : { peakMb: round(Math.max(kernel, this.sampledBytes) / MB), method: 'VmHWM' };
  }
}

function highWaterMarkBytes(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

let collector: (() => void) | null | undefined;

/** A full GC between phases, so one phase's garbage does not count against the next one's peak. */
export function collectGarbage(): void {
  if (collector === undefined) {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    collector = typeof gc === 'function' ? () => (gc as () => void)() : null;
  }
  collector?.();
}

export function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((total, entry) => total + statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

/** p50/p95 per query and over every sample of the mix. */
export interface LatencySummary {
  p50Ms: number;
  p95Ms: number;
  samples: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), samples: sorted.length };
}
