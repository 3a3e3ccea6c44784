// @vitest-environment jsdom
/**
 * Bar value labels (components/bar-value-labels.ts): Mantine's withBarValueLabel alone leaves every
 * label empty; with barValueLabels each bar carries its formatted value. The chart's container
 * is given a size (jsdom has no layout for recharts' ResponsiveContainer to measure).
 */
import { BarChart } from '@mantine/charts';
import { MantineProvider } from '@mantine/core';
import { cleanup, render } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { barValueLabels } from '../../../src-renderer/src/components/bar-value-labels';
import { installDomShims } from './dom-shims';

installDomShims();
// jsdom lays nothing out: the chart's container measures 600 × 200 (what ResponsiveContainer reads).
beforeAll(() => {
  vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue({ x: 0, y: 0, top: 0, left: 0, right: 600, bottom: 200, width: 600, height: 200, toJSON: () => ({}) });
});
afterAll(() => vi.restoreAllMocks());
afterEach(cleanup);

const data = [
  { category: 'Problem', F1: 0.912, kappa: 0.834 },
  { category: 'Drug', F1: 0.5, kappa: -0.25 },
];

function labels(extra: Record<string, unknown>): string[] {
  const { container } = render(
    <MantineProvider>
      <BarChart h={200} data={data} dataKey="category" orientation="vertical" series={[{ name: 'F1' }, { name: 'kappa' }]} {...extra} />
    </MantineProvider>,
  );
  expect(container.querySelectorAll('.recharts-bar-rectangle').length).toBe(4);
  return [...container.querySelectorAll('.recharts-label-list text')].map((t) => t.textContent ?? '').filter((t) => t !== '');
}

describe('bar value labels', () => {
  it('are empty with withBarValueLabel alone, and show each formatted value with barValueLabels', () => {
    expect(labels({ withBarValueLabel: true })).toEqual([]);
    cleanup();
    expect(labels(barValueLabels((n) => n.toFixed(3)))).toEqual(['0.912', '0.500', '0.834', '-0.250']);
  });
});
