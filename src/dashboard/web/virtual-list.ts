import {
  Virtualizer,
  elementScroll,
  observeElementOffset,
  observeElementRect,
  type VirtualizerOptions,
} from '@tanstack/virtual-core';
import { useLayoutEffect, useReducer, useState } from 'preact/hooks';

/**
 * TanStack's framework-free virtualizer bound to preact: only the rows in view (plus overscan)
 * are rendered, so 1,000 Rollouts cost what 30 do.
 */
export function useVirtualizer(
  options: Pick<
    VirtualizerOptions<HTMLDivElement, HTMLDivElement>,
    'count' | 'estimateSize' | 'getScrollElement' | 'overscan'
  >,
): Virtualizer<HTMLDivElement, HTMLDivElement> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const resolved: VirtualizerOptions<HTMLDivElement, HTMLDivElement> = {
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    ...options,
    onChange: () => {
      rerender(undefined);
    },
  };
  const [instance] = useState(() => new Virtualizer(resolved));
  instance.setOptions(resolved);
  useLayoutEffect(() => instance._didMount(), []);
  useLayoutEffect(() => {
    instance._willUpdate();
  });
  return instance;
}
