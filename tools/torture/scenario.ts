import { SeededRandom } from '../../test/support/seeded-random.ts';

/**
 * The torture run as data, drawn from one seed: which Rollouts exist (strategy, good or bad new
 * version, what the operator does), when each gets its update, and when the faults strike. Pure,
 * so the same seed replays the same run (timing of the machine aside).
 */
export const strategies = ['canary', 'canary-router', 'blue-green', 'ab-test', 'rolling'] as const;
export type StrategyKind = (typeof strategies)[number];

/** What the operator does once the Rollout waits at its manual gate. */
export type OperatorAction = 'promote' | 'abort' | 'none';

export interface RolloutPlan {
  name: string;
  strategy: StrategyKind;
  /** The new version fails its metrics (error rate 50%): its analysis must fail. */
  bad: boolean;
  operator: OperatorAction;
  /** When the new version is released, ms after the start of the fault window. */
  updateAtMs: number;
  /** How long the operator waits once the Rollout is paused at its gate. */
  operatorDelayMs: number;
}

export type FaultKind = 'kill-controller' | 'restart-apiserver' | 'restart-prometheus';

export interface Fault {
  atMs: number;
  kind: FaultKind;
  /** Controller kills: how long it stays down before it is started again. */
  downMs: number;
}

export interface ScenarioOptions {
  seed: number;
  rollouts: number;
  kills: number;
  apiServerRestarts: number;
  prometheusRestarts: number;
  /** The window in which updates are released and faults strike. */
  windowMs: number;
}

export interface Scenario {
  options: ScenarioOptions;
  rollouts: RolloutPlan[];
  /** In time order. */
  faults: Fault[];
}

/** Which final state a plan calls for: the new version stable, or the old one kept (aborted). */
export function expectedOutcome(plan: RolloutPlan): 'promoted' | 'aborted' {
  if (plan.strategy === 'rolling') return 'promoted';
  if (plan.bad || plan.operator === 'abort') return 'aborted';
  return 'promoted';
}

export function scenario(options: ScenarioOptions): Scenario {
  const random = new SeededRandom(options.seed);
  const rollouts: RolloutPlan[] = [];
  for (let i = 0; i < options.rollouts; i++) {
    const strategy = strategies[i % strategies.length] ?? 'canary';
    const gated = strategy !== 'rolling';
    // A bad version never reaches the operator's gate (its analysis comes first), so it gets no action.
    const bad = gated && random.chance(0.25);
    const operator: OperatorAction = !gated || bad ? 'none' : random.chance(0.3) ? 'abort' : 'promote';
    rollouts.push({
      name: `${strategy}-${String(i).padStart(3, '0')}`,
      strategy,
      bad,
      operator,
      // Releases spread over the first 70% of the window, so faults keep meeting Rollouts mid-way.
      updateAtMs: Math.round(random.between(0, 0.7 * options.windowMs)),
      operatorDelayMs: Math.round(random.between(500, 20_000)),
    });
  }
  const faults: Fault[] = [];
  const at = () => Math.round(random.between(0.05 * options.windowMs, options.windowMs));
  for (let i = 0; i < options.kills; i++)
    faults.push({ atMs: at(), kind: 'kill-controller', downMs: Math.round(random.between(0, 3000)) });
  for (let i = 0; i < options.apiServerRestarts; i++)
    faults.push({ atMs: at(), kind: 'restart-apiserver', downMs: 0 });
  for (let i = 0; i < options.prometheusRestarts; i++)
    faults.push({ atMs: at(), kind: 'restart-prometheus', downMs: 0 });
  faults.sort((a, b) => a.atMs - b.atMs);
  return { options, rollouts, faults };
}
