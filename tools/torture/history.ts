/**
 * What the torture checker reads, as plain data: the status history of each Rollout (every
 * version the driver's watch delivered), the AnalysisRuns it saw, and the Events at the end.
 * The watch log is written as JSON lines of these records.
 */
export interface OutboxView {
  id: string;
  reason: string;
  message: string;
  step?: number;
}

export interface StatusView {
  currentPodHash?: string;
  stableRS?: string;
  currentStepIndex?: number;
  phase?: string;
  abort?: boolean;
  /** status.<strategy>.attempt: bumped when the steps start over. */
  attempt?: number;
  paused?: boolean;
  outbox?: OutboxView[];
}

export interface MeasurementView {
  phase: string;
  value?: string;
}

export type HistoryRecord =
  | { kind: 'rollout'; at: number; type: string; name: string; rv: string; status: StatusView }
  | {
      kind: 'run';
      at: number;
      type: string;
      name: string;
      rollout: string;
      /** The bellwether.dev/analysis-id label: `<podHash>-<attempt>-<what>`. */
      id: string;
      phase?: string;
      measurements: MeasurementView[];
    }
  /** The watch was relisted (410, API server restart): changes in between may be missing. */
  | { kind: 'gap'; at: number; resource: string };

export interface EventView {
  name: string;
  rollout: string;
  type: string;
  reason: string;
  message: string;
  count: number;
}

interface RolloutLike {
  metadata?: { name?: string; resourceVersion?: string };
  status?: {
    currentPodHash?: string;
    stableRS?: string;
    currentStepIndex?: number;
    phase?: string;
    abort?: boolean;
    pauseConditions?: unknown[];
    canary?: { attempt?: number };
    blueGreen?: { attempt?: number };
    abTest?: { attempt?: number };
    outbox?: OutboxView[];
  };
}

export function statusView(ro: RolloutLike): StatusView {
  const s = ro.status ?? {};
  const attempt = s.canary?.attempt ?? s.blueGreen?.attempt ?? s.abTest?.attempt;
  return {
    ...(s.currentPodHash === undefined ? {} : { currentPodHash: s.currentPodHash }),
    ...(s.stableRS === undefined ? {} : { stableRS: s.stableRS }),
    ...(s.currentStepIndex === undefined ? {} : { currentStepIndex: s.currentStepIndex }),
    ...(s.phase === undefined ? {} : { phase: s.phase }),
    ...(s.abort === undefined ? {} : { abort: s.abort }),
    ...(attempt === undefined ? {} : { attempt }),
    paused: (s.pauseConditions?.length ?? 0) > 0,
    ...(s.outbox?.length
      ? {
          outbox: s.outbox.map((e) => ({
            id: e.id,
            reason: e.reason,
            message: e.message,
            ...(e.step === undefined ? {} : { step: e.step }),
          })),
        }
      : {}),
  };
}

interface RunLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: { phase?: string; metricResults?: { measurements?: { phase?: string; value?: string }[] }[] };
}

export function runRecord(type: string, run: RunLike, at: number): HistoryRecord {
  return {
    kind: 'run',
    at,
    type,
    name: run.metadata?.name ?? '',
    rollout: run.metadata?.labels?.['bellwether.dev/rollout'] ?? '',
    id: run.metadata?.labels?.['bellwether.dev/analysis-id'] ?? '',
    ...(run.status?.phase === undefined ? {} : { phase: run.status.phase }),
    measurements: (run.status?.metricResults ?? []).flatMap((r) =>
      (r.measurements ?? []).map((m) => ({
        phase: m.phase ?? '',
        ...(m.value === undefined ? {} : { value: m.value }),
      })),
    ),
  };
}
