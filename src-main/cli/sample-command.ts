/**
 * `hearth sample --patients N --seed S --out FOLDER [--with-gold] [--years Y] [--as-of DATE]`:
 * writes a synthetic population as Bulk Data NDJSON (src-main/sample/generator.ts), with progress
 * on stderr and a summary on stdout. Ctrl-C stops between patients; what was written stays.
 */
import { readdir } from 'node:fs/promises';
import { generateSample, MAX_PATIENTS } from '../sample/generator';
import { CliError } from './cli-error';
import type { CliIo } from './commands';
import { ProgressLine } from './progress';

export interface SampleCommandOptions {
  patients?: string;
  seed?: string;
  out?: string;
  withGold: boolean;
  years?: string;
  asOf?: string;
  threads?: string;
}

export const SAMPLE_USAGE = 'hearth sample --patients N --seed S --out FOLDER [--with-gold] [--years Y] [--as-of YYYY-MM-DD] [--threads T]';

function wholeNumber(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,7}$/.test(text) || Number(text) < min || Number(text) > max) throw new CliError(`${name} must be a whole number from ${min} to ${max.toLocaleString('en-US')}`);
  return Number(text);
}

export async function sampleCommand(options: SampleCommandOptions, io: CliIo): Promise<number> {
  const patients = wholeNumber(options.patients, '--patients', 1, MAX_PATIENTS);
  if (patients === undefined) throw new CliError(`missing --patients (usage: ${SAMPLE_USAGE})`);
  if (options.seed === undefined || options.seed === '') throw new CliError(`missing --seed (usage: ${SAMPLE_USAGE})`);
  if (options.out === undefined || options.out === '') throw new CliError(`missing --out (usage: ${SAMPLE_USAGE})`);
  const years = wholeNumber(options.years, '--years', 1, 50);
  const threads = wholeNumber(options.threads, '--threads', 1, 64);
  if (options.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.asOf)) throw new CliError('--as-of must be a date, YYYY-MM-DD');
  // Never mix two populations in one folder: the manifest would describe only the last one.
  const existing = await readdir(options.out).catch(() => []);
  if (existing.some((name) => name.endsWith('.ndjson') || name === 'manifest.json')) {
    throw new CliError(`${options.out} already holds NDJSON files: choose an empty or new folder`);
  }

  const progress = new ProgressLine();
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  const started = performance.now();
  let result;
  try {
    result = await generateSample({
      patients,
      seed: options.seed,
      outDir: options.out,
      withGold: options.withGold,
      ...(years !== undefined ? { historyYears: years } : {}),
      ...(options.asOf !== undefined ? { asOf: options.asOf } : {}),
      ...(threads !== undefined ? { threads } : {}),
      signal: controller.signal,
      onProgress: (p) => {
        const seconds = (performance.now() - started) / 1000;
        progress.update(`sample: ${p.patientsDone.toLocaleString('en-US')} / ${p.patients.toLocaleString('en-US')} patients, ${p.resources.toLocaleString('en-US')} resources (${Math.round(p.resources / Math.max(seconds, 0.001)).toLocaleString('en-US')}/s)`);
      },
    });
  } catch (error) {
    if (error instanceof RangeError) throw new CliError(error.message);
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.clear();
  }
  const seconds = (performance.now() - started) / 1000;
  io.out(`patients: ${result.patientsDone}\nresources: ${result.resources}\nnotes: ${result.notes}\nfiles: ${result.files.length + 1}${result.goldFile ? ` (+ ${result.goldFile})` : ''}\nseconds: ${seconds.toFixed(1)}\n`);
  if (result.cancelled) throw new CliError('sample cancelled (the files hold the patients written so far)', 130);
  return 0;
}
