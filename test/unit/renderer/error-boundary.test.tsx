// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorBoundary } from '../../../src-renderer/src/components/ErrorBoundary';
import { installDomShims } from './dom-shims';

installDomShims();
afterEach(cleanup);

let failing = true;
function Fragile() {
  if (failing) throw new Error('report.files is not iterable');
  return <p data-testid="fine">fine</p>;
}

function renderIn(resetKey: string) {
  return (
    <MantineProvider>
      <ErrorBoundary what="This screen" resetKey={resetKey}>
        <Fragile />
      </ErrorBoundary>
      <p data-testid="outside">navigation stays</p>
    </MantineProvider>
  );
}

describe('ErrorBoundary', () => {
  it('shows a rendering error in place of the screen, keeps the rest, and recovers on Try again or on another route', () => {
    // React reports caught render errors on the console; keep the test output readable.
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      failing = true;
      const view = render(renderIn('/import'));
      expect(view.getByTestId('render-error').textContent).toContain('This screen failed to display');
      expect(view.getByTestId('render-error').textContent).toContain('report.files is not iterable');
      expect(view.getByTestId('outside')).toBeTruthy();

      failing = false;
      fireEvent.click(view.getByRole('button', { name: 'Try again' }));
      expect(view.getByTestId('fine')).toBeTruthy();

      failing = true;
      view.rerender(renderIn('/import?job=1'));
      expect(view.getByTestId('render-error')).toBeTruthy();
      failing = false;
      view.rerender(renderIn('/home'));
      expect(view.queryByTestId('render-error')).toBeNull();
      expect(view.getByTestId('fine')).toBeTruthy();
    } finally {
      consoleError.mockRestore();
    }
  });
});
