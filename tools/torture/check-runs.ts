import {
  findings,
  rolloutRecords,
  type CheckInput,
  type Findings,
  type RolloutExpectation,
} from './check-types.ts';
import type { HistoryRecord, MeasurementView } from './history.ts';

type RunRecord = Extract<HistoryRecord, { kind: 'run' }>;

/**
 * Analysis ids are `<podHash>-<attempt>-<what>` (s<step>, bg, pre, post). One verdict per version
 * and purpose: two runs with different names for the same version and purpose are a duplicate
 * (a retry would bump the attempt; the torture makes none).
 */
export function purposeOf(id: string): string {
  const parts = id.split('-');
  return parts.length >= 3 ? `${parts[0] ?? ''}-${parts.slice(2).join('-')}` : id;
}

export function checkDuplicateRuns(input: CheckInput): Findings {
  const names = new Map<string, Set<string>>();
  for (const record of input.history) {
    if (record.kind !== 'run' || record.id === '') continue;
    const key = `${record.rollout}/${purposeOf(record.id)}`;
    const set = names.get(key) ?? new Set<string>();
    set.add(record.name);
    names.set(key, set);
  }
  const details: string[] = [];
  for (const [key, set] of names)
    if (set.size > 1) details.push(`${key}: ${String(set.size)} runs (${[...set].join(', ')})`);
  return findings(details);
}

/** A measurement that says nothing about the version: no value, an empty result, NaN. */
export function missingData(m: MeasurementView): boolean {
  const value = m.value?.trim() ?? '';
  return value === '' || value === '[]' || /\bNaN\b/.test(value) || value === 'null';
}

/**
 * A gate passed without data: the new version went past its analysis (the step index beyond the
 * analysis step, or a blue-green promotion) while no run for that version and purpose ended
 * Successful, or the Successful run counted a measurement without data as a success.
 */
export function checkPromotionsOnMissingData(input: CheckInput): Findings {
  const runs = latestRuns(input.history);
  const histories = rolloutRecords(input.history);
  const details: string[] = [];
  for (const expectation of input.expectations) {
    const { name, gate } = expectation;
    if (gate === undefined) continue;
    const suffix = gate === 'prePromotion' ? 'pre' : `s${String(gate.step)}`;
    for (const hash of passedGate(expectation, histories.get(name) ?? [], input)) {
      const run = [...runs.values()].find(
        (r) => r.rollout === name && purposeOf(r.id) === `${hash}-${suffix}` && r.phase === 'Successful',
      );
      if (!run) details.push(`${name}: version ${hash} passed its ${suffix} analysis with no Successful run`);
      else if (run.measurements.some((m) => m.phase === 'Successful' && missingData(m)))
        details.push(`${name}: run ${run.name} counted a measurement without data as Successful`);
    }
  }
  return findings(details);
}

/** The versions of the Rollout that went past its analysis gate. */
function passedGate(
  expectation: RolloutExpectation,
  records: ReturnType<typeof rolloutRecords> extends Map<string, infer V> ? V : never,
  input: CheckInput,
): Set<string> {
  const passed = new Set<string>();
  const { gate, name, oldHash } = expectation;
  if (gate === 'prePromotion') {
    const final = input.final.get(name);
    if (final?.stableRS && final.stableRS !== oldHash) passed.add(final.stableRS);
    return passed;
  }
  for (const record of records) {
    if (record.kind !== 'rollout' || gate === undefined) continue;
    const s = record.status;
    if (s.currentPodHash && s.currentPodHash !== s.stableRS && (s.currentStepIndex ?? 0) > gate.step)
      passed.add(s.currentPodHash);
  }
  const final = input.final.get(name);
  if (final?.stableRS && final.stableRS !== oldHash) passed.add(final.stableRS);
  return passed;
}

/** The last recorded state of every run, by name. */
function latestRuns(history: readonly HistoryRecord[]): Map<string, RunRecord> {
  const runs = new Map<string, RunRecord>();
  for (const record of history)
    if (record.kind === 'run' && record.type !== 'DELETED') runs.set(record.name, record);
  return runs;
}
