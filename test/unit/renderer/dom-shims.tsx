import { configure } from '@testing-library/react';
/**
 * (A .tsx file so that it is type-checked with the DOM library, by tsconfig.web.json.)
 * jsdom lacks a few browser APIs Mantine uses (matchMedia, ResizeObserver, scrollIntoView).
 * Installed per test file, before rendering.
 */
export function installDomShims(): void {
  // findBy*/waitFor wait 1 s by default: too short when the machine is busy with other test files
  // (a screen that renders in 50 ms alone took over a second in a loaded full run).
  configure({ asyncUtilTimeout: 5000 });
  if (!window.matchMedia) {
    window.matchMedia = (query: string): MediaQueryList => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    });
  }
  if (!('ResizeObserver' in window)) {
    class NoopResizeObserver {
      observe(): void {}
      unobserve(): void {}
      disconnect(): void {}
    }
    Object.defineProperty(window, 'ResizeObserver', { value: NoopResizeObserver, writable: true });
  }
  if (!Element.prototype.scrollIntoView) {
    Element.prototype.scrollIntoView = () => undefined;
  }
}
