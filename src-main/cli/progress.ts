/** One self-overwriting progress line on a terminal's stderr (file names and numbers only). */
import type { JobState } from '../api/contract';

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

export function progressLine(job: JobState): string {
  const p = job.progress;
  const parts = [p.total !== undefined ? `${p.done}/${p.total} records` : `${p.done} records`];
  if (p.bytesTotal) parts.push(`${megabytes(p.bytesDone ?? 0)} of ${megabytes(p.bytesTotal)}`);
  if (p.ratePerSecond !== undefined) parts.push(`${Math.round(p.ratePerSecond)}/s`);
  if (p.etaSeconds !== undefined) parts.push(`ETA ${p.etaSeconds}s`);
  return `${p.message ?? job.title}: ${parts.join(', ')}`;
}

/**
 * A sync job: "Push to hub: 40/120 resources, 35/s, ETA 2s"; a pull, whose total is not known ahead, with its step:
 * "Pull from hub: 250 resources; Pulled Patient (2 of 4 types)".
 */
export function syncProgressLine(job: JobState): string {
  const p = job.progress;
  const parts = [p.total !== undefined ? `${p.done}/${p.total} resources` : `${p.done} resources`];
  if (p.ratePerSecond !== undefined) parts.push(`${Math.round(p.ratePerSecond)}/s`);
  if (p.etaSeconds !== undefined) parts.push(`ETA ${p.etaSeconds}s`);
  return `${job.title}: ${parts.join(', ')}${p.total === undefined && p.message ? `; ${p.message}` : ''}`;
}

/** The NLP job: its scan ("Looked at 200 notes") as is, then "Clinical NLP: 16/46 notes, 50/s, ETA 1s". */
export function nlpProgressLine(job: JobState): string {
  const p = job.progress;
  if (p.total === undefined) return p.message ?? job.title;
  const parts = [`${p.done}/${p.total} notes`];
  if (p.ratePerSecond !== undefined) parts.push(`${p.ratePerSecond}/s`);
  if (p.etaSeconds !== undefined) parts.push(`ETA ${p.etaSeconds}s`);
  return `${job.title}: ${parts.join(', ')}`;
}

export class ProgressLine {
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  update(text: string): void {
    if (!this.enabled) return;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    this.stream.write(`\r${text.slice(0, width).padEnd(width)}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.stream.write(`\r${' '.repeat(Math.max(20, (this.stream.columns ?? 80) - 1))}\r`);
    this.shown = false;
  }
}
