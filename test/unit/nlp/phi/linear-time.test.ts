/**
 * Linear time on adversarial input: 1 MB strings shaped to make a backtracking pattern or a
 * quadratic scan blow up (runs of digits, slashes, titles, capitalised words, '@', months...).
 * A linear scanner takes about 10x as long on 1 MB as on 100 kB; an O(n^2) loop takes 100x and
 * catastrophic backtracking far more. The bounds leave room for a busy machine and its GC.
 */
import { describe, expect, it } from 'vitest';
import { attachAttributes, detectAttributeSpans } from '../../../../src-main/nlp/attributes';
import { detectPhi } from '../../../../src-main/nlp/phi';

function fill(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** The least CPU time (ms, this process) of `runs` calls: CPU, not wall time, so a machine busy with other work does not count. */
function bestOf(runs: number, f: () => void): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    f();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

const ADVERSARIAL = ['1', '1/', 'Aaaa ', 'Dr. ', 'a@', 'Mary Smith, ', '1 Main ', '12-', 'Jan 1 ', '1%', 'q1 for 1 tab '];

describe('linear time on 1 MB of adversarial text', () => {
  it.each(ADVERSARIAL)('detectPhi and the attribute stage on %j', (unit) => {
    const small = fill(unit, 100_000);
    const big = fill(unit, 1_000_000);
    const run = (text: string) => () => {
      detectPhi({ text });
      attachAttributes({ text, sentences: [] }, [], detectAttributeSpans({ text }));
    };
    const tSmall = bestOf(2, run(small));
    const tBig = bestOf(1, run(big));
    // Absolute: a few CPU-seconds at most (well under a second on an idle machine).
    expect(tBig).toBeLessThan(15_000);
    // Growth: linear (10x) plus sorting and garbage collection, far from quadratic (100x).
    expect(tBig / Math.max(tSmall, 1)).toBeLessThan(30);
  }, 120_000);
});
