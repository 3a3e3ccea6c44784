/** Short, human-readable renderings of FHIR datatypes (datatypes.html) for tables and lists. */
import type {
  Age, CodeableConcept, Coding, HumanName, Period, Quantity, Range, Ratio, Reference,
} from '@medplum/fhirtypes';

export function formatCoding(coding: Coding | undefined): string {
  if (!coding) return '';
  return coding.display ?? coding.code ?? '';
}

/** CodeableConcept: its text, else the first coding's display or code (datatypes.html#codeableconcept). */
export function formatCodeableConcept(concept: CodeableConcept | undefined): string {
  if (!concept) return '';
  if (concept.text) return concept.text;
  for (const coding of concept.coding ?? []) {
    const text = formatCoding(coding);
    if (text) return text;
  }
  return '';
}

/** The official name if any, else the first (datatypes.html#HumanName). */
export function formatHumanName(names: HumanName[] | undefined): string {
  if (!names?.length) return '';
  const name = names.find((candidate) => candidate.use === 'official') ?? names[0]!;
  if (name.text) return name.text;
  return [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? '', ...(name.suffix ?? [])]
    .filter((part) => part.length > 0)
    .join(' ');
}

export function formatReference(reference: Reference | undefined): string {
  if (!reference) return '';
  return reference.display ?? reference.reference ?? reference.identifier?.value ?? '';
}

/**
 * A FHIR date, dateTime or instant shortened for display: `2019-02-12T14:32:11-05:00` →
 * `2019-02-12 14:32`. The local time as written is kept (no time zone conversion), which is how
 * a clinician reads it in the source record.
 */
export function formatDateTime(value: string | undefined): string {
  if (!value) return '';
  const match = /^(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:T(\d{2}:\d{2}))?/.exec(value);
  if (!match) return value;
  return match[2] ? `${match[1]} ${match[2]}` : match[1]!;
}

export function formatPeriod(period: Period | undefined): string {
  if (!period) return '';
  const start = formatDateTime(period.start);
  const end = formatDateTime(period.end);
  if (start && end) return start === end ? start : `${start} → ${end}`;
  if (start) return `${start} →`;
  return end ? `→ ${end}` : '';
}

function trimNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

export function formatQuantity(quantity: Quantity | Age | undefined): string {
  if (!quantity || quantity.value === undefined) return '';
  const unit = quantity.unit ?? quantity.code ?? '';
  const comparator = quantity.comparator ?? '';
  return `${comparator}${trimNumber(quantity.value)}${unit ? ` ${unit}` : ''}`;
}

export function formatRange(range: Range | undefined): string {
  if (!range) return '';
  return `${formatQuantity(range.low)}–${formatQuantity(range.high)}`;
}

export function formatRatio(ratio: Ratio | undefined): string {
  if (!ratio) return '';
  return `${formatQuantity(ratio.numerator)} / ${formatQuantity(ratio.denominator)}`;
}

/** Strips the XHTML of a Narrative to text (for a summary; rendered as text, never as HTML). */
export function narrativeText(div: string | undefined, maxLength = 120): string {
  if (!div) return '';
  const text = div.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
