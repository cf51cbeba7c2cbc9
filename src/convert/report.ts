/** What `bellwether convert` says about each object it wrote. */
export interface ConvertNote {
  /**
   * dropped: a field Bellwether cannot carry was left out; invalid: the output still fails
   * validation; translated / mapped: carried, in another form (not a loss).
   */
  kind: 'dropped' | 'invalid' | 'translated' | 'mapped';
  /** `Rollout shop/web` (the source object). */
  object: string;
  /** Field path in the source object; empty for the whole object. */
  path: string;
  message: string;
}

export interface Conversion {
  objects: Record<string, unknown>[];
  notes: ConvertNote[];
}

/** True when something was not carried over (exit code 1 unless --allow-lossy). */
export function isLossy(notes: readonly ConvertNote[]): boolean {
  return notes.some((n) => n.kind === 'dropped' || n.kind === 'invalid');
}

/** `dropped: Rollout shop/web: spec.strategy.canary.trafficRouting.alb.servicePorts: not supported by Bellwether` */
export function formatNote(note: ConvertNote): string {
  const where = [note.object, note.path].filter((part) => part !== '').join(': ');
  return `${note.kind}: ${where}: ${note.message}\n`;
}
