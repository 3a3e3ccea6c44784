/**
 * The review queue: filters above a virtualised list (issue 6 §5: 100,000 documents scroll
 * smoothly). Only the rows on screen exist in the DOM, and only their pages are fetched.
 */
import {
  Badge, Box, Center, Chip, Group, RangeSlider, Select, Skeleton, Stack, Switch, Text, TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, useState } from 'react';
import { ENTITY_CATEGORIES, type EntityCategory } from '../../../src-main/nlp/types';
import type { ReviewQueueItem, ReviewStatus } from '../../../src-main/review/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { formatCount } from '../lib/format';
import { CATEGORY_STYLES } from './categories';
import type { PagedQueue, QueueFilters, QueueSort } from './queue';

export const ROW_HEIGHT = 58;

export const STATUS_LABEL: Record<ReviewStatus, string> = { unreviewed: 'Unreviewed', 'in-progress': 'In progress', done: 'Done' };
export const STATUS_COLOR: Record<ReviewStatus, string> = { unreviewed: 'gray', 'in-progress': 'yellow', done: 'green' };

export function QueueFiltersBar({
  value,
  onChange,
  reviewers,
}: {
  value: QueueFilters;
  onChange: (filters: QueueFilters) => void;
  reviewers: string[];
}) {
  const [text, setText] = useState(value.text ?? '');
  const [debounced] = useDebouncedValue(text, 250);
  const latest = useRef({ value, onChange });
  latest.current = { value, onChange };
  useEffect(() => {
    const { value: filters, onChange: change } = latest.current;
    if ((filters.text ?? '') !== debounced) change({ ...filters, text: debounced });
  }, [debounced]);
  const [range, setRange] = useState<[number, number]>([value.scoreMin ?? 0, value.scoreMax ?? 1]);
  useEffect(() => setRange([value.scoreMin ?? 0, value.scoreMax ?? 1]), [value.scoreMin, value.scoreMax]);

  return (
    <Stack gap="xs" data-testid="queue-filters">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Title"
          placeholder="Contains…"
          leftSection={<IconSearch size={14} />}
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
          size="xs"
          w={180}
        />
        <Select
          label="Reviewer"
          placeholder="Anyone"
          data={reviewers}
          value={value.reviewer ?? null}
          onChange={(reviewer) => onChange({ ...value, reviewer: reviewer ?? undefined })}
          clearable
          searchable
          size="xs"
          w={150}
        />
        <Select
          label="Category"
          placeholder="Any"
          data={ENTITY_CATEGORIES.map((category) => ({ value: category, label: `${CATEGORY_STYLES[category].letter} · ${CATEGORY_STYLES[category].label}` }))}
          value={value.category ?? null}
          onChange={(category) => onChange({ ...value, category: (category as EntityCategory | null) ?? undefined })}
          clearable
          size="xs"
          w={190}
        />
        <Select
          label="Order"
          data={[
            { value: 'score', label: 'Lowest score first' },
            { value: 'date', label: 'Newest first' },
            { value: 'title', label: 'Title' },
          ]}
          value={value.sort ?? 'score'}
          onChange={(sort) => onChange({ ...value, sort: (sort as QueueSort | null) ?? 'score' })}
          allowDeselect={false}
          size="xs"
          w={160}
        />
        <Box w={200}>
          <Text size="xs" fw={500} mb={4}>
            Lowest score {range[0].toFixed(2)}–{range[1].toFixed(2)}
          </Text>
          <RangeSlider
            min={0}
            max={1}
            step={0.05}
            minRange={0.05}
            value={range}
            onChange={setRange}
            onChangeEnd={([scoreMin, scoreMax]) => onChange({ ...value, scoreMin, scoreMax })}
            label={(score) => score.toFixed(2)}
            size="sm"
            aria-label="Score range"
          />
        </Box>
      </Group>
      <Group gap="md">
        <Chip.Group
          multiple
          value={value.status ?? []}
          onChange={(status) => onChange({ ...value, status: status as ReviewStatus[] })}
        >
          <Group gap={6}>
            {(['unreviewed', 'in-progress', 'done'] as const).map((status) => (
              <Chip key={status} value={status} size="xs" variant="outline">
                {STATUS_LABEL[status]}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        <Switch
          label="Has negated entities"
          checked={value.hasNegated ?? false}
          onChange={(event) => onChange({ ...value, hasNegated: event.currentTarget.checked })}
          size="xs"
        />
      </Group>
    </Stack>
  );
}

function CategoryCounts({ categories }: { categories: ReviewQueueItem['categories'] }) {
  return (
    <Group gap={4} wrap="nowrap">
      {ENTITY_CATEGORIES.filter((category) => (categories[category] ?? 0) > 0).map((category) => {
        const style = CATEGORY_STYLES[category];
        return (
          <span
            key={category}
            title={`${categories[category]} ${style.label.toLowerCase()}`}
            style={{ padding: '0 4px', background: style.color, color: style.ink, borderRadius: 3, fontSize: 10, fontWeight: 700, lineHeight: '15px' }}
          >
            {style.letter}
            {categories[category]}
          </span>
        );
      })}
    </Group>
  );
}

/**
 * One row. Memoised, with plain `title` tooltips: scrolling 100,000 notes re-renders the list at every
 * scroll event, and then only the rows that come into view are drawn, not the forty on screen.
 */
const QueueRow = memo(function QueueRow({ item, selected }: { item: ReviewQueueItem; selected: boolean }) {
  return (
    <Group
      h={ROW_HEIGHT}
      px="sm"
      gap="sm"
      wrap="nowrap"
      style={{
        borderBottom: '1px solid var(--mantine-color-default-border)',
        background: selected ? 'var(--mantine-primary-color-light)' : undefined,
        cursor: 'pointer',
      }}
    >
      <Badge color={STATUS_COLOR[item.status]} variant="light" w={118} style={{ flexShrink: 0 }}>
        {STATUS_LABEL[item.status]}
      </Badge>
      <Box style={{ flex: 1, minWidth: 0 }}>
        <Text size="sm" fw={500} truncate>
          {item.title}
        </Text>
        <Text size="xs" c="dimmed" truncate>
          {[item.date?.slice(0, 10), item.patient, item.reviewers.length > 0 ? `by ${item.reviewers.join(', ')}` : undefined]
            .filter(Boolean)
            .join(' · ')}
        </Text>
      </Box>
      {item.hasNegated && (
        <Badge size="xs" variant="outline" color="gray" style={{ flexShrink: 0 }} title="Has negated entities">
          NEG
        </Badge>
      )}
      <Box visibleFrom="md" style={{ flexShrink: 0 }}>
        <CategoryCounts categories={item.categories} />
      </Box>
      <Text size="xs" c="dimmed" w={110} ta="right" style={{ flexShrink: 0 }}>
        {formatCount(item.pending)} of {formatCount(item.entities)} pending
      </Text>
      <Text size="sm" ff="monospace" w={44} ta="right" style={{ flexShrink: 0 }} data-testid="row-score" title="Lowest entity score">
        {item.minScore === undefined ? '—' : item.minScore.toFixed(2)}
      </Text>
    </Group>
  );
});

export function QueueList({
  queue,
  selected,
  onSelect,
  onOpen,
  height = 'calc(100vh - 260px)',
}: {
  queue: PagedQueue;
  selected: number;
  onSelect: (index: number) => void;
  onOpen: (item: ReviewQueueItem, index: number) => void;
  height?: string | number;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const total = queue.total ?? 0;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  const { ensure } = queue;
  useEffect(() => ensure(first, last), [ensure, first, last]);
  useEffect(() => {
    if (selected >= 0 && selected < total) virtualizer.scrollToIndex(selected, { align: 'auto' });
  }, [selected, total, virtualizer]);

  if (queue.error && queue.total === undefined) return <ErrorAlert error={queue.error} title="Cannot load the queue" onRetry={queue.reload} />;
  if (queue.loading) {
    return (
      <Stack gap={6}>
        {Array.from({ length: 8 }, (_, index) => (
          <Skeleton key={index} height={ROW_HEIGHT - 8} />
        ))}
      </Stack>
    );
  }
  if (total === 0) {
    return (
      <Center mih={160}>
        <Text c="dimmed">No document matches these filters.</Text>
      </Center>
    );
  }
  return (
    <Box
      ref={scrollRef}
      h={height}
      style={{ overflow: 'auto', contain: 'strict', border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-md)' }}
      data-testid="queue-list"
      role="listbox"
      aria-label="Documents to review"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
        {items.map((row) => {
          const item = queue.item(row.index);
          return (
            <div
              key={row.key}
              data-index={row.index}
              role="option"
              aria-selected={row.index === selected}
              style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
              onClick={() => {
                onSelect(row.index);
                if (item) onOpen(item, row.index);
              }}
              data-testid={item ? `queue-row-${item.documentId}` : undefined}
            >
              {item ? (
                <QueueRow item={item} selected={row.index === selected} />
              ) : (
                <Box px="sm" py={8} h={ROW_HEIGHT}>
                  <Skeleton height={ROW_HEIGHT - 18} />
                </Box>
              )}
            </div>
          );
        })}
      </div>
      {queue.error && (
        <Box p="xs">
          <ErrorAlert error={queue.error} title="Some rows could not be loaded" onRetry={queue.reload} />
        </Box>
      )}
    </Box>
  );
}
