/**
 * Bulk accept (issue 6 §1): every pending entity above a score in this document, or every
 * occurrence of a text in this document or in all documents.
 */
import { Button, Group, Modal, NumberInput, Radio, Select, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { ENTITY_CATEGORIES, type EntityCategory } from '../../../src-main/nlp/types';
import type { BulkAcceptScope } from './backend';
import { CATEGORY_STYLES } from './categories';

type Mode = 'score' | 'text-document' | 'text-all';

export function BulkAcceptModal({
  opened,
  onClose,
  documentId,
  text,
  busy,
  onRun,
}: {
  opened: boolean;
  onClose: () => void;
  documentId: string;
  /** The selected entity's text, for "every occurrence". */
  text: string | undefined;
  busy: boolean;
  onRun: (scope: BulkAcceptScope) => void;
}) {
  const [mode, setMode] = useState<Mode>('score');
  const [minScore, setMinScore] = useState<number>(0.9);
  const [category, setCategory] = useState<EntityCategory | null>(null);
  useEffect(() => {
    if (opened && !text && mode !== 'score') setMode('score');
  }, [opened, text, mode]);

  const run = (): void => {
    const scope: BulkAcceptScope = {};
    if (mode !== 'text-all') scope.documentId = documentId;
    if (mode === 'score') scope.minScore = minScore;
    else if (text) scope.text = text;
    if (category) scope.category = category;
    onRun(scope);
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Bulk accept" size="md">
      <Stack gap="sm">
        <Radio.Group value={mode} onChange={(value) => setMode(value as Mode)}>
          <Stack gap="xs">
            <Radio value="score" label="Every pending entity in this document scoring at least…" />
            <Radio value="text-document" label={text ? `Every occurrence of “${text}” in this document` : 'Every occurrence of the selected entity’s text (select one first)'} disabled={!text} />
            <Radio value="text-all" label={text ? `Every occurrence of “${text}” in all documents` : 'Every occurrence in all documents (select an entity first)'} disabled={!text} />
          </Stack>
        </Radio.Group>
        {mode === 'score' && (
          <NumberInput label="Minimum score" min={0} max={1} step={0.05} decimalScale={2} value={minScore} onChange={(value) => setMinScore(typeof value === 'number' ? value : Number(value) || 0)} w={160} />
        )}
        <Select
          label="Only this category"
          placeholder="Any category"
          data={ENTITY_CATEGORIES.map((value) => ({ value, label: CATEGORY_STYLES[value].label }))}
          value={category}
          onChange={(value) => setCategory(value as EntityCategory | null)}
          clearable
          w={240}
        />
        {mode === 'text-all' && (
          <Text size="xs" c="dimmed">
            Undo (ctrl+Z) takes back the part in this document; the other documents keep the acceptance.
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={run} loading={busy} data-testid="bulk-run">
            Accept
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
