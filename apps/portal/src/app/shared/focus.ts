import { Injector, afterNextRender, inject } from '@angular/core';

/** Moves keyboard and screen-reader focus to an element once the view shows it (after a step changes). */
export function focuser(): (id: string) => void {
  const injector = inject(Injector);
  return (id: string) =>
    afterNextRender(() => (globalThis.document?.getElementById(id) as HTMLElement | null)?.focus(), { injector });
}
