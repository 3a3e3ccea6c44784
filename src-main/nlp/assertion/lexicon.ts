/**
 * ConText trigger lexicon (Harkema et al. 2009, "ConText: an algorithm for determining negation,
 * experiencer, and temporal status from clinical reports"; the same roles as pyConText and
 * medspaCy's context rules), written for this project.
 *
 * Roles:
 * - trigger: asserts its traits on targets within its scope: forward (after it), backward (before
 *   it: post-triggers such as "... was ruled out") or both;
 * - pseudo: a phrase containing a trigger word that is not a trigger ("no change", "gram
 *   negative"); the longest phrase wins, so a pseudo-trigger hides the trigger inside it;
 * - terminate: ends a scope ("denies chest pain but reports cough"); `traits` empty = every trait.
 *
 * `window` bounds the scope in word tokens between trigger and target (the sentence and clause
 * bound it too). `weak` PAST_HISTORY triggers ("history of", a year) only count for conditions that
 * are events (condition-course.ts). `conditional` HYPOTHETICAL post-triggers ("develops")
 * only count after an "if/should/when/unless" earlier in the sentence.
 */
import type { AssertionTrait } from '../types';

export type ContextRole = 'trigger' | 'pseudo' | 'terminate';
export type ContextDirection = 'forward' | 'backward' | 'both';

export interface ContextRule {
  phrase: string;
  role: ContextRole;
  traits: readonly AssertionTrait[];
  direction: ContextDirection;
  window: number;
  score: number;
  weak?: boolean;
  conditional?: boolean;
  /** Counts only at the start of a sentence or after punctuation ("Should fever develop, ..."). */
  clauseInitial?: boolean;
  /**
   * A relative: counts only when linked to the condition ("Mother with / has / had / : / died of
   * X", "X in his mother"), so a relative doing something else ("the parents checked his
   * temperature") lends no condition to the family.
   */
  relative?: boolean;
}

function rules(phrases: readonly string[], role: ContextRole, traits: readonly AssertionTrait[], direction: ContextDirection, window: number, score: number, extra: Partial<ContextRule> = {}): ContextRule[] {
  return phrases.map((phrase) => ({ phrase, role, traits, direction, window, score, ...extra }));
}

const NEGATION_FORWARD = [
  'no', 'not', 'denies', 'denied', 'deny', 'denying', 'without', 'w/o', 'negative for', 'neg for', 'free of', 'absence of', 'never', 'none', 'nor', 'neither', 'no evidence of',
  'no evidence for', 'no signs of', 'no sign of', 'no symptoms of', 'no findings of', 'no history of', 'no hx of', 'no h/o', 'no prior', 'no previous', 'no known', 'ruled out for',
  'rules out', 'does not have', 'did not have', 'do not have', "doesn't have", "didn't have", "doesn't", "didn't", "don't", 'does not', 'did not', 'do not', 'is not', 'was not',
  'are not', 'were not', "isn't", "wasn't", "aren't", 'has not', 'have not', 'had not', "hasn't", "haven't", 'cannot', 'can not', "can't", 'unremarkable for', 'fails to reveal',
  'failed to reveal', 'not demonstrate', 'no complaints of', 'no c/o', 'not experiencing', 'never had', 'never been', 'non', 'no new', 'no further evidence of',
  'negative', 'no acute', 'absent', 'no obvious', 'no significant', 'no definite', 'no suspicious', 'no recent', 'no other', 'no current', 'no active', 'no report of', 'not endorse',
  'does not endorse', 'no longer', 'clear of',
];
const NEGATION_BACKWARD = [
  'ruled out', 'was ruled out', 'is ruled out', 'were ruled out', 'been ruled out', 'has been ruled out', 'have been ruled out', 'unlikely', 'is unlikely', 'was unlikely',
  'negative', 'is negative', 'was negative', 'were negative', 'not seen', 'not present', 'not identified', 'not appreciated', 'not noted', 'not found', 'not detected', 'not visualized',
  'absent', 'is absent', 'are absent', 'was absent', 'were absent', 'denied', 'is denied', 'was denied', 'none', 'excluded', 'was excluded', 'has been excluded', 'not demonstrated',
  ': no', ': denies', ': denied', ': none', ': negative', ': neg', ': absent', '- no', '- denies', '- negative', '- none', 'not reported',
];
const NEGATION_PSEUDO = [
  'no increase', 'no change', 'no significant change', 'no interval change', 'no definite change', 'no suspicious change', 'not only', 'not necessarily', 'not certain if',
  'not certain whether', 'not sure if', 'not sure whether', 'not clear', 'not clearly', 'gram negative', 'gram - negative', 'not extend', 'not cause', 'not caused', 'not drain',
  'not ruled out', 'not been ruled out', 'cannot be ruled out', 'can not be ruled out', "can't be ruled out", 'cannot rule out', 'cannot exclude', 'cannot be excluded',
  'can not be excluded', 'not excluded', 'not be excluded', 'not limited to', 'no improvement', 'not improved', 'without improvement', 'no further', 'not worse', 'whether or not', 'or not',
  'not been able', 'not able', 'unable', 'not tolerate', 'not tolerating', 'did not tolerate', 'not respond', 'did not respond', 'not responding', 'not well controlled', 'not controlled',
  'not adequately controlled', 'poorly controlled', 'not taking', 'not compliant', 'non - compliant', 'non - compliance', 'noncompliant', 'not adherent', 'no relief', 'not relieved',
  'not helped', 'not help', 'did not help', 'not resolve', 'not resolved', 'has not resolved', 'never resolved', 'not improve', 'did not improve', 'no better', 'not better', 'not getting better',
  'free text', 'negative pressure', 'rh negative', 'not working', 'not appear to be working', 'not sleeping well', 'not stop', 'did not stop',
];

const HYPOTHETICAL_FORWARD = [
  'if', 'in case of', 'in the event of', 'in case', 'as needed for', 'prn for', 'return if', 'call if', 'return for', 'return to the er for', 'return to the ed for',
  'call for', 'watch for', 'monitor for', 'look out for', 'seek care for', 'seek medical attention for', 'warning signs of', 'rule out', 'r/o', 'to rule out',
  'evaluate for', 'assess for', 'screen for', 'screening for', 'at risk for', 'risk of', 'risk for', 'to prevent', 'prevention of', 'unless', 'whenever', 'precautions for',
  'precautions regarding', 'return precautions', 'return precautions for', 'precautions given for', 'return precautions given for', 'call with', 'call with any', 'return with',
  'return with any', 'call for any', 'seek care if', 'go to the er if', 'go to the ed if', 'to the emergency department if', 'in the event that', 'as needed', 'prn',
];
const HYPOTHETICAL_BACKWARD_CONDITIONAL = [
  'develops', 'develop', 'developing', 'occur', 'occurs', 'occurring', 'recur', 'recurs', 'worsen', 'worsens', 'worsening', 'returns', 'return', 'persist', 'persists', 'arise', 'arises',
  'appear', 'appears', 'start', 'starts', 'begin', 'begins', 'get worse', 'gets worse', 'becomes', 'become', 'were to develop', 'is noted', 'are noted', 'happen', 'happens',
];
const HYPOTHETICAL_BACKWARD = ['prophylaxis', 'precautions', 'risk'];
const HYPOTHETICAL_PSEUDO = ['if any', 'as if', 'even if', 'if needed', 'if necessary', 'if possible', 'only if', 'if not', 'should be continued', 'should continue', 'risk factors', 'risk factor', 'history of present illness', 'symptoms of which'];

const PAST_FORWARD = [
  's/p', 'status post', 'prior', 'previous', 'previously', 'remote', 'remote history of', 'prior history of', 'former', 'formerly', 'old', 'quit', 'stopped', 'ex -', 'ex',
  'past', 'in the past', 'recovered from', 'resolved', 'healed', 'treated for', 'was treated for', 'underwent', 'previously had', 'history of resolved',
  'childhood', 'as a child', 'years ago',
];
const PAST_FORWARD_WEAK = [
  'history of', 'hx of', 'h/o', 'hx', 'history', 'known history of', 'personal history of', 'past medical history of', 'past medical history significant for', 'pmh of', 'pmh significant for',
  'pmhx of', 'medical history of', 'past history of', 'pmh', 'pmhx', 'with a history of', 'with history of',
];
const PAST_BACKWARD = [
  'resolved', 'has resolved', 'now resolved', 'since resolved', 'in the past', 'as a child', 'in childhood', 'as a teenager', 'previously', 'remotely', 'in remission', 'treated',
  'healed', 'quit', 'years ago', 'months ago', 'in the remote past', 'at age', 'at the age of', 'prior', 'status post',
];
const PAST_BACKWARD_WEAK = ['ago'];
const PAST_PSEUDO = [
  'history of present illness', 'history and physical', 'social history', 'medical history', 'history taking', 'past week', 'past few days', 'past several days', 'past 2 days',
  'past 3 days', 'past few weeks', 'past month', 'past 24 hours', 'past year', 'diagnosed with', 'newly diagnosed', 'new diagnosis', 'new onset', 'had been experiencing',
  'had been having', 'had been', 'has had', 'had trouble', 'had difficulty', 'prior to', 'prior to admission', 'prior to arrival', 'post op', 'post - op', 'postoperative',
  'old female', 'old male', 'old woman', 'old man', 'old boy', 'old girl', 'old patient', 'old gentleman', 'old lady', 'old white', 'old black', 'old african', 'old hispanic',
  'old caucasian', 'old asian', 'year - old', 'years old', 'month - old', 'months old', 'day - old', 'days old', 'week - old', 'weeks old', 'old -', 'not had', 'never had',
];

const FAMILY_RELATIVES = [
  'mother', 'father', 'mom', 'dad', 'sister', 'brother', 'sibling', 'siblings', 'sisters', 'brothers', 'aunt', 'aunts', 'uncle', 'uncles', 'grandmother', 'grandfather', 'grandparent',
  'grandparents', 'grandmothers', 'grandfathers', 'cousin', 'cousins', 'son', 'sons', 'daughter', 'daughters', 'parents', 'parent', 'niece', 'nephew', 'twin', 'relatives', 'relative',
  'family member', 'family members', 'maternal', 'paternal', 'mgm', 'mgf', 'pgm', 'pgf', 'granddaughter', 'grandson', 'half - brother', 'half - sister', 'stepmother', 'stepfather',
  'husband', 'wife', 'spouse', 'partner', 'children', 'kids',
];
const FAMILY_FORWARD = ['family history of', 'family hx of', 'fh of', 'fhx of', 'fhx', 'fh', 'family history significant for', 'family history positive for', 'family history is significant for', 'family history is positive for', 'strong family history of', 'family history'];
const FAMILY_BACKWARD = ['in the family', 'runs in the family', 'in family', 'in her family', 'in his family', 'on her side', 'on his side'];
/** Verbs that make a relative the informant, not the one who has the condition ("per mother", "mother reports he has fever"). */
const INFORMANT_VERBS = ['reports', 'reported', 'states', 'stated', 'says', 'said', 'notes', 'noted', 'denies', 'denied', 'brought', 'brings', 'describes', 'endorses', 'is concerned', 'was concerned', 'feels', 'thinks', 'believes', 'called', 'gives'];
const FAMILY_PSEUDO = [
  'lives with', 'living with', 'lives alone with', 'accompanied by', 'here with', 'is here with', 'with his', 'with her', 'son of', 'daughter of', 'as a child', 'child care',
  'family doctor', 'family physician', 'family practice', 'family medicine', 'family support', 'family meeting', 'family at bedside', 'discussed with', 'spoke with', 'per',
  ...FAMILY_RELATIVES.flatMap((relative) => [`lives with ${relative}`, `lives with her ${relative}`, `lives with his ${relative}`, `with her ${relative}`, `with his ${relative}`, `per ${relative}`, `per his ${relative}`, `per her ${relative}`, `per the ${relative}`, ...INFORMANT_VERBS.map((verb) => `${relative} ${verb}`)]),
];

const FUTURE_FORWARD = [
  'will', 'will be', 'will need', 'will have', 'will get', 'will start', 'will order', 'will obtain', 'will check', 'will recheck', 'will repeat', 'plan to', 'plans to', 'plan for',
  'planned', 'planning', 'planning to', 'scheduled for', 'scheduled', 'schedule', 'to schedule', 'recheck', 're - check', 'at next visit', 'at the next visit',
  'due for', 'to obtain', 'obtain', 'order', 'to order', 'check', 'to check', 'to start', 'going to', 'upcoming', 'awaiting', 'pending', 'is to have', 'referral for', 'refer for',
  'refer to', 'referred for', 'consider', 'future', 'tomorrow', 'in the future', 'follow up for', 'follow - up for', 'follow up with', 'follow - up with', 'followup with', 'return for a', 'will undergo', 'to undergo',
];
const FUTURE_BACKWARD = ['at next visit', 'at the next visit', 'next visit', 'next month', 'next year', 'next appointment', 'pending', 'is pending', 'are pending', 'to be done', 'to be scheduled', 'to be obtained', 'to follow', 'in 3 months', 'in the future', 'next week', 'tomorrow', 'ordered', 'was ordered', 'were ordered', 'has been ordered', 'is scheduled', 'scheduled'];
const FUTURE_PSEUDO = [
  'appears to be', 'seems to be', 'noted to be', 'found to be', 'felt to be', 'thought to be', 'believed to be', 'known to be', 'likely to be', 'has to be', 'used to be', 'tends to be',
  'next to', 'been going to', 'was going to', 'family planning', 'appear to be', 'appeared to be', 'seemed to be', 'scheduled visit', 'scheduled appointment', 'scheduled follow - up', 'scheduled follow up', 'regularly scheduled', 'will continue', 'continue', 'next of kin', 'willing', 'in order to', 'order of', 'check - up', 'checkup', 'tests to be',
];

/** Scope enders for every trait. */
/** Contrast: ends every scope, the family one included. */
const TERMINATE_CONTRAST = ['but', 'however', 'although', 'though', 'whereas', 'nevertheless', 'nonetheless', 'otherwise', 'instead', 'rather', 'except', 'except for', 'aside from', 'apart from', 'other than'];
/** Clause changes and the patient's own findings: end every scope but the family one ("Mother who has diabetes"). */
const TERMINATE_CLAUSE = [
  'which', 'who', 'whose', 'secondary to', 'due to', 'because', 'because of',
  'since', 'cause of', 'source of', 'etiology of', 'presents with', 'presenting with', 'presented with', 'complains of', 'complaining of', 'c/o', 'reports', 'reported', 'endorses',
  'endorsed', 'admits', 'admits to', 'states', 'notes', 'has', 'now', 'still', 'yet', 'positive for', 'remarkable for', 'consistent with', 'concerning for', 'worrisome for',
  'suspicious for', 'suggestive of', 'likely', 'probable', 'possible', 'complicated by', 'presented', 'presents', 'came in with', 'accompanied by', 'while', 'then', 'and has',
  'and had', 'and reports', 'and is', 'and was', 'is currently', 'currently',
];
const TERMINATE_FAMILY = ['patient', 'pt', 'the patient', 'he', 'she', 'himself', 'herself', "patient's"];
const TERMINATE_FUTURE_HYPOTHETICAL = ['today', 'currently', 'ongoing', 'since'];
const TERMINATE_PAST = ['currently', 'current', 'now', 'presently', 'today', 'new', 'recurrent', 'active', 'ongoing', 'presents', 'admitted', 'continues', 'continue'];

export const CONTEXT_RULES: readonly ContextRule[] = [
  ...rules(NEGATION_FORWARD, 'trigger', ['NEGATION'], 'forward', 12, 0.95),
  ...rules(NEGATION_BACKWARD, 'trigger', ['NEGATION'], 'backward', 5, 0.9),
  ...rules(NEGATION_PSEUDO, 'pseudo', [], 'forward', 0, 1),
  ...rules(['no family history of', 'no fh of', 'no fhx of', 'no family hx of', 'negative family history of', 'family history negative for', 'family history is negative for'], 'trigger', ['NEGATION', 'PERTAINS_TO_FAMILY'], 'forward', 12, 0.92),
  ...rules(HYPOTHETICAL_FORWARD, 'trigger', ['HYPOTHETICAL'], 'forward', 10, 0.9),
  // "Should fever develop": at the head of a clause and close to its target only; "she should take lisinopril" is no hypothesis.
  ...rules(['should'], 'trigger', ['HYPOTHETICAL'], 'forward', 3, 0.65, { clauseInitial: true }),
  ...rules(HYPOTHETICAL_BACKWARD_CONDITIONAL, 'trigger', ['HYPOTHETICAL'], 'backward', 4, 0.85, { conditional: true }),
  ...rules(HYPOTHETICAL_BACKWARD, 'trigger', ['HYPOTHETICAL'], 'backward', 2, 0.75),
  ...rules(HYPOTHETICAL_PSEUDO, 'pseudo', [], 'forward', 0, 1),
  ...rules(PAST_FORWARD, 'trigger', ['PAST_HISTORY'], 'forward', 6, 0.9),
  ...rules(PAST_FORWARD_WEAK, 'trigger', ['PAST_HISTORY'], 'forward', 10, 0.8, { weak: true }),
  // "had a stroke" but not "had a fever": only for events, like the other weak cues.
  ...rules(['had a', 'had an'], 'trigger', ['PAST_HISTORY'], 'forward', 4, 0.75, { weak: true }),
  // "post MI", "post CABG": right before its target ("Post Anesthesia Care Unit" is no history of anaesthesia).
  ...rules(['post'], 'trigger', ['PAST_HISTORY'], 'forward', 1, 0.8, { weak: true }),
  ...rules(['free'], 'trigger', ['NEGATION'], 'backward', 0, 0.85),
  ...rules(['repeat', 'to be'], 'trigger', ['FUTURE'], 'forward', 2, 0.7),
  ...rules(PAST_BACKWARD, 'trigger', ['PAST_HISTORY'], 'backward', 6, 0.85),
  ...rules(PAST_BACKWARD_WEAK, 'trigger', ['PAST_HISTORY'], 'backward', 5, 0.7, { weak: true }),
  ...rules(PAST_PSEUDO, 'pseudo', [], 'forward', 0, 1),
  ...rules([...FAMILY_RELATIVES, ...FAMILY_RELATIVES.filter((relative) => !relative.includes(' ')).map((relative) => `${relative}'s`)], 'trigger', ['PERTAINS_TO_FAMILY'], 'both', 8, 0.9, { relative: true }),
  ...rules(FAMILY_FORWARD, 'trigger', ['PERTAINS_TO_FAMILY'], 'forward', 14, 0.95),
  ...rules(FAMILY_BACKWARD, 'trigger', ['PERTAINS_TO_FAMILY'], 'backward', 6, 0.9),
  ...rules(FAMILY_PSEUDO, 'pseudo', [], 'forward', 0, 1),
  ...rules(FUTURE_FORWARD, 'trigger', ['FUTURE'], 'forward', 8, 0.85),
  ...rules(FUTURE_BACKWARD, 'trigger', ['FUTURE'], 'backward', 5, 0.8),
  ...rules(FUTURE_PSEUDO, 'pseudo', [], 'forward', 0, 1),
  ...rules(TERMINATE_CONTRAST, 'terminate', [], 'forward', 0, 1),
  ...rules(TERMINATE_CLAUSE, 'terminate', ['NEGATION', 'HYPOTHETICAL', 'PAST_HISTORY', 'FUTURE'], 'forward', 0, 1),
  ...rules(TERMINATE_FAMILY, 'terminate', ['PERTAINS_TO_FAMILY'], 'forward', 0, 1),
  ...rules(TERMINATE_FUTURE_HYPOTHETICAL, 'terminate', ['FUTURE', 'HYPOTHETICAL'], 'forward', 0, 1),
  ...rules(TERMINATE_PAST, 'terminate', ['PAST_HISTORY'], 'forward', 0, 1),
];

/** Words linking a relative to the condition after it ("Mother with diabetes", "Father: MI", "Sister had breast cancer"). */
export const RELATIVE_LINKS_FORWARD: ReadonlySet<string> = new Set([
  'with', 'has', 'had', 'have', 'having', ':', '-', 'diagnosed', 'died', 'passed', 'suffered', 'suffers', 'developed', 'deceased', 'history', 'hx', 'h', 'positive', 'is', 'was', 'were',
  'are', 'of', 'also', 'both', 'age', 'at', "'s", 'who', '(', 'and', ',', 'significant',
]);
/** Words linking a condition to a relative after it ("breast cancer in her mother", "MI - father"). */
export const RELATIVE_LINKS_BACKWARD: ReadonlySet<string> = new Set(['in', 'of', 'by', '-', ':', '(', 'on', 'affecting', 'both', 'and']);
/** Words skipped between a link and its relative ("in her maternal grandmother"). */
export const RELATIVE_FILLERS: ReadonlySet<string> = new Set(['her', 'his', 'the', 'a', 'an', 'their', 'both', 'maternal', 'paternal', 'patient', "patient's", "'s", 'older', 'younger', 'biological', 'twin']);

/** Words that make a sentence conditional, for the `conditional` post-triggers. */
export const CONDITIONAL_WORDS: ReadonlySet<string> = new Set(['if', 'should', 'when', 'unless', 'case', 'whenever', 'event']);

/** Words meaning the patient is the subject: they cancel the family_history section's default ("Patient has asthma"). */
export const PATIENT_WORDS: ReadonlySet<string> = new Set(['patient', 'pt', "patient's", "pt's", 'he', 'she', 'himself', 'herself', 'personal']);

/** Relatives, for deciding that a family_history sentence does concern a relative even when it names the patient. */
export const RELATIVE_WORDS: ReadonlySet<string> = new Set(FAMILY_RELATIVES.filter((relative) => !relative.includes(' ')));
