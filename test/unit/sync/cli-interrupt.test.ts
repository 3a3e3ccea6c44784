/**
 * `hearth sync DIR --server NAME push` in-process on a real vault against Hearth's own endpoint:
 * with stderr a terminal, the progress line ("Push to hearth: 5/60 resources") overwrites itself
 * there; Ctrl-C (SIGINT) in the middle cancels the job between requests: exit 130 with the reason
 * line, what landed stays, and the next push finishes the run with every resource on the server
 * exactly once. SIGINT is emitted to this process's listeners (what the terminal's Ctrl-C reaches).
 *
 * Not a race: the job manager sends at most ten progress events a second, each with the latest
 * count, so when the first chunks landed within one interval (a fast machine, or the push code
 * already compiled by the other sync files of a shared worker) "5/60" was never shown, nobody
 * pressed Ctrl-C and the push ran to the end. The push now goes through a proxy that holds the
 * second chunk until the first push has returned, then drops it unsent: the count stays at 5 until
 * Ctrl-C, and exactly one chunk has landed when it stops, however fast the machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../src-main/cli/cli-error';
import { vaultCreate, withSession, type CliIo } from '../../../src-main/cli/commands';
import { syncCommand } from '../../../src-main/cli/sync-command';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { startFhirServer, type FhirServer } from '../../../src-main/transport/fhir-server';
import { startFaultProxy, type Fate, type FaultProxy } from './fault-proxy';
import { dataSet, localResources, seed } from './fixtures';

const TOKEN = 'cli-interrupt-token-5e4d';
const PATIENTS = 12; // 60 resources, 12 chunks of 5

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), env: { HEARTH_PASSPHRASE: 'a long enough passphrase', NODE_ENV: 'test', HEARTH_TEST_KDF_ITERATIONS: '1000' } };
}

/** process.stderr as a terminal of 100 columns whose writes are kept (not shown); `onWrite` hears each. */
function terminalStderr(onWrite: (text: string) => void): { written: string[]; restore: () => void } {
  const written: string[] = [];
  const stderr = process.stderr;
  const write = stderr.write;
  const tty = Object.getOwnPropertyDescriptor(stderr, 'isTTY');
  const columns = Object.getOwnPropertyDescriptor(stderr, 'columns');
  Object.defineProperty(stderr, 'isTTY', { value: true, configurable: true });
  Object.defineProperty(stderr, 'columns', { value: 100, configurable: true });
  stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    written.push(text);
    onWrite(text);
    rest.find((r): r is () => void => typeof r === 'function')?.();
    return true;
  }) as typeof stderr.write;
  return {
    written,
    restore: () => {
      stderr.write = write;
      for (const [key, descriptor] of [['isTTY', tty], ['columns', columns]] as const) {
        if (descriptor) Object.defineProperty(stderr, key, descriptor);
        else delete (stderr as unknown as Record<string, unknown>)[key];
      }
    },
  };
}

describe('hearth sync push on a terminal', () => {
  let server: FhirServer;
  let proxy: FaultProxy;
  const serverRepo = new MemoryRepository();
  let root: string;
  // The first push's second chunk (its second POST) waits here until the test lets it go, unsent.
  let posts = 0;
  let letGo: (fate: Fate) => void = () => undefined;
  const held = new Promise<Fate>((resolve) => {
    letGo = resolve;
  });
  beforeAll(async () => {
    server = await startFhirServer({ repo: serverRepo, port: 0, token: TOKEN, warmCapabilities: false });
    proxy = await startFaultProxy(server.baseUrl, (_n, method) => (method === 'POST' && ++posts === 2 ? held : 'pass'));
    root = await mkdtemp(path.join(os.tmpdir(), 'hearth-sync-sigint-'));
  });
  afterAll(async () => {
    letGo('drop-before');
    await proxy.close();
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('shows the progress line on stderr; Ctrl-C stops it cleanly (exit 130) and the next push finishes, nothing twice', { timeout: 120_000 }, async () => {
    const dir = path.join(root, 'vault');
    await vaultCreate(dir, io());
    await withSession(dir, io(), async (session) => {
      await seed(session.repository!, dataSet(PATIENTS));
      const saved = await session.services.sync.saveServer({ name: 'hearth', baseUrl: proxy.baseUrl, auth: { kind: 'bearer', token: TOKEN }, chunkSize: 5 });
      expect(saved.ok).toBe(true);
    });
    const total = PATIENTS * 5;

    // Ctrl-C once the first chunk has landed (the line says 5 of them are done; the second is held).
    // Nothing else here listens for SIGINT: the emit reaches only the CLI's listener.
    expect(process.listenerCount('SIGINT')).toBe(0);
    let interrupted = false;
    const terminal = terminalStderr((text) => {
      if (!interrupted && text.includes(`Push to hearth: 5/${total} resources`)) {
        interrupted = true;
        setImmediate(() => process.emit('SIGINT', 'SIGINT'));
      }
    });
    const first = io();
    let refusal: unknown;
    try {
      refusal = await syncCommand([dir, 'push'], { server: 'hearth', dryRun: false, all: false }, first).catch((e: unknown) => e);
    } finally {
      terminal.restore();
      letGo('drop-before');
    }
    expect(interrupted).toBe(true);
    expect(refusal).toBeInstanceOf(CliError);
    expect((refusal as CliError).exitCode).toBe(130);
    expect((refusal as CliError).message).toBe('push cancelled (what was synced stays; the next push continues)');
    // The line overwrote itself (\r, padded to the terminal's width) and was cleared at the end; no report was printed.
    const line = terminal.written.find((w) => w.includes(`Push to hearth: 5/${total} resources`))!;
    expect(line.startsWith('\r')).toBe(true);
    expect(line.length).toBe(100);
    expect(terminal.written.at(-1)).toMatch(/^\r +\r$/);
    expect(first.stdout.join('')).toBe('');
    expect((await localResources(serverRepo)).length).toBe(5);

    // The next push (no terminal: no line) finishes the run; every resource is on the server once.
    const second = io();
    expect(await syncCommand([dir, 'push'], { server: 'hearth', dryRun: false, all: false }, second)).toBe(0);
    expect(second.stdout.join('')).toMatch(/pushed: \d+ planned/);
    expect(second.stderr.join('')).toBe('');
    const onServer = await localResources(serverRepo);
    expect(onServer).toHaveLength(total);
    const patients = onServer.filter((r) => r.resourceType === 'Patient').map((p) => JSON.stringify((p as { name?: unknown }).name));
    expect(new Set(patients).size).toBe(PATIENTS);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});
