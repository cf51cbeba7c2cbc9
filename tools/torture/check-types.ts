import type { EventView, HistoryRecord, StatusView } from './history.ts';

/** What the checker is told about one Rollout: its plan's expectation and its analysis gate. */
export interface RolloutExpectation {
  name: string;
  outcome: 'promoted' | 'aborted';
  /**
   * The analysis the new version must pass before it may go on: a step index (canary, A/B), the
   * pre-promotion analysis (blue-green), or none (rolling).
   */
  gate: { step: number } | 'prePromotion' | undefined;
  /** The stable pod template hash before the update. */
  oldHash: string;
}

export interface CheckInput {
  expectations: readonly RolloutExpectation[];
  history: readonly HistoryRecord[];
  events: readonly EventView[];
  /** Each Rollout's status at the end. */
  final: ReadonlyMap<string, StatusView>;
}

export interface Counts {
  repeatedSteps: number;
  skippedSteps: number;
  duplicateAnalysisRuns: number;
  promotionsOnMissingData: number;
  lostEvents: number;
  doubledEvents: number;
  wrongFinalStates: number;
}

/** A check's result: how many, and one line per finding saying what and where. */
export interface Findings {
  count: number;
  details: string[];
}

export function findings(details: string[]): Findings {
  return { count: details.length, details };
}

/** The Rollout records of the history, by Rollout name, in the order the watch delivered them. */
export function rolloutRecords(
  history: readonly HistoryRecord[],
): Map<string, Extract<HistoryRecord, { kind: 'rollout' | 'gap' }>[]> {
  const byName = new Map<string, Extract<HistoryRecord, { kind: 'rollout' | 'gap' }>[]>();
  for (const record of history) {
    if (record.kind === 'gap') {
      if (record.resource !== 'rollouts') continue;
      for (const list of byName.values()) list.push(record);
      continue;
    }
    if (record.kind !== 'rollout' || record.type === 'DELETED') continue;
    const list = byName.get(record.name) ?? [];
    list.push(record);
    byName.set(record.name, list);
  }
  return byName;
}

/** "Step 3/4 (analysis) completed" -> 2 (the 0-based index); undefined when no step is named. */
export function stepIndexOf(message: string): number | undefined {
  const match = /\bStep (\d+)\/\d+/.exec(message);
  return match ? Number(match[1]) - 1 : undefined;
}

/**
 * An outbox Event's place in its Rollout's history: the resourceVersion its status write was
 * based on, and its index in that write (names are `<rollout>.<rv>.<index>`).
 */
export function outboxOrder(event: EventView): [number, number] | undefined {
  const match = /\.(\d+)\.(\d+)$/.exec(event.name);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** A Rollout's outbox Events in the order they were decided. */
export function outboxEvents(events: readonly EventView[], rollout: string): EventView[] {
  return events
    .filter((e) => e.rollout === rollout && outboxOrder(e) !== undefined)
    .sort((a, b) => {
      const [ra = 0, ia = 0] = outboxOrder(a) ?? [];
      const [rb = 0, ib = 0] = outboxOrder(b) ?? [];
      return ra - rb || ia - ib;
    });
}

/** Reasons that start a new sequence of steps: a new version, a retry, an A/B test. */
const segmentStarts = new Set(['RolloutUpdated', 'RolloutRetried', 'AbTestStarted']);

/** A Rollout's outbox Events cut into the step sequences they belong to. */
export function eventSegments(events: readonly EventView[], rollout: string): EventView[][] {
  const segments: EventView[][] = [[]];
  for (const event of outboxEvents(events, rollout)) {
    if (segmentStarts.has(event.reason)) segments.push([]);
    segments.at(-1)?.push(event);
  }
  return segments.filter((s) => s.length > 0);
}
