/**
 * The side panel: the selected entity's details, its ranked concepts, its attributes, and every
 * action as a button (each also has a key, shown in brackets).
 */
import { ActionIcon, Badge, Button, Card, Chip, Group, Select, Stack, Table, Text, Title, Tooltip, UnstyledButton } from '@mantine/core';
import { IconCheck, IconMinus, IconPlus, IconTrash, IconX } from '@tabler/icons-react';
import { ENTITY_CATEGORIES, ENTITY_TYPES, type EntityCategory, type EntityType, type TraitName } from '../../../src-main/nlp/types';
import type { ChosenConcept, ReviewAnnotation } from '../../../src-main/review/types';
import type { ReviewBackend } from './backend';
import { CATEGORY_STYLES, conceptSystemFor, TRAIT_MARKERS } from './categories';
import { ConceptSearch } from './ConceptSearch';

const DECISION_COLOR: Record<ReviewAnnotation['decision'], string> = { pending: 'gray', accepted: 'green', rejected: 'red' };

export interface EntityPanelActions {
  accept: () => void;
  reject: () => void;
  remove: () => void;
  toggleTrait: (trait: TraitName) => void;
  setCategory: (category: EntityCategory, type?: EntityType) => void;
  setConcept: (concept: ChosenConcept) => void;
  resize: (edge: 'begin' | 'end', delta: number) => void;
  openConceptSearch: () => void;
  closeConceptSearch: () => void;
}

export function EntityPanel({
  annotation,
  conceptSearchOpen,
  search,
  actions,
}: {
  annotation: ReviewAnnotation;
  conceptSearchOpen: boolean;
  search: ReviewBackend['searchConcepts'];
  actions: EntityPanelActions;
}) {
  const style = CATEGORY_STYLES[annotation.category];
  const system = conceptSystemFor(annotation.category);
  return (
    <Card withBorder padding="sm" data-testid="entity-panel">
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Title order={4} style={{ overflowWrap: 'anywhere' }} data-testid="entity-text">
              {annotation.text}
            </Title>
            <Text size="xs" c="dimmed">
              {annotation.origin === 'reviewer' ? 'Added by a reviewer' : `Engine score ${annotation.score?.toFixed(2) ?? '—'}`} · offsets{' '}
              {annotation.begin}–{annotation.end}
              {annotation.edited ? ' · edited' : ''}
            </Text>
          </Stack>
          <Badge color={DECISION_COLOR[annotation.decision]} variant="light" data-testid="entity-decision" style={{ flexShrink: 0 }}>
            {annotation.decision}
          </Badge>
        </Group>
        {annotation.reviewedBy && (
          <Text size="xs" c="dimmed">
            Reviewed by {annotation.reviewedBy}
            {annotation.reviewedAt ? ` at ${annotation.reviewedAt.slice(0, 16).replace('T', ' ')}` : ''}
          </Text>
        )}
        <Group gap="xs">
          <Button size="xs" color="green" leftSection={<IconCheck size={14} />} onClick={actions.accept} data-testid="action-accept">
            Accept (a)
          </Button>
          <Button size="xs" color="red" variant="light" leftSection={<IconX size={14} />} onClick={actions.reject} data-testid="action-reject">
            Reject (r)
          </Button>
          <Tooltip label={annotation.origin === 'reviewer' ? 'Remove this added entity (Del)' : 'An engine entity is rejected (Del)'}>
            <ActionIcon variant="subtle" color="gray" onClick={actions.remove} aria-label="Delete">
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
        <Group gap="xs" grow>
          <Select
            size="xs"
            label="Category (1–7)"
            data={ENTITY_CATEGORIES.map((category) => ({ value: category, label: `${CATEGORY_STYLES[category].digit} · ${CATEGORY_STYLES[category].label}` }))}
            value={annotation.category}
            onChange={(value) => value && actions.setCategory(value as EntityCategory)}
            allowDeselect={false}
            leftSection={
              <Text size="10px" fw={700} px={3} style={{ background: style.color, color: style.ink, borderRadius: 3 }}>
                {style.letter}
              </Text>
            }
          />
          <Select
            size="xs"
            label="Type"
            data={[...ENTITY_TYPES[annotation.category]]}
            value={annotation.type}
            onChange={(value) => value && actions.setCategory(annotation.category, value as EntityType)}
            allowDeselect={false}
          />
        </Group>
        <div>
          <Text size="xs" fw={500} mb={4}>
            Traits (t then a letter)
          </Text>
          <Group gap={6}>
            {TRAIT_MARKERS.map((entry) => (
              <Chip
                key={entry.trait}
                size="xs"
                checked={annotation.traits.includes(entry.trait)}
                onChange={() => actions.toggleTrait(entry.trait)}
                data-testid={`trait-${entry.marker}`}
              >
                {entry.marker} · {entry.label} ({entry.key})
              </Chip>
            ))}
          </Group>
          {annotation.traits.some((trait) => !TRAIT_MARKERS.some((entry) => entry.trait === trait)) && (
            <Text size="xs" c="dimmed" mt={4}>
              Also: {annotation.traits.filter((trait) => !TRAIT_MARKERS.some((entry) => entry.trait === trait)).join(', ').toLowerCase()}
            </Text>
          )}
        </div>
        <Group gap={6} align="center">
          <Text size="xs" fw={500}>
            Span
          </Text>
          <Tooltip label="Start earlier (shift+←)">
            <ActionIcon size="sm" variant="default" onClick={() => actions.resize('begin', -1)} aria-label="Start earlier">
              <IconPlus size={12} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Start later (shift+→)">
            <ActionIcon size="sm" variant="default" onClick={() => actions.resize('begin', 1)} aria-label="Start later">
              <IconMinus size={12} />
            </ActionIcon>
          </Tooltip>
          <Text size="xs" c="dimmed">
            start · end
          </Text>
          <Tooltip label="End earlier (alt+←)">
            <ActionIcon size="sm" variant="default" onClick={() => actions.resize('end', -1)} aria-label="End earlier">
              <IconMinus size={12} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label="End later (alt+→)">
            <ActionIcon size="sm" variant="default" onClick={() => actions.resize('end', 1)} aria-label="End later">
              <IconPlus size={12} />
            </ActionIcon>
          </Tooltip>
        </Group>
        {system && (
          <div>
            <Group justify="space-between" mb={4}>
              <Text size="xs" fw={500}>
                Concept ({system === 'ICD10CM' ? 'ICD-10-CM' : 'RxNorm'})
              </Text>
              {search && !conceptSearchOpen && (
                <Button size="compact-xs" variant="subtle" onClick={actions.openConceptSearch} data-testid="action-concept">
                  Change (c)
                </Button>
              )}
            </Group>
            <Text size="sm" data-testid="entity-concept">
              {annotation.concept ? (
                <>
                  <Text span ff="monospace" fw={700}>
                    {annotation.concept.code}
                  </Text>{' '}
                  {annotation.concept.display}
                </>
              ) : (
                <Text span c="dimmed">
                  None chosen
                </Text>
              )}
            </Text>
            {conceptSearchOpen && search && (
              <Card withBorder padding="xs" mt="xs">
                <ConceptSearch
                  search={search}
                  system={system}
                  initialQuery={annotation.text}
                  onChoose={actions.setConcept}
                  onClose={actions.closeConceptSearch}
                />
              </Card>
            )}
            {annotation.candidates && annotation.candidates.length > 0 && (
              <Stack gap={2} mt="xs" data-testid="entity-candidates">
                <Text size="xs" c="dimmed">
                  Ranked by the engine (click to choose)
                </Text>
                {annotation.candidates.map((candidate) => (
                  <UnstyledButton
                    key={candidate.Code}
                    onClick={() => actions.setConcept({ system, code: candidate.Code, display: candidate.Description })}
                    px={6}
                    py={2}
                    style={{
                      borderRadius: 4,
                      background: annotation.concept?.code === candidate.Code ? 'var(--mantine-primary-color-light)' : undefined,
                    }}
                  >
                    <Group gap={6} wrap="nowrap">
                      <Text size="xs" ff="monospace" fw={700} w={70} style={{ flexShrink: 0 }}>
                        {candidate.Code}
                      </Text>
                      <Text size="xs" style={{ flex: 1 }} lineClamp={2}>
                        {candidate.Description}
                      </Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {candidate.Score.toFixed(2)}
                      </Text>
                    </Group>
                  </UnstyledButton>
                ))}
              </Stack>
            )}
          </div>
        )}
        {annotation.attributes && annotation.attributes.length > 0 && (
          <div>
            <Text size="xs" fw={500} mb={4}>
              Attributes
            </Text>
            <Table fz="xs" verticalSpacing={2} data-testid="entity-attributes">
              <Table.Tbody>
                {annotation.attributes.map((attribute) => (
                  <Table.Tr key={attribute.Id}>
                    <Table.Td>{attribute.Type.toLowerCase().replace(/_/g, ' ')}</Table.Td>
                    <Table.Td>{attribute.Text}</Table.Td>
                    <Table.Td c="dimmed">{attribute.Score.toFixed(2)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
      </Stack>
    </Card>
  );
}
