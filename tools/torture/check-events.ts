import { outboxEventName } from '../../src/controller/event-outbox.ts';
import { eventSegments, findings, type CheckInput, type Findings } from './check-types.ts';

/**
 * Lost: an outbox entry the history saw in status whose Event does not exist, or an entry still
 * in status at the end (never delivered). Doubled: an Event recorded more than once (count > 1),
 * or the same reason and message twice within one step sequence (one decision written twice).
 */
export function checkEvents(input: CheckInput): { lost: Findings; doubled: Findings } {
  const names = new Set(input.events.map((e) => e.name));
  const lost = new Set<string>();
  for (const record of input.history) {
    if (record.kind !== 'rollout') continue;
    for (const entry of record.status.outbox ?? [])
      if (!names.has(outboxEventName(record.name, entry.id)))
        lost.add(`${record.name}: outbox entry ${entry.id} (${entry.reason}) has no Event`);
  }
  for (const [name, status] of input.final)
    for (const entry of status.outbox ?? [])
      lost.add(`${name}: outbox entry ${entry.id} (${entry.reason}) still undelivered at the end`);
  const doubled: string[] = [];
  for (const event of input.events)
    if (event.count > 1)
      doubled.push(`${event.rollout}: Event ${event.name} counted ${String(event.count)} times`);
  for (const { name } of input.expectations) {
    for (const segment of eventSegments(input.events, name)) {
      const seen = new Map<string, string>();
      for (const event of segment) {
        const key = `${event.reason}: ${event.message}`;
        const first = seen.get(key);
        if (first) doubled.push(`${name}: "${key}" twice (${first}, ${event.name})`);
        else seen.set(key, event.name);
      }
    }
  }
  return { lost: findings([...lost]), doubled: findings(doubled) };
}
