/**
 * The one entry point to @medplum/core for the FHIR engine.
 *
 * @medplum/core reads `WebSocket.CLOSING` while its module initialises (its subscription client),
 * and Node 20 has no global WebSocket (Electron's Node 22 has one). A shim imported before it is not
 * enough: bundlers hoist external imports above inline code (the CLI bundle does), so the shim would
 * run too late. Hence a synchronous require after the shim, on first use. Nothing here opens a socket.
 * Every part of the engine that needs @medplum/core must use this accessor: one instance means one
 * schema registry (the StructureDefinitions indexed by structure-definitions.ts).
 */
import { createRequire } from 'node:module';
import { WebSocket as NodeWebSocket } from 'ws';

export type MedplumCore = typeof import('@medplum/core');

let core: MedplumCore | undefined;

export function medplumCore(): MedplumCore {
  if (!core) {
    const scope = globalThis as { WebSocket?: unknown };
    scope.WebSocket ??= NodeWebSocket;
    const load = createRequire(import.meta.url);
    // require() is typed `any`; the package's own typings describe what it returns.
    core = load('@medplum/core') as MedplumCore;
  }
  return core;
}
