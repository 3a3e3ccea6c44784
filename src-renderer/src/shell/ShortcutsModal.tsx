import { Group, Kbd, Modal, Stack, Table, Text } from '@mantine/core';

export const SHORTCUTS: Array<{ keys: string[]; action: string }> = [
  { keys: ['mod', 'K'], action: 'Command palette' },
  { keys: ['mod', 'L'], action: 'Lock the vault' },
  { keys: ['?'], action: 'This list of shortcuts' },
  { keys: ['g', 'h'], action: 'Go to Home' },
  { keys: ['g', 'r'], action: 'Go to Resources' },
  { keys: ['g', 'i'], action: 'Go to Import' },
  { keys: ['g', 'v'], action: 'Go to Review (the document queue)' },
  { keys: ['g', 's'], action: 'Go to Settings' },
  { keys: ['j'], action: 'Resource table: next row (or ↓)' },
  { keys: ['k'], action: 'Resource table: previous row (or ↑)' },
  { keys: ['Enter'], action: 'Resource table: open the selected resource' },
  { keys: ['Esc'], action: 'Resource view: back to the list' },
  { keys: ['?'], action: 'Review of a note: its own cheat sheet (j/k, a, r, c, t n…)' },
  { keys: ['1', '2', '3', '4'], action: 'Patient chart: Timeline, Trends, Notes, Conditions' },
  { keys: ['c'], action: 'Patient list or Patient resource: open the patient chart' },
  { keys: ['g', 'q'], action: 'Go to Query' },
  { keys: ['Enter'], action: 'Query: run the search' },
  { keys: ['mod', 'S'], action: 'Query: save the search in the vault' },
  { keys: ['j', 'k'], action: 'Agreement, one note side by side: next / previous difference' },
  { keys: ['1', '2', '3', '0'], action: 'Agreement: take A, take B, keep both, keep neither' },
  { keys: ['g', 'y'], action: 'Go to Sync (FHIR servers)' },
  { keys: ['j', 'k'], action: 'Sync conflicts: next / previous conflict' },
  { keys: ['o', 't', 'm'], action: 'Sync conflict: keep ours, take theirs, merge' },
];

function KeyCombo({ keys }: { keys: string[] }) {
  const isMac = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform);
  return (
    <Group gap={4} wrap="nowrap">
      {keys.map((key, index) => (
        <Kbd key={index} size="xs">
          {key === 'mod' ? (isMac ? '⌘' : 'Ctrl') : key}
        </Kbd>
      ))}
    </Group>
  );
}

export function ShortcutsModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="md">
      <Stack gap="xs">
        <Text size="xs" c="dimmed">
          Shortcuts with two keys (g then h) are typed one after the other.
        </Text>
        <Table>
          <Table.Tbody>
            {SHORTCUTS.map((shortcut) => (
              <Table.Tr key={shortcut.action}>
                <Table.Td w={140}>
                  <KeyCombo keys={shortcut.keys} />
                </Table.Td>
                <Table.Td>{shortcut.action}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
    </Modal>
  );
}
