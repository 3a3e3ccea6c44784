import { List, Progress, Stack, Text } from '@mantine/core';
import { assessPassphrase, MIN_PASSPHRASE_LENGTH } from '../lib/passphrase-strength';

const COLORS = ['red', 'orange', 'yellow', 'teal', 'green'] as const;

/** A strength meter with advice for a new passphrase (rule explained in passphrase-strength.ts). */
export function PassphraseStrengthMeter({ passphrase }: { passphrase: string }) {
  const strength = assessPassphrase(passphrase);
  return (
    <Stack gap={4} data-testid="strength">
      <Progress
        value={passphrase ? Math.max(strength.percent, 5) : 0}
        color={COLORS[strength.level]}
        size="sm"
        aria-label={`Passphrase strength: ${strength.label}`}
      />
      <Text size="xs" c="dimmed">
        {passphrase ? `Strength: ${strength.label} (about ${strength.bits} bits)` : `At least ${MIN_PASSPHRASE_LENGTH} characters, no common password or pattern, fair strength or better. Several unrelated words work well.`}
      </Text>
      {passphrase && strength.advice.length > 0 && (
        <List size="xs" c="dimmed" spacing={0}>
          {strength.advice.map((line) => (
            <List.Item key={line}>{line}</List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}
