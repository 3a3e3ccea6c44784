// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ok, type Result } from '../../../../src-main/api/result';
import type { ReviewQueueItem, ReviewQueuePage } from '../../../../src-main/review/types';
import {
  filtersFromQuery, filtersToQuery, normalizeFilters, usePagedQueue, type QueueFilters, type QueueQuery,
} from '../../../../src-renderer/src/review/queue';
import { QueueFiltersBar, QueueList, ROW_HEIGHT } from '../../../../src-renderer/src/review/QueueList';
import { installDomShims } from '../dom-shims';

installDomShims();
afterEach(cleanup);
// jsdom lays nothing out: give the list's scroll box the size a window would.
for (const [name, size] of [['clientHeight', 600], ['clientWidth', 1000]] as const) {
  Object.defineProperty(HTMLElement.prototype, name, {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset.testid === 'queue-list' ? size : 0;
    },
  });
}

function item(index: number): ReviewQueueItem {
  return {
    documentId: `doc-${index}`,
    title: `Note ${index}`,
    date: '2026-01-02',
    patient: `Patient/p${index % 50}`,
    status: index % 3 === 0 ? 'done' : 'unreviewed',
    reviewers: index % 3 === 0 ? ['Ada'] : [],
    entities: 20,
    pending: index % 3 === 0 ? 0 : 20,
    minScore: (index % 100) / 100,
    hasNegated: index % 2 === 0,
    categories: { MEDICAL_CONDITION: 3, MEDICATION: 2 },
  };
}

function fakeQueue(total: number) {
  const queries: QueueQuery[] = [];
  const fetchPage = async (query: QueueQuery): Promise<Result<ReviewQueuePage>> => {
    queries.push(query);
    const items = Array.from({ length: Math.max(0, Math.min(query.count, total - query.offset)) }, (_, i) => item(query.offset + i));
    return ok({ total, offset: query.offset, items });
  };
  return { queries, fetchPage };
}

function Harness({ total, fetchPage }: { total: number; fetchPage: (query: QueueQuery) => Promise<Result<ReviewQueuePage>> }) {
  const [filters, setFilters] = useState<QueueFilters>({});
  const [selected, setSelected] = useState(0);
  const [opened, setOpened] = useState('');
  const queue = usePagedQueue(filters, fetchPage);
  return (
    <MantineProvider>
      <QueueFiltersBar value={filters} onChange={setFilters} reviewers={['Ada', 'Ben']} />
      <div data-testid="opened">{opened}</div>
      <div data-testid="total">{total}</div>
      <QueueList
        queue={queue}
        selected={selected}
        onSelect={setSelected}
        onOpen={(row) => setOpened(row.documentId)}
        height={600}
      />
    </MantineProvider>
  );
}

describe('review queue', () => {
  it('normalises filters and round-trips them through the route query', () => {
    expect(normalizeFilters({ status: ['unreviewed', 'in-progress', 'done'], scoreMin: 0, scoreMax: 1, text: '  ', sort: 'score' })).toEqual({});
    const filters: QueueFilters = { status: ['in-progress', 'unreviewed'], reviewer: 'Ada', category: 'MEDICATION', scoreMin: 0.2, scoreMax: 0.8, hasNegated: true, text: 'echo', sort: 'date' };
    const query = filtersToQuery(filters);
    expect(filtersFromQuery(new URLSearchParams(query.toString()))).toEqual(normalizeFilters(filters));
    expect(filtersFromQuery(new URLSearchParams('status=bogus&min=7&category=lower&sort=drop'))).toEqual({});
  });

  it('shows 100,000 documents with only the visible rows in the DOM and only their pages fetched', async () => {
    const { queries, fetchPage } = fakeQueue(100_000);
    render(<Harness total={100_000} fetchPage={fetchPage} />);
    const list = await screen.findByTestId('queue-list');
    await screen.findByTestId('queue-row-doc-0');
    const rows = list.querySelectorAll('[role="option"]');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(queries.map((query) => query.offset)).toEqual([0]);
    expect(queries[0]).toEqual({ offset: 0, count: 200 });
    expect(list.firstElementChild?.getAttribute('style')).toContain(`height: ${100_000 * ROW_HEIGHT}px`);

    // Scroll to the middle: the page holding row 50,000 is fetched and its rows appear.
    await act(async () => {
      list.scrollTop = 50_000 * ROW_HEIGHT;
      fireEvent.scroll(list);
    });
    await screen.findByTestId('queue-row-doc-50000');
    expect(queries.map((query) => query.offset)).toContain(50_000 - (50_000 % 200));
    expect(queries.length).toBeLessThanOrEqual(3);
    fireEvent.click(screen.getByTestId('queue-row-doc-50001'));
    expect(screen.getByTestId('opened').textContent).toBe('doc-50001');
  });

  it('starts over with the filters when they change', async () => {
    const { queries, fetchPage } = fakeQueue(300);
    render(<Harness total={300} fetchPage={fetchPage} />);
    await screen.findByTestId('queue-row-doc-0');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Done' }));
    await waitFor(() => expect(queries.at(-1)).toEqual({ status: ['done'], offset: 0, count: 200 }));
    fireEvent.click(screen.getByRole('switch', { name: 'Has negated entities' }));
    await waitFor(() => expect(queries.at(-1)).toEqual({ status: ['done'], hasNegated: true, offset: 0, count: 200 }));
    fireEvent.change(screen.getByPlaceholderText('Contains…'), { target: { value: 'echo' } });
    await waitFor(() => expect(queries.at(-1)).toMatchObject({ text: 'echo', offset: 0 }), { timeout: 3000 });
  });

  it('says so when nothing matches and offers a retry when the call fails', async () => {
    render(<Harness total={0} fetchPage={fakeQueue(0).fetchPage} />);
    expect(await screen.findByText('No document matches these filters.')).toBeTruthy();
    cleanup();
    let fail = true;
    const fetchPage = async (query: QueueQuery): Promise<Result<ReviewQueuePage>> =>
      fail
        ? { ok: false, error: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'The vault is busy' }] } }
        : fakeQueue(10).fetchPage(query);
    render(<Harness total={10} fetchPage={fetchPage} />);
    expect(await screen.findByText('The vault is busy')).toBeTruthy();
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId('queue-row-doc-9')).toBeTruthy();
  });
});
