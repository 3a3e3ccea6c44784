// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { assessPassphrase, MIN_PASSPHRASE_LENGTH } from '../../../src-renderer/src/lib/passphrase-strength';

describe('assessPassphrase', () => {
  it('refuses anything shorter than the minimum, whatever its mix of characters', () => {
    const result = assessPassphrase('Xy7!q#Lm2');
    expect(result.acceptable).toBe(false);
    expect(result.level).toBeLessThanOrEqual(1);
    expect(result.advice[0]).toContain(`${MIN_PASSPHRASE_LENGTH} characters`);
  });

  it('refuses long passphrases built from common words and sequences', () => {
    for (const weak of ['password1234', 'Password12345678', 'qwertyqwertyqwerty', 'hearthvault2024']) {
      const result = assessPassphrase(weak);
      expect(result.acceptable, weak).toBe(false);
      expect(result.advice.join(' '), weak).toMatch(/common|repeated|longer/i);
    }
  });

  it('refuses repeated characters and runs', () => {
    expect(assessPassphrase('aaaaaaaaaaaaaaaa').acceptable).toBe(false);
    expect(assessPassphrase('abcdefghijklmnop').acceptable).toBe(false);
    expect(assessPassphrase('1234567890123456').acceptable).toBe(false);
  });

  it('accepts several unrelated words and mixed long passphrases', () => {
    const words = assessPassphrase('copper lantern orbit tangerine');
    expect(words.acceptable).toBe(true);
    expect(words.level).toBe(4);
    expect(words.label).toBe('Strong');
    const mixed = assessPassphrase('Tr0ub4dor&3x!Kq');
    expect(mixed.acceptable).toBe(true);
    expect(mixed.level).toBeGreaterThanOrEqual(3);
  });

  it('grows with length and stays within the meter range', () => {
    const short = assessPassphrase('maple river');
    const long = assessPassphrase('maple river quietly folds');
    expect(long.bits).toBeGreaterThan(short.bits);
    for (const value of ['', 'a', 'maple river quietly folds paper cranes at dawn']) {
      const { percent } = assessPassphrase(value);
      expect(percent).toBeGreaterThanOrEqual(0);
      expect(percent).toBeLessThanOrEqual(100);
    }
  });
});
