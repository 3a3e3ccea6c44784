import { Card, CloseButton, Group, Kbd, Table, Text } from '@mantine/core';
import { memo } from 'react';
import { REVIEW_SHORTCUTS } from './keymap';

/**
 * The review screen's on-screen cheat sheet (toggled with ?), generated from the keymap's table.
 * Memoised: it does not change when the reviewer acts, and its many small elements would otherwise
 * re-render with every action.
 */
export const CheatSheet = memo(function CheatSheet({ onClose }: { onClose: () => void }) {
  const isMac = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform);
  return (
    <Card withBorder padding="xs" data-testid="review-cheat-sheet">
      <Group justify="space-between" mb={4}>
        <Text size="xs" fw={700}>
          Keys (t then n: one after the other)
        </Text>
        <CloseButton size="sm" onClick={onClose} aria-label="Hide the cheat sheet" />
      </Group>
      <Table fz="xs" verticalSpacing={1} horizontalSpacing={4}>
        <Table.Tbody>
          {REVIEW_SHORTCUTS.map((shortcut) => (
            <Table.Tr key={shortcut.action}>
              <Table.Td w={92} style={{ whiteSpace: 'nowrap' }}>
                {shortcut.keys.map((key, index) => (
                  <Kbd key={index} size="xs" mr={2}>
                    {key === 'mod' ? (isMac ? '⌘' : 'Ctrl') : key}
                  </Kbd>
                ))}
              </Table.Td>
              <Table.Td>{shortcut.action}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
});
