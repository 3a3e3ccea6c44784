/**
 * Where the index apply's time goes, statement by statement: writes N generated resources (the
 * bench:fhir corpus, first Bundle excluded) and times every sql.js run/step/bind call by its SQL
 * text (wall time; run includes its bind and step). `HEARTH_PROFILE_SIZE` (default 20000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import { handleFhirRequest } from '../../src-main/fhir/rest/handler';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { createVault } from '../../src-main/vault';
import { loadSqlJs } from '../../src-main/vault/sqljs';
import { corpusBundles } from '../bench/fhir/corpus';

const size = Number(process.env.HEARTH_PROFILE_SIZE ?? 20000);
const SQL = await loadSqlJs();
const stats = new Map<string, { n: number; ms: number }>();
let on = false;
const probe = new SQL.Database(); const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as unknown as Record<string, (...a: unknown[]) => unknown> & { getSQL(): string };
for (const m of ['run', 'step', 'bind']) {
  const orig = proto[m]!;
  proto[m] = function (this: typeof proto, ...args: unknown[]) {
    if (!on) return orig.apply(this, args);
    const t = performance.now();
    try { return orig.apply(this, args); } finally {
      const k = m + ' ' + this.getSQL().slice(0, 90);
      const s = stats.get(k) ?? { n: 0, ms: 0 }; s.n++; s.ms += performance.now() - t; stats.set(k, s);
    }
  };
}
const dproto = SQL.Database.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const m of ['run', 'exec']) {
  const orig = dproto[m]!;
  dproto[m] = function (this: unknown, ...args: unknown[]) {
    if (!on) return orig.apply(this, args);
    const t = performance.now();
    try { return orig.apply(this, args); } finally {
      const k = 'db.' + m + ' ' + String(args[0]).slice(0, 80);
      const s = stats.get(k) ?? { n: 0, ms: 0 }; s.n++; s.ms += performance.now() - t; stats.set(k, s);
    }
  };
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-split-'));
const vault = await createVault(path.join(dir, 'v'), 'profile passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
const repo = createVaultRepository(vault);
let first = true; let written = 0; let total = 0;
for (const bundle of corpusBundles(size, 500)) {
  const body = JSON.stringify(bundle);
  on = !first;
  const t = performance.now();
  const response = await handleFhirRequest(repo, { method: 'POST', path: '/', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body }, { baseUrl: 'http://x/fhir' });
  if (!first) { total += performance.now() - t; written += bundle.entry?.length ?? 0; }
  if (response.status !== 200) throw new Error(String(response.status));
  first = false;
}
on = false;
let sum = 0;
for (const s of stats.values()) sum += s.ms;
console.log(`written ${written} in ${total.toFixed(0)} ms; inside sql.js ${sum.toFixed(0)} ms`);
for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) {
  console.log(`${s.ms.toFixed(0).padStart(7)} ms ${(s.n / written).toFixed(2).padStart(6)}/res ${(1000 * s.ms / s.n).toFixed(1).padStart(6)} us  ${k}`);
}
await vault.close();
fs.rmSync(dir, { recursive: true, force: true });
