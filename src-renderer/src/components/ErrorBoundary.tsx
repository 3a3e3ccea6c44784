import { Alert, Button, Code, Group, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface ErrorBoundaryProps {
  /** What failed, for the title: "This screen", "Hearth". */
  what: string;
  /** When it changes (the user went elsewhere), a shown error is cleared and the children render again. */
  resetKey?: string;
  children: ReactNode;
}

interface ErrorBoundaryState {
  error: Error | null;
}

/**
 * A rendering error replaces the part of the page it happened in with an explanation and a way
 * out, instead of React unmounting the whole app (a blank window). The vault is not touched: the
 * data lives in the main process, so "Try again" only renders the screen afresh. The message is
 * the exception's own (from our code, never resource content), shown and not logged anywhere.
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { error: null };

  static getDerivedStateFromError(error: unknown): ErrorBoundaryState {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(_error: Error, _info: ErrorInfo): void {
    // React already reports the error to the console; nothing is sent anywhere.
  }

  override componentDidUpdate(previous: ErrorBoundaryProps): void {
    if (this.state.error && previous.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <Alert color="red" variant="light" title={`${this.props.what} failed to display`} icon={<IconAlertTriangle size={18} />} role="alert" data-testid="render-error">
        <Text size="sm">
          Your data is safe: nothing was written. Try again, or go to another screen. If it happens again, the message below
          says where it failed.
        </Text>
        <Code block mt="xs">
          {error.message}
        </Code>
        <Group mt="sm">
          <Button size="xs" variant="outline" color="red" onClick={() => this.setState({ error: null })}>
            Try again
          </Button>
        </Group>
      </Alert>
    );
  }
}
