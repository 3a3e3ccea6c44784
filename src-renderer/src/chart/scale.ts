/** Linear scales and tick choices for the chart's small SVG plots (pure, tested). */

export interface LinearScale {
  (value: number): number;
  domain: readonly [number, number];
}

/** Maps [d0, d1] onto [r0, r1]; a flat domain maps everything to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): LinearScale {
  const span = d1 - d0;
  const scale = ((value: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0))) as LinearScale;
  scale.domain = [d0, d1];
  return scale;
}

/** About `count` round ticks (1, 2 or 5 × 10^n apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  // The round step nearest above two thirds of the even split: about `count` to `1.5 × count` ticks.
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw / 1.5) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Year starts (UTC) within [from, to], thinned to at most `max` ticks; months when the span is under two years. */
export function timeTicks(from: number, to: number, max = 7): Array<{ time: number; label: string }> {
  const start = new Date(from);
  const spanDays = (to - from) / 86_400_000;
  const ticks: Array<{ time: number; label: string }> = [];
  if (spanDays < 730) {
    const monthStep = Math.max(1, Math.ceil(spanDays / 30 / max));
    for (let y = start.getUTCFullYear(), m = start.getUTCMonth() + 1; ; m += monthStep) {
      const t = Date.UTC(y, m, 1);
      if (t > to) break;
      const d = new Date(t);
      ticks.push({ time: t, label: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}` });
    }
    return ticks;
  }
  const firstYear = start.getUTCFullYear() + 1;
  const lastYear = new Date(to).getUTCFullYear();
  const step = Math.max(1, Math.ceil((lastYear - firstYear + 1) / max));
  for (let y = firstYear; y <= lastYear; y += step) ticks.push({ time: Date.UTC(y, 0, 1), label: String(y) });
  return ticks;
}

/** Numbers as a clinician reads them: up to 3 significant decimals, no trailing zeros. */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2)));
}

/** A reference range in words: `4–5.6`, or one-sided `≥ 40` / `≤ 100` (never `40–…`). */
export function rangeText(low: number | undefined, high: number | undefined): string {
  if (low !== undefined && high !== undefined) return `${formatValue(low)}–${formatValue(high)}`;
  if (low !== undefined) return `≥ ${formatValue(low)}`;
  if (high !== undefined) return `≤ ${formatValue(high)}`;
  return '';
}
