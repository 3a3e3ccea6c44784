/**
 * (Outside the shared directories of vitest.config.ts: it sets a process-wide V8 flag, so it runs
 * in a process of its own.) enlargeYoungGeneration (threads/young-generation.ts) leaves a size given at start alone, and a
 * worker started after it gets semi-spaces of SEMI_SPACE_MB (its new space grows past V8's default
 * 2 x 16 MB under a burst of short-lived arrays).
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { enlargeYoungGeneration, SEMI_SPACE_MB } from '../../../src-main/threads/young-generation';

const CHURN = `
const { getHeapSpaceStatistics } = require('node:v8');
const { parentPort } = require('node:worker_threads');
let keep = [];
let largest = 0;
for (let i = 0; i < 10000; i++) {
  keep.push(new Array(500).fill(i + 0.5));
  if (keep.length > 4000) keep = [];
  if (i % 1000 === 0) largest = Math.max(largest, getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
parentPort.postMessage(largest);
`;

function newSpaceBytes(): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CHURN, { eval: true });
    worker.once('message', (bytes: number) => {
      resolve(bytes);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('young generation size', () => {
  it('keeps a size given on the command line or in NODE_OPTIONS', () => {
    expect(enlargeYoungGeneration(['--max-semi-space-size=8'], '')).toBe(false);
    expect(enlargeYoungGeneration([], '--max_semi_space_size=64 --enable-source-maps')).toBe(false);
  });

  it('gives workers started afterwards larger semi-spaces', async () => {
    expect(enlargeYoungGeneration([], '')).toBe(true);
    const bytes = await newSpaceBytes();
    expect(bytes).toBeGreaterThan(2 * 16 * 2 ** 20);
    expect(bytes).toBeLessThanOrEqual(2 * SEMI_SPACE_MB * 2 ** 20);
  });
});
