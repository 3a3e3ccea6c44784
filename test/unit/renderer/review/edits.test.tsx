import { describe, expect, it } from 'vitest';
import {
  accept, add, applyLocally, reject, remove, resize, restorableState, reuseUnchanged, setCategory, setConcept, setSpan, toChanges, toggleTrait,
} from '../../../../src-renderer/src/review/edits';
import { ReviewHistory } from '../../../../src-renderer/src/review/history';
import { smallDocument } from './fixtures';

const NOW = '2026-11-27T00:00:00.000Z';

describe('review edits', () => {
  it('accept and reject keep everything else; an untouched engine entity restores to no record', () => {
    const doc = smallDocument();
    const pain = doc.annotations.find((a) => a.text === 'chest pain')!;
    const accepted = accept(pain);
    expect(accepted.before).toBeNull();
    expect(accepted.after).toMatchObject({ begin: pain.begin, end: pain.end, decision: 'accepted', traits: ['NEGATION', 'SYMPTOM'] });
    expect(reject(pain).after?.decision).toBe('rejected');
    const after = applyLocally(doc, toChanges([accepted]), 'Ada', NOW);
    const reviewed = after.annotations.find((a) => a.id === pain.id)!;
    expect(reviewed.decision).toBe('accepted');
    expect(reviewed.edited).toBe(false);
    expect(reviewed.reviewedBy).toBe('Ada');
    expect(after.status).toBe('in-progress');
    expect(restorableState(reviewed)).toMatchObject({ decision: 'accepted' });
  });

  it('toggles one trait at a time', () => {
    const pain = smallDocument().annotations.find((a) => a.text === 'chest pain')!;
    expect(toggleTrait(pain, 'NEGATION').after?.traits).toEqual(['SYMPTOM']);
    expect(toggleTrait(pain, 'PAST_HISTORY').after?.traits).toEqual(['NEGATION', 'SYMPTOM', 'PAST_HISTORY']);
  });

  it('changing the category picks a valid type and drops a concept of the wrong code system', () => {
    const aspirin = smallDocument().annotations.find((a) => a.text === 'aspirin')!;
    const condition = setCategory(aspirin, 'MEDICAL_CONDITION').after!;
    expect(condition.type).toBe('DX_NAME');
    expect(condition.concept).toBeUndefined();
    expect(setCategory(aspirin, 'MEDICATION', 'BRAND_NAME').after).toMatchObject({ type: 'BRAND_NAME', concept: { code: '1191' } });
    expect(setConcept(aspirin, { system: 'RXNORM', code: '243670', display: 'aspirin 81 MG' }).after?.concept?.code).toBe('243670');
    expect(setConcept(aspirin, undefined).after?.concept).toBeUndefined();
  });

  it('resizes either edge within the text, keeping the concept and at least one character', () => {
    const doc = smallDocument();
    const aspirin = doc.annotations.find((a) => a.text === 'aspirin')!;
    const wider = resize(aspirin, 'end', 3, doc.text.length)!;
    expect(wider.after).toMatchObject({ begin: aspirin.begin, end: aspirin.end + 3, concept: { code: '1191' } });
    expect(resize(aspirin, 'begin', -1, doc.text.length)!.after?.begin).toBe(aspirin.begin - 1);
    expect(resize({ ...aspirin, begin: 0, end: 1 }, 'begin', -1, doc.text.length)).toBeNull();
    expect(resize({ ...aspirin, begin: 4, end: 5 }, 'end', -1, doc.text.length)).toBeNull();
    expect(resize({ ...aspirin, end: doc.text.length }, 'end', 1, doc.text.length)).toBeNull();
    expect(setSpan(aspirin, aspirin.begin, aspirin.end)).toBeNull();
    const shown = applyLocally(doc, toChanges([wider]), 'Ada', NOW).annotations.find((a) => a.id === aspirin.id)!;
    expect(shown.text).toBe('aspirin 81');
    expect(shown.edited).toBe(true);
  });

  it('adds an accepted entity, deletes an added one, and turns deleting an engine entity into a rejection', () => {
    const doc = smallDocument();
    const begin = doc.text.indexOf('daily');
    const added = add(begin, begin + 5, 'TIME_EXPRESSION');
    expect(added.id).toBeUndefined();
    const withAdded = applyLocally(doc, toChanges([added]), 'Ada', NOW);
    const shown = withAdded.annotations.find((a) => a.origin === 'reviewer')!;
    expect(shown).toMatchObject({ text: 'daily', decision: 'accepted', type: 'TIME_TO_DX_NAME' });
    const removal = remove({ ...shown, id: 'u:1' });
    expect(removal.after).toBeNull();
    const engine = doc.annotations[0]!;
    expect(remove(engine).after?.decision).toBe('rejected');
  });

  it('dropping an engine record restores the span and category from its id', () => {
    const doc = smallDocument();
    const aspirin = doc.annotations.find((a) => a.text === 'aspirin')!;
    const wider = applyLocally(doc, toChanges([resize(aspirin, 'end', 3, doc.text.length)!]), 'Ada', NOW);
    const moved = applyLocally(wider, toChanges([setCategory(wider.annotations.find((a) => a.id === aspirin.id)!, 'ANATOMY')]), 'Ada', NOW);
    const changed = moved.annotations.find((a) => a.id === aspirin.id)!;
    expect(changed).toMatchObject({ category: 'ANATOMY', text: 'aspirin 81', edited: true });
    const restored = applyLocally(moved, [{ id: aspirin.id, after: null }], 'Ada', NOW).annotations.find((a) => a.id === aspirin.id)!;
    expect(restored).toMatchObject({ begin: aspirin.begin, end: aspirin.end, category: 'MEDICATION', decision: 'pending', edited: false });
  });
});

describe('review history', () => {
  it('undo gives the befores (last edit first), redo the afters, and a new action clears redo', () => {
    const doc = smallDocument();
    const [first, second] = doc.annotations;
    const history = new ReviewHistory();
    const entry = { documentId: doc.documentId, label: 'Accept 2', edits: [accept(first!), reject(second!)] };
    history.record(entry);
    expect(history.getSnapshot()).toMatchObject({ canUndo: true, canRedo: false, undoLabel: 'Accept 2' });
    const undo = history.peekUndo()!;
    expect(history.undoChanges(undo)).toEqual([
      { id: second!.id, after: null },
      { id: first!.id, after: null },
    ]);
    // Not moved until the service took it.
    expect(history.getSnapshot().canRedo).toBe(false);
    history.commitUndo(undo);
    expect(history.getSnapshot()).toMatchObject({ canUndo: false, canRedo: true, redoLabel: 'Accept 2' });
    expect(history.redoChanges(history.peekRedo()!).map((change) => change.after?.decision)).toEqual(['accepted', 'rejected']);
    history.commitRedo(history.peekRedo()!);
    expect(history.getSnapshot()).toMatchObject({ canUndo: true, canRedo: false });
    history.commitUndo(history.peekUndo()!);
    history.record({ documentId: doc.documentId, label: 'Accept', edits: [accept(first!)] });
    expect(history.getSnapshot().canRedo).toBe(false);
  });

  it('notifies subscribers, ignores empty batches and stale commits, and keeps at most `limit` entries', () => {
    const doc = smallDocument();
    const history = new ReviewHistory(2);
    let notified = 0;
    const unsubscribe = history.subscribe(() => (notified += 1));
    history.record({ documentId: 'd', label: 'nothing', edits: [] });
    expect(notified).toBe(0);
    const entries = [0, 1, 2].map((n) => ({ documentId: 'd', label: `a${n}`, edits: [accept(doc.annotations[n]!)] }));
    for (const entry of entries) history.record(entry);
    expect(notified).toBe(3);
    expect(history.getSnapshot().size).toBe(2);
    history.commitUndo(entries[0]!);
    expect(history.getSnapshot().size).toBe(2);
    unsubscribe();
    history.commitUndo(entries[2]!);
    expect(notified).toBe(3);
    expect(history.getSnapshot().undoLabel).toBe('a1');
  });

  it('an action that keeps every span keeps the order and every other annotation object; a resize re-sorts', () => {
    const doc = smallDocument();
    const [first, second] = doc.annotations;
    const accepted = applyLocally(doc, toChanges([accept(second!)]), 'Ada', NOW);
    expect(accepted.annotations.map((a) => a.id)).toEqual(doc.annotations.map((a) => a.id));
    expect(accepted.annotations[0]).toBe(first);
    expect(accepted.annotations[1]).not.toBe(second);
    // Moving the first entity's start past the second one's puts it after it.
    const moved = applyLocally(doc, toChanges([setSpan(first!, second!.begin + 1, Math.max(first!.end, second!.begin + 2))!]), 'Ada', NOW);
    expect(moved.annotations.findIndex((a) => a.id === first!.id)).toBeGreaterThan(moved.annotations.findIndex((a) => a.id === second!.id));
  });

  it("keeps the shown annotation objects the service's answer did not change", () => {
    const doc = smallDocument();
    const shown = applyLocally(doc, toChanges([accept(doc.annotations[1]!)]), 'Ada', NOW);
    // The service's answer: fresh objects (JSON), its own time on the accepted one.
    const answer = JSON.parse(JSON.stringify(shown)) as typeof shown;
    answer.annotations[1]!.reviewedAt = '2026-11-27T00:00:01.000Z';
    const kept = reuseUnchanged(shown, answer);
    expect(kept.annotations[0]).toBe(shown.annotations[0]);
    expect(kept.annotations[1]).toBe(answer.annotations[1]);
    expect(kept.annotations[1]!.reviewedAt).toBe('2026-11-27T00:00:01.000Z');
    expect(kept.sections).toBe(shown.sections);
    expect(reuseUnchanged(shown, JSON.parse(JSON.stringify(shown)) as typeof shown).annotations).toBe(shown.annotations);
    // Another note: nothing is reused.
    expect(reuseUnchanged({ ...shown, documentId: 'other' }, answer)).toBe(answer);
  });
});
