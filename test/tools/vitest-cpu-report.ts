/**
 * The table of a per-file CPU run (test/tools/vitest-cpu.config.ts):
 *   npx tsx test/tools/vitest-cpu-report.ts /tmp/cpu.jsonl [more.jsonl]
 * One column per file given (e.g. before and after), files by the first column's CPU-s, then the
 * sums. With `isolate: false` a worker loads the shared modules once, so that CPU lands on its
 * first file: compare sums there, not single files.
 */
import { readFileSync } from 'node:fs';

interface FileCpu {
  file: string;
  selfCpuS: number;
  childCpuS: number;
}

const inputs = process.argv.slice(2);
if (inputs.length === 0) {
  console.error('usage: npx tsx test/tools/vitest-cpu-report.ts <cpu.jsonl> [more.jsonl ...]');
  process.exit(2);
}
const runs = inputs.map((input) => {
  const byFile = new Map<string, number>();
  for (const line of readFileSync(input, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as FileCpu;
    byFile.set(row.file, (byFile.get(row.file) ?? 0) + row.selfCpuS + row.childCpuS);
  }
  return byFile;
});
const files = [...new Set(runs.flatMap((run) => [...run.keys()]))].sort((a, b) => (runs[0]!.get(b) ?? 0) - (runs[0]!.get(a) ?? 0));
const cell = (value: number | undefined): string => (value === undefined ? '-' : value.toFixed(1)).padStart(8);
console.log(`${'file'.padEnd(64)}${inputs.map((_, i) => `   run ${i + 1}`).join('')}`);
for (const file of files) console.log(`${file.padEnd(64)}${runs.map((run) => cell(run.get(file))).join('')}`);
const sums = runs.map((run) => [...run.values()].reduce((a, b) => a + b, 0));
console.log(`${`sum (${runs.map((run) => run.size).join(' / ')} files)`.padEnd(64)}${sums.map((sum) => cell(sum)).join('')}`);
