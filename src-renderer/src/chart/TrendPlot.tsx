/**
 * One observation series against time: the reference range as a shaded band with dashed edges,
 * the values joined by a line, and each point a dot; points out of range (flagged by their
 * interpretation or outside their range) are red diamonds, so the shape tells them apart without
 * colour. A plain SVG (no measuring of the DOM): it scales with its container's width and renders
 * the same in tests. Each point carries a tooltip (<title>) and opens its Observation on click.
 */
import { useId } from 'react';
import type { ObservationSeries } from '../../../src-main/chart/types';
import { formatValue, linearScale, niceTicks, rangeText, timeTicks } from './scale';

const WIDTH = 640;
const HEIGHT = 190;
const MARGIN = { left: 52, right: 14, top: 12, bottom: 26 };

export interface TrendPlotProps {
  series: ObservationSeries;
  /** The time axis of every plot on the screen (so plots line up); default: this series' own span. */
  domain?: readonly [number, number];
  onOpenPoint?: (reference: string) => void;
}

export function TrendPlot({ series, domain, onOpenPoint }: TrendPlotProps) {
  const clipId = useId();
  const times = series.points.map((p) => Date.parse(p.time));
  const [t0, t1] = domain ?? [Math.min(...times), Math.max(...times)];
  // A single instant gets a month either side, so its point is not on the axis' edge.
  const pad = t1 === t0 ? 30 * 86_400_000 : (t1 - t0) * 0.03;
  const x = linearScale(t0 - pad, t1 + pad, MARGIN.left, WIDTH - MARGIN.right);
  const values = [...series.points.map((p) => p.value), ...(series.low !== undefined ? [series.low] : []), ...(series.high !== undefined ? [series.high] : [])];
  let v0 = Math.min(...values);
  let v1 = Math.max(...values);
  const vPad = v1 === v0 ? Math.max(1, Math.abs(v0) * 0.1) : (v1 - v0) * 0.12;
  v0 -= vPad;
  v1 += vPad;
  const y = linearScale(v0, v1, HEIGHT - MARGIN.bottom, MARGIN.top);
  const yTicks = niceTicks(v0, v1, 4).filter((t) => t >= v0 && t <= v1);
  const xTicks = timeTicks(t0 - pad, t1 + pad);
  const plotTop = MARGIN.top;
  const plotBottom = HEIGHT - MARGIN.bottom;
  const unit = series.unit ? ` ${series.unit}` : '';
  const bandTop = series.high !== undefined ? y(series.high) : plotTop;
  const bandBottom = series.low !== undefined ? y(series.low) : plotBottom;
  const hasBand = series.low !== undefined || series.high !== undefined;
  const outCount = series.points.filter((p) => p.outOfRange).length;

  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width="100%"
      role="img"
      aria-label={`${series.display}: ${series.points.length} values${hasBand ? `, ${series.band === 'default' ? 'typical adult range' : 'reference range'} ${rangeText(series.low, series.high)}${unit}` : ''}, ${outCount} out of range`}
      data-testid="trend-plot"
      data-series={series.key}
      style={{ display: 'block', overflow: 'visible' }}
    >
      <defs>
        <clipPath id={clipId}>
          <rect x={MARGIN.left} y={plotTop} width={WIDTH - MARGIN.left - MARGIN.right} height={plotBottom - plotTop} />
        </clipPath>
      </defs>
      {yTicks.map((t) => (
        <g key={`y${t}`}>
          <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(t)} y2={y(t)} stroke="var(--mantine-color-default-border)" strokeWidth={0.6} />
          <text x={MARGIN.left - 6} y={y(t)} dy="0.32em" textAnchor="end" fontSize={10} fill="var(--mantine-color-dimmed)">
            {formatValue(t)}
          </text>
        </g>
      ))}
      {xTicks.map((t) => (
        <text key={`x${t.time}`} x={x(t.time)} y={HEIGHT - 8} textAnchor="middle" fontSize={10} fill="var(--mantine-color-dimmed)">
          {t.label}
        </text>
      ))}
      <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={plotBottom} y2={plotBottom} stroke="var(--mantine-color-dimmed)" strokeWidth={0.8} />
      <g clipPath={`url(#${clipId})`}>
        {hasBand && (
          <g data-testid="reference-band">
            <rect x={MARGIN.left} width={WIDTH - MARGIN.left - MARGIN.right} y={bandTop} height={Math.max(0, bandBottom - bandTop)} fill="var(--mantine-color-green-6)" fillOpacity={0.13} />
            {series.high !== undefined && <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={bandTop} y2={bandTop} stroke="var(--mantine-color-green-7)" strokeDasharray="4 3" strokeWidth={1} />}
            {series.low !== undefined && <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={bandBottom} y2={bandBottom} stroke="var(--mantine-color-green-7)" strokeDasharray="4 3" strokeWidth={1} />}
          </g>
        )}
        {series.points.length > 1 && (
          <polyline
            points={series.points.map((p) => `${x(Date.parse(p.time)).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}
            fill="none"
            stroke="var(--mantine-color-blue-6)"
            strokeWidth={1.5}
            strokeLinejoin="round"
          />
        )}
      </g>
      {series.points.map((p) => {
        const cx = x(Date.parse(p.time));
        const cy = y(p.value);
        const label = `${p.time.slice(0, 10)}: ${formatValue(p.value)}${unit}${p.interpretation ? ` (${p.interpretation})` : ''}${
          p.low !== undefined || p.high !== undefined ? `, range ${rangeText(p.low, p.high)}` : ''
        }${p.outOfRange ? ', out of range' : ''}`;
        const common = {
          'data-testid': 'trend-point',
          'data-out-of-range': p.outOfRange ? 'true' : 'false',
          style: { cursor: onOpenPoint ? 'pointer' : undefined },
          onClick: onOpenPoint ? () => onOpenPoint(p.reference) : undefined,
        };
        return p.outOfRange ? (
          <path key={p.reference} d={`M${cx} ${cy - 5.5}L${cx + 5.5} ${cy}L${cx} ${cy + 5.5}L${cx - 5.5} ${cy}Z`} fill="var(--mantine-color-red-7)" stroke="var(--mantine-color-body)" strokeWidth={1} {...common}>
            <title>{label}</title>
          </path>
        ) : (
          <circle key={p.reference} cx={cx} cy={cy} r={3.5} fill="var(--mantine-color-blue-6)" stroke="var(--mantine-color-body)" strokeWidth={1} {...common}>
            <title>{label}</title>
          </circle>
        );
      })}
    </svg>
  );
}
