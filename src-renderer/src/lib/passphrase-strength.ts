/**
 * Passphrase strength for a vault key (PBKDF2 + AES-GCM): an offline attacker holding the vault
 * folder can guess as fast as their hardware allows, so length matters most.
 *
 * The rule the UI enforces: at least 12 characters, not built from a common password or a
 * trivial pattern, and an estimated strength of at least "fair" (about 50 bits). The estimate is
 * deliberately conservative: letters inside words (runs of 3+ letters) count 2.5 bits each, about
 * what a word from a large list is worth per letter; other characters count log2(character pool);
 * words from the common list and repeated or sequential runs count a few bits in all.
 */

export const MIN_PASSPHRASE_LENGTH = 12;

/** Lowercase fragments that make a passphrase guessable (checked as substrings). */
const COMMON_WORDS = [
  'password', 'passwort', 'passphrase', 'qwerty', 'azerty', 'letmein', 'welcome', 'admin',
  'login', 'iloveyou', 'monkey', 'dragon', 'football', 'baseball', 'master', 'shadow',
  'sunshine', 'princess', 'secret', 'trustno1', 'hello', 'freedom', 'whatever', 'abc123',
  'hearth', 'vault', 'hospital', 'patient', 'doctor', 'nurse', 'clinic', 'health', 'summer',
  'winter', 'spring', 'autumn', 'january', 'february', 'october', 'november', 'december',
  'changeme', 'default', 'computer', 'internet', 'starwars', 'superman', 'batman', 'pokemon',
];

export type StrengthLevel = 0 | 1 | 2 | 3 | 4;

export interface PassphraseStrength {
  /** 0 very weak … 4 strong. */
  level: StrengthLevel;
  label: 'Very weak' | 'Weak' | 'Fair' | 'Good' | 'Strong';
  /** Estimated guessing entropy in bits. */
  bits: number;
  /** 0-100 for a meter. */
  percent: number;
  /** Whether the UI accepts it for a new vault or a new passphrase. */
  acceptable: boolean;
  /** What to change, most important first (empty when nothing to add). */
  advice: string[];
}

const LABELS = ['Very weak', 'Weak', 'Fair', 'Good', 'Strong'] as const;
const FAIR_BITS = 50;

function poolSize(text: string): number {
  let pool = 0;
  if (/[a-z]/.test(text)) pool += 26;
  if (/[A-Z]/.test(text)) pool += 26;
  if (/[0-9]/.test(text)) pool += 10;
  if (/[^A-Za-z0-9]/.test(text)) pool += 33;
  return Math.max(pool, 1);
}

/** Length of `text` once runs like "aaaa", "1234" or "abcd" count as one character each. */
function effectiveLength(text: string): number {
  let length = 0;
  let runKind: 'repeat' | 'ascending' | 'descending' | null = null;
  for (let i = 0; i < text.length; i++) {
    const previous = i > 0 ? text.charCodeAt(i - 1) : NaN;
    const code = text.charCodeAt(i);
    const kind = code === previous ? 'repeat' : code === previous + 1 ? 'ascending' : code === previous - 1 ? 'descending' : null;
    if (kind !== null && (runKind === null || runKind === kind)) {
      runKind = kind;
      continue;
    }
    runKind = null;
    length += 1;
  }
  return length;
}

const WORD_LETTER_BITS = 2.5;

function estimateBits(text: string, pool: number): number {
  const bitsPerChar = Math.log2(pool);
  let bits = 0;
  for (const part of text.split(/([A-Za-z]{3,})/)) {
    if (part.length === 0) continue;
    const isWord = /^[A-Za-z]{3,}$/.test(part);
    bits += effectiveLength(part) * (isWord ? WORD_LETTER_BITS : bitsPerChar);
  }
  return bits;
}

export function assessPassphrase(passphrase: string): PassphraseStrength {
  const advice: string[] = [];
  const lower = passphrase.toLowerCase();
  let remainder = lower;
  let commonWordCount = 0;
  for (const word of COMMON_WORDS) {
    if (remainder.includes(word)) {
      commonWordCount += 1;
      remainder = remainder.split(word).join('');
    }
  }
  // Each common word is worth about one pick from a list of ~1000 (10 bits), not per letter.
  const bits = Math.round(estimateBits(remainder, poolSize(passphrase)) + commonWordCount * 10);

  const tooShort = passphrase.length < MIN_PASSPHRASE_LENGTH;
  const patterned = effectiveLength(lower) < passphrase.length / 2;
  if (tooShort) advice.push(`Use at least ${MIN_PASSPHRASE_LENGTH} characters (${passphrase.length} so far).`);
  if (commonWordCount > 0) advice.push('Avoid common passwords and obvious words such as "password" or "hearth".');
  if (patterned) advice.push('Avoid repeated characters and sequences such as "aaaa" or "1234".');

  let level: StrengthLevel = bits < 28 ? 0 : bits < 40 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  if (tooShort && level > 1) level = 1;
  const acceptable = !tooShort && bits >= FAIR_BITS && !patterned && remainder.length >= 8;
  if (!acceptable && level >= 2) level = 1;
  if (!tooShort && !acceptable && advice.length === 0) {
    advice.push('Make it longer: several unrelated words are easy to remember and hard to guess.');
  }
  if (acceptable && level < 4) advice.push('Longer is stronger: add another unrelated word.');
  return {
    level,
    label: LABELS[level],
    bits,
    percent: Math.min(100, Math.round((bits / 90) * 100)),
    acceptable,
    advice,
  };
}
