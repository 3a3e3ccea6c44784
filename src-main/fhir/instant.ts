/**
 * FHIR date/dateTime/instant values as millisecond ranges, for `_lastUpdated` search
 * (https://hl7.org/fhir/R4/search.html#date): a value covers the whole span its precision names.
 */

/** Half-open range [startMs, endMs). */
export interface InstantSpan {
  startMs: number;
  endMs: number;
}

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Parses a search date value. Values without a time zone are read as UTC (the store's zone).
 * Returns undefined for anything that is not a FHIR date/dateTime.
 */
export function parseInstantSpan(text: string): InstantSpan | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) return undefined;
  let offsetMs = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMs = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  const fracMs = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  const start =
    Date.UTC(year, month - 1, day, h === undefined ? 0 : Number(h), mi === undefined ? 0 : Number(mi), s === undefined ? 0 : Number(s), fracMs) -
    offsetMs;
  if (Number.isNaN(start)) return undefined;
  let end: number;
  if (mo === undefined) end = Date.UTC(year + 1, 0, 1) - offsetMs;
  else if (d === undefined) end = Date.UTC(year, month, 1) - offsetMs;
  else if (h === undefined) end = start + 86_400_000;
  else if (s === undefined) end = start + 60_000;
  else if (frac === undefined) end = start + 1_000;
  else end = start + 1;
  return { startMs: start, endMs: end };
}
