import { Alert, Button, Group, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { describeOutcome, type OperationOutcome } from '../../../src-main/api/result';

/** An OperationOutcome shown as an alert, with a Retry when the caller can retry. */
export function ErrorAlert({
  error,
  title = 'Something went wrong',
  onRetry,
}: {
  error: OperationOutcome;
  title?: string;
  onRetry?: () => void;
}) {
  const extra = (error.issue ?? []).slice(1, 4);
  return (
    <Alert color="red" variant="light" title={title} icon={<IconAlertTriangle size={18} />} role="alert">
      <Text size="sm">{describeOutcome(error)}</Text>
      {extra.map((issue, index) => (
        <Text size="xs" c="dimmed" key={index}>
          {issue.diagnostics ?? issue.details?.text ?? issue.code}
        </Text>
      ))}
      {onRetry && (
        <Group mt="sm">
          <Button size="xs" variant="outline" color="red" onClick={onRetry}>
            Retry
          </Button>
        </Group>
      )}
    </Alert>
  );
}
