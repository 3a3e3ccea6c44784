/**
 * Learning in an open vault (nlp/learning/service.ts, services/vault-session.ts): a reviewer's
 * correction, once the model is rebuilt, restarts the engine with it; the notes it can change
 * (and only those) are re-run with it; the model is derived again, the same, after a
 * restart; nlp.learning and nlp.relearn report its counts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNlpEngine, type NlpEngineInit } from '../../../../src-main/nlp/engine';
import type { LearnedModel } from '../../../../src-main/nlp/learning/model';
import type { NoteAnalyzer } from '../../../../src-main/nlp/results/processor';
import type { VaultSession } from '../../../../src-main/services/session-types';
import { createVaultSession, openVaultSession } from '../../../../src-main/services/vault-session';
import { body, noteWithText, settled, value } from '../../review/helpers';

const VAULT_OPTIONS = { kdfIterations: 1000, allowWeakKdfForTests: true };
const NOTE = 'PLAN:\nContinue wound care to the left heel daily.';
const OTHER = 'PLAN:\nContinue wound care to the sacrum.';
/** Notes the learned suppression of "wound care" cannot change. */
const UNTOUCHED = ['PLAN:\nRecheck potassium in the morning.', 'ASSESSMENT:\nWound healing well; continue dressing changes.', 'HISTORY OF PRESENT ILLNESS:\nCare at home by his wife.'];

/** The real engine in this thread, built with what the session gives it; records the models it was given and the texts it analysed. */
function inProcess(given: Array<LearnedModel | undefined>, analysed: string[] = []) {
  return async (_repository: unknown, init?: { learned?: LearnedModel }): Promise<NoteAnalyzer> => {
    given.push(init?.learned);
    const engine = createNlpEngine((init ?? {}) as NlpEngineInit);
    return {
      versions: engine.versions,
      analyze: async (text: string) => {
        analysed.push(text);
        return engine.analyze(text);
      },
    };
  };
}

const dirs: string[] = [];
const sessions: VaultSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('learning in a vault session', () => {
  it('a rejection teaches the engine, re-runs only the notes it can change, and survives a restart', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-learning-'));
    dirs.push(dir);
    const vaultPath = path.join(dir, 'vault');
    const given: Array<LearnedModel | undefined> = [];
    const analysed: string[] = [];
    const session = await createVaultSession(vaultPath, 'pass phrase', VAULT_OPTIONS, { nlpAnalyzer: inProcess(given, analysed) });
    sessions.push(session);
    const { services } = session;
    const a = value(await services.resources.create({ resource: body(noteWithText(undefined, NOTE)) }));
    const b = value(await services.resources.create({ resource: body(noteWithText(undefined, OTHER)) }));
    for (const text of UNTOUCHED) value(await services.resources.create({ resource: body(noteWithText(undefined, text)) }));
    await settled(session);
    expect(given).toHaveLength(1);
    expect(analysed).toHaveLength(5);
    expect(value(await services.nlp.learning({})).suppressions).toBe(0);

    const doc = value(await services.review.document({ documentId: a.id!, reviewer: 'ann' }));
    const wound = doc.annotations.find((x) => x.text === 'wound care');
    expect(wound).toBeDefined();
    value(
      await services.review.apply({
        documentId: a.id!,
        reviewer: 'ann',
        changes: [{ id: wound!.id, after: { begin: wound!.begin, end: wound!.end, category: wound!.category, type: wound!.type, traits: wound!.traits, decision: 'rejected' } }],
      }),
    );
    // nlp.relearn rebuilds at once (otherwise a few seconds after the last change).
    const summary = value(await services.nlp.relearn({}));
    expect(summary).toMatchObject({ suppressions: 1, records: 1, corrections: 1 });
    // The engine restarts with the model and re-runs, on its own, the two notes with "wound care" in them: not the three others.
    analysed.length = 0;
    const status = await until(
      async () => value(await services.nlp.status({})),
      (s) => s.scanned && s.jobId === undefined && s.pending === 0 && s.versions?.packs[0] === summary.version,
    );
    expect(status).toMatchObject({ current: 5, outdated: 0 });
    expect(given[given.length - 1]?.version).toBe(summary.version);
    expect([...analysed].sort()).toEqual([NOTE, OTHER].sort());
    const other = value(await services.review.document({ documentId: b.id!, reviewer: 'ann' }));
    expect(other.annotations.some((x) => x.text === 'wound care')).toBe(false);
    // Derived again after the re-run, the model is the same (it reads the records, not the engine's output).
    expect(value(await services.nlp.relearn({})).version).toBe(summary.version);

    // After a restart the same model is derived again: the notes stay current.
    await session.close();
    sessions.splice(0);
    analysed.length = 0;
    const reopened = await openVaultSession(vaultPath, 'pass phrase', VAULT_OPTIONS, { nlpAnalyzer: inProcess(given, analysed) });
    sessions.push(reopened);
    const reopenedStatus = await settled(reopened);
    expect(reopenedStatus.current).toBe(5);
    expect(analysed).toEqual([]);
    expect(value(await reopened.services.nlp.learning({})).version).toBe(summary.version);
  });

  it('a review change rebuilds the model after the quiet time, without nlp.relearn', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-learning-'));
    dirs.push(dir);
    const given: Array<LearnedModel | undefined> = [];
    const session = await createVaultSession(path.join(dir, 'vault'), 'pass phrase', VAULT_OPTIONS, { nlpAnalyzer: inProcess(given) });
    sessions.push(session);
    const { services } = session;
    const a = value(await services.resources.create({ resource: body(noteWithText(undefined, NOTE)) }));
    await settled(session);
    const doc = value(await services.review.document({ documentId: a.id!, reviewer: 'ann' }));
    const wound = doc.annotations.find((x) => x.text === 'wound care')!;
    value(
      await services.review.apply({
        documentId: a.id!,
        reviewer: 'ann',
        changes: [{ id: wound.id, after: { begin: wound.begin, end: wound.end, category: wound.category, type: wound.type, traits: wound.traits, decision: 'rejected' } }],
      }),
    );
    // The default quiet time is 5 s; the engine restarts with the new model after it.
    await until(
      async () => value(await services.nlp.status({})),
      (s) => (s.versions?.packs.length ?? 0) === 1,
      30_000,
    );
    expect(given.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves out a record made on a text that has changed since', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-learning-'));
    dirs.push(dir);
    const session = await createVaultSession(path.join(dir, 'vault'), 'pass phrase', VAULT_OPTIONS, { nlpAnalyzer: inProcess([]) });
    sessions.push(session);
    const { services } = session;
    const a = value(await services.resources.create({ resource: body(noteWithText(undefined, NOTE)) }));
    await settled(session);
    const wound = value(await services.review.document({ documentId: a.id!, reviewer: 'ann' })).annotations.find((x) => x.text === 'wound care')!;
    value(
      await services.review.apply({
        documentId: a.id!,
        reviewer: 'ann',
        changes: [{ id: wound.id, after: { begin: wound.begin, end: wound.end, category: wound.category, type: wound.type, traits: wound.traits, decision: 'rejected' } }],
      }),
    );
    expect(value(await services.nlp.relearn({})).suppressions).toBe(1);
    value(await services.resources.update({ resource: body(noteWithText(a.id!, `Addendum.\n${NOTE}`)) }));
    expect(value(await services.nlp.relearn({}))).toMatchObject({ suppressions: 0, records: 0 });
  });
});
