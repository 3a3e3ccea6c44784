/**
 * Runs once before the unit tests: builds the `hearth` CLI (out/cli) when it is missing or older
 * than src-main, so the CLI tests (test/unit/cli) spawn the current sources without each file
 * rebuilding it (three builds per run before, and a file could spawn the binary while another
 * was rewriting it).
 */
import { buildCliIfStale } from './build-if-stale';

export default function setup(): void {
  buildCliIfStale();
}
