import { useEffect, useRef } from 'react';

/** True when the key went to a text field, where letters are text and not shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * Single-key and "g then x" shortcuts outside text fields (mod+K and mod+L are handled by
 * Mantine's hotkeys, which also work inside fields).
 */
export function useGlobalKeys(handlers: { onHelp: () => void; onGo: (key: string) => void }): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    let pendingG = 0;
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTypingTarget(event.target)) return;
      if (event.key === '?') {
        event.preventDefault();
        latest.current.onHelp();
        return;
      }
      if (pendingG && Date.now() - pendingG < 1500 && /^[a-z]$/.test(event.key)) {
        pendingG = 0;
        latest.current.onGo(event.key);
        return;
      }
      pendingG = event.key === 'g' ? Date.now() : 0;
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
