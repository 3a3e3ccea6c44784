/**
 * Value labels on @mantine/charts bars. Mantine's `withBarValueLabel` alone draws nothing: its
 * LabelList formats through `valueFormatter`, and without one every label is empty. These props
 * give the labels their own formatter (the axis ticks and the tooltip keep theirs).
 */
import type { BarChartProps } from '@mantine/charts';

export function barValueLabels(format: (value: number) => string): Pick<BarChartProps, 'withBarValueLabel' | 'valueLabelProps'> {
  return {
    withBarValueLabel: true,
    valueLabelProps: { formatter: (value: unknown) => (typeof value === 'number' ? format(value) : '') },
  };
}
