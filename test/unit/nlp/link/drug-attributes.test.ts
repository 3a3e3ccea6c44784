import { describe, expect, it } from 'vitest';
import { normalizeForm, normalizeStrength } from '../../../../src-main/nlp/link/drug-attributes';

describe('normalizeStrength', () => {
  it('writes strengths the RxNorm way, masses in mg', () => {
    expect(normalizeStrength('500mg')).toBe('500 mg');
    expect(normalizeStrength('500 MG')).toBe('500 mg');
    expect(normalizeStrength('.4 mg')).toBe('0.4 mg');
    expect(normalizeStrength('50 mcg')).toBe('0.05 mg');
    expect(normalizeStrength('1 g')).toBe('1000 mg');
    expect(normalizeStrength('10 mg/ml')).toBe('10 mg/ml');
    expect(normalizeStrength('100 units/mL')).toBe('100 unt/ml');
    expect(normalizeStrength('two tablets')).toBeUndefined();
  });
});

describe('normalizeForm', () => {
  it('maps written forms to RxNorm dose forms, else the route to a form family', () => {
    expect(normalizeForm('tablet', undefined)).toBe('oral tablet');
    expect(normalizeForm('tabs', 'PO')).toBe('oral tablet');
    expect(normalizeForm('ER tablet', undefined)).toBe('extended release oral tablet');
    expect(normalizeForm('capsule', undefined)).toBe('oral capsule');
    expect(normalizeForm('DR capsule', undefined)).toBe('delayed release oral capsule');
    expect(normalizeForm('inhaler', undefined)).toBe('metered dose inhaler');
    expect(normalizeForm(undefined, 'by mouth')).toBe('oral');
    expect(normalizeForm(undefined, 'subcutaneous')).toBe('injectable');
    expect(normalizeForm(undefined, undefined)).toBeUndefined();
  });
});
