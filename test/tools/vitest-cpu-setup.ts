/**
 * Per-file CPU accounting for the vitest suite (a setup file; see test/tools/vitest-cpu.config.ts).
 * Reads /proc/self/stat at the start and end of each test file: utime+stime are this worker
 * process (every thread, so worker_threads count), cutime+cstime are the children it has waited
 * for (spawned `node`/CLI processes). Appends one JSON line per file to $HEARTH_TEST_CPU_OUT.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect } from 'vitest';

const TICKS_PER_SECOND = 100;

interface CpuTicks {
  self: number;
  children: number;
}

function readTicks(): CpuTicks | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the parenthesised command name; utime is field 14 (index 11 here).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
  return { self: utime! + stime!, children: cutime! + cstime! };
}

const out = process.env.HEARTH_TEST_CPU_OUT;
const start = readTicks();
const startWall = performance.now();

afterAll(() => {
  const end = readTicks();
  const testPath = expect.getState().testPath;
  if (!out || !start || !end || !testPath) return;
  const line = {
    file: path.relative(process.cwd(), testPath),
    selfCpuS: (end.self - start.self) / TICKS_PER_SECOND,
    childCpuS: (end.children - start.children) / TICKS_PER_SECOND,
    wallS: Math.round(performance.now() - startWall) / 1000,
    pid: process.pid,
  };
  appendFileSync(out, `${JSON.stringify(line)}\n`);
});
