/**
 * One reconcile of an Experiment, pure (time is an input): how many pods each template runs,
 * which AnalysisRuns should exist, and the phase, as Argo Rollouts' experiment controller:
 *
 * - Pending until every template has its pods available (`availableAt`), Failed when that takes
 *   longer than progressDeadlineSeconds;
 * - Running from `availableAt`, with one AnalysisRun per analysis;
 * - the worst finished analysis ends it at once: Failed > Error > Inconclusive;
 * - otherwise it ends Successful when `duration` has passed since `availableAt` and every analysis
 *   marked requiredForCompletion has finished; without a duration, when the required analyses (all
 *   analyses when none is marked) have finished; `terminate` ends it at once;
 * - once ended, running analyses are terminated and the ReplicaSets scaled to 0 after
 *   scaleDownDelaySeconds.
 *
 * Each change of phase is an event (`phaseEvents`: `Experiment<Phase>`, a Warning for Failed and
 * Error, as Argo records them); the shell writes it into status.outbox in the same status patch.
 */
import { formatDurationMs, parseDurationMs } from '../kernel/duration.ts';
import type { RolloutEvent } from '../types.ts';

export type ExperimentPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

export interface ExperimentSpecView {
  duration?: string;
  progressDeadlineSeconds?: number;
  terminate?: boolean;
  scaleDownDelaySeconds?: number;
  templates: { name: string; replicas?: number }[];
  analyses?: { name: string; requiredForCompletion?: boolean }[];
}

export interface ExperimentStatusView {
  phase?: ExperimentPhase;
  message?: string;
  availableAt?: string;
  finishedAt?: string;
}

export interface ExperimentInput {
  spec: ExperimentSpecView;
  status: ExperimentStatusView;
  createdAt: number;
  /** Available pods per template name (absent: no ReplicaSet yet). */
  available: Readonly<Record<string, number>>;
  /** Phase and message of each analysis' run, by analysis name (absent: not created yet). */
  runs: Readonly<Record<string, { phase: ExperimentPhase; message?: string }>>;
  now: number;
}

export interface ExperimentDecision {
  /** Pods each template's ReplicaSet should have. */
  replicas: Record<string, number>;
  /** Analyses whose AnalysisRun should exist (the shell creates the missing). */
  analyses: string[];
  /** Analyses whose running AnalysisRun should be terminated. */
  terminate: string[];
  status: ExperimentStatusView;
  requeueAfterMs?: number;
}

export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

const FINISHED: readonly ExperimentPhase[] = ['Successful', 'Failed', 'Error', 'Inconclusive'];
export const isFinishedPhase = (phase: ExperimentPhase | undefined): boolean =>
  phase !== undefined && FINISHED.includes(phase);

/** The events of a status change: its change of phase, if any. */
export function phaseEvents(before: ExperimentStatusView, after: ExperimentStatusView): RolloutEvent[] {
  const phase = after.phase;
  if (phase === undefined || phase === before.phase) return [];
  const warning = phase === 'Failed' || phase === 'Error';
  const from = before.phase === undefined ? '' : `${before.phase} -> `;
  return [
    {
      type: warning ? 'Warning' : 'Normal',
      reason: `Experiment${phase}`,
      message: `Experiment ${from}${phase}${after.message === undefined ? '' : `: ${after.message}`}`,
    },
  ];
}

export function decideExperiment(input: ExperimentInput): ExperimentDecision {
  const { spec, status, now } = input;
  const wanted = Object.fromEntries(spec.templates.map((t) => [t.name, t.replicas ?? 1]));
  const analyses = (spec.analyses ?? []).map((a) => a.name);
  const running = analyses.filter((name) => !isFinishedPhase(input.runs[name]?.phase) && input.runs[name]);

  if (isFinishedPhase(status.phase)) return ended(input, wanted, running);

  const allAvailable = spec.templates.every((t) => (input.available[t.name] ?? 0) >= (wanted[t.name] ?? 1));
  const availableAt = status.availableAt ?? (allAvailable ? new Date(now).toISOString() : undefined);
  if (availableAt === undefined) {
    const deadlineMs = (spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS) * 1000;
    if (spec.terminate === true)
      return finish(input, wanted, running, 'Successful', 'Terminated before it ran');
    if (now - input.createdAt > deadlineMs) {
      return finish(input, wanted, running, 'Failed', `templates not available within ${deadlineMs / 1000}s`);
    }
    return {
      replicas: wanted,
      analyses: [],
      terminate: [],
      status: { ...status, phase: 'Pending', message: 'waiting for every template to be available' },
      requeueAfterMs: Math.max(0, input.createdAt + deadlineMs - now) + 1,
    };
  }

  const worst = worstRun(input, analyses);
  if (worst !== undefined) {
    return finish(
      input,
      wanted,
      running,
      worst.phase,
      `analysis ${worst.name} ${worst.phase}${worst.message ? `: ${worst.message}` : ''}`,
      availableAt,
    );
  }
  if (spec.terminate === true) return finish(input, wanted, running, 'Successful', 'Terminated', availableAt);

  const durationMs =
    spec.duration === undefined ? undefined : parseDurationMs(spec.duration, 'spec.duration');
  const startedMs = Date.parse(availableAt);
  const durationOver = durationMs !== undefined && now >= startedMs + durationMs;
  const complete = completed(input, durationMs, durationOver);
  if (complete) {
    const why = durationMs === undefined ? 'analyses completed' : `ran for ${formatDurationMs(durationMs)}`;
    return finish(input, wanted, running, 'Successful', why, availableAt);
  }
  const next = durationMs !== undefined && !durationOver ? startedMs + durationMs - now : undefined;
  return {
    replicas: wanted,
    analyses,
    terminate: [],
    status: {
      ...status,
      phase: 'Running',
      message:
        durationMs === undefined
          ? 'running until its analyses complete'
          : `running until ${new Date(startedMs + durationMs).toISOString()}`,
      availableAt,
    },
    ...(next === undefined ? {} : { requeueAfterMs: next + 1 }),
  };
}

/** With a duration: it has passed and the required analyses finished; without: those finished. */
function completed(input: ExperimentInput, durationMs: number | undefined, durationOver: boolean): boolean {
  const analyses = input.spec.analyses ?? [];
  const required = analyses.filter((a) => a.requiredForCompletion === true).map((a) => a.name);
  const done = (names: string[]) => names.every((name) => isFinishedPhase(input.runs[name]?.phase));
  if (durationMs !== undefined) return durationOver && done(required);
  const pool = required.length > 0 ? required : analyses.map((a) => a.name);
  return pool.length > 0 && done(pool);
}

const SEVERITY: Partial<Record<ExperimentPhase, number>> = { Failed: 3, Error: 2, Inconclusive: 1 };

function worstRun(
  input: ExperimentInput,
  analyses: readonly string[],
): { name: string; phase: ExperimentPhase; message?: string } | undefined {
  let worst: { name: string; phase: ExperimentPhase; message?: string } | undefined;
  for (const name of analyses) {
    const run = input.runs[name];
    const severity = run ? (SEVERITY[run.phase] ?? 0) : 0;
    if (run && severity > 0 && (worst === undefined || severity > (SEVERITY[worst.phase] ?? 0))) {
      worst = { name, ...run };
    }
  }
  return worst;
}

function finish(
  input: ExperimentInput,
  wanted: Record<string, number>,
  running: string[],
  phase: ExperimentPhase,
  message: string,
  availableAt?: string,
): ExperimentDecision {
  const status: ExperimentStatusView = {
    ...input.status,
    phase,
    message,
    ...(availableAt === undefined ? {} : { availableAt }),
    finishedAt: new Date(input.now).toISOString(),
  };
  return ended({ ...input, status }, wanted, running);
}

/** After the end: terminate what runs, keep the pods for the scale-down delay, then scale to 0. */
function ended(
  input: ExperimentInput,
  wanted: Record<string, number>,
  running: string[],
): ExperimentDecision {
  const finishedAt = Date.parse(input.status.finishedAt ?? new Date(input.now).toISOString());
  const delayMs = (input.spec.scaleDownDelaySeconds ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS) * 1000;
  const scaleDownAt = finishedAt + delayMs;
  const scaled = input.now >= scaleDownAt;
  return {
    replicas: Object.fromEntries(Object.keys(wanted).map((name) => [name, scaled ? 0 : (wanted[name] ?? 0)])),
    analyses: (input.spec.analyses ?? []).map((a) => a.name).filter((name) => input.runs[name] !== undefined),
    terminate: running,
    status: input.status,
    ...(scaled ? {} : { requeueAfterMs: scaleDownAt - input.now + 1 }),
  };
}
