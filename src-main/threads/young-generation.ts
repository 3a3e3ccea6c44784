/**
 * A larger young generation for the isolates the process starts from then on: the store worker
 * (Electron and web mode run each vault session there), the write-prep and NLP workers. A bulk
 * write allocates tens of kilobytes per resource on each of those threads; V8's default semi-spaces
 * (16 MB) fill every few hundred resources, and each scavenge copies what the Bundles in flight
 * still hold. Measured (docs/benchmarks.md, session 12, helper G): at 32 MB the scavenges of a
 * bulk write halve and V8's GC helper threads spend about a tenth less CPU, for tens of MB more RSS
 * per busy isolate. V8 reads the flag when an isolate's heap is set up, so it must be set before
 * the workers start; the calling thread's own heap keeps its size (the in-process CLI store needs
 * `node --max-semi-space-size=32` for the same effect). A size given on the command line or in
 * NODE_OPTIONS is left as it is.
 */
import { setFlagsFromString } from 'node:v8';

export const SEMI_SPACE_MB = 32;

/** Sets V8's maximum semi-space size unless the process was started with one; whether it did. */
export function enlargeYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env['NODE_OPTIONS'] ?? ''): boolean {
  const given = (arg: string) => /--max[-_]semi[-_]space[-_]size/.test(arg);
  if (execArgv.some(given) || given(nodeOptions)) return false;
  setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
  return true;
}
