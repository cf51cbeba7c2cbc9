import type { CoreV1Event } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../api/rollout.ts';
import { createLogger } from '../log.ts';
import { EventOutbox } from './event-outbox.ts';
import type { RolloutObject } from './rollout-object.ts';

const entry = (id: string, reason = 'RolloutPaused'): OutboxEntry => ({
  id,
  type: 'Normal',
  reason,
  message: `${reason} ${id}`,
  time: '2026-12-05T00:00:00.000Z',
});

const rollout = (outbox: OutboxEntry[]): RolloutObject =>
  ({
    metadata: { name: 'web', namespace: 'ns', uid: 'u1', resourceVersion: '9' },
    spec: {},
    status: { outbox },
  }) as unknown as RolloutObject;

function recorder(failing = new Set<string>()) {
  const created: string[] = [];
  return {
    created,
    deps: {
      log: createLogger('error', {}),
      writer: {
        createEvent: (_namespace: string, event: CoreV1Event) => {
          const name = event.metadata.name ?? '';
          if ([...failing].some((id) => name.endsWith(id))) return Promise.reject(new Error('boom'));
          created.push(name);
          return Promise.resolve();
        },
      },
    },
  };
}

describe('EventOutbox', () => {
  it('creates each Event once and leaves delivered entries out of the next status write', async () => {
    const outbox = new EventOutbox();
    const { created, deps } = recorder();
    const first = rollout([entry('9.0'), entry('9.1', 'RolloutStepStarted')]);
    expect(await outbox.drain(first, first.status?.outbox ?? [], deps)).toEqual({ remaining: [], failed: 0 });
    expect(created.sort()).toEqual(['web.9.0', 'web.9.1']);
    // still in the observed status: not written again, not delivered again
    expect(outbox.undelivered(first)).toEqual([]);
    await outbox.drain(first, first.status?.outbox ?? [], deps);
    expect(created).toHaveLength(2);
    // a later write added one entry: only that one is undelivered
    const later = rollout([entry('9.0'), entry('9.1'), entry('12.0')]);
    expect(outbox.undelivered(later).map((e) => e.id)).toEqual(['12.0']);
  });

  it('keeps an entry whose Event could not be created, and a fresh process delivers what status holds', async () => {
    const outbox = new EventOutbox();
    const failing = recorder(new Set(['9.1']));
    const observed = rollout([entry('9.0'), entry('9.1')]);
    const result = await outbox.drain(observed, observed.status?.outbox ?? [], failing.deps);
    expect(result.failed).toBe(1);
    expect(result.remaining.map((e) => e.id)).toEqual(['9.1']);
    expect(outbox.undelivered(observed).map((e) => e.id)).toEqual(['9.1']);
    // after a restart nothing is remembered: every entry in status is delivered (a 409 when it exists)
    expect(new EventOutbox().undelivered(observed).map((e) => e.id)).toEqual(['9.0', '9.1']);
  });
});
