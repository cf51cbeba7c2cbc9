/**
 * A model of a group release: members start only when their group's hold lets them, advance a
 * canary step only up to the lockstep limit, and the group decides again at any moment (its
 * status is the only thing carried from one decision to the next, as after a restart). For any
 * interleaving: never more than maxInProgress in flight, no member starts before every stage it
 * depends on is Healthy, lockstep members are never more than one step apart, every decision is
 * a fixpoint (deciding again from its own status changes nothing), and once the world is given
 * a fair turn every member ends Healthy on its new version.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideGroup } from './decide.ts';
import { memberHold } from './hold.ts';
import { ancestors } from './stage-graph.ts';
import type { GroupSpecView, GroupStatusView, RolloutView } from './types.ts';

const STEPS = 3;
const NOW = Date.parse('2024-01-01T00:00:00Z');

interface Model {
  spec: GroupSpecView;
  group: GroupStatusView;
  rollouts: RolloutView[];
}

const pendingMember = (name: string): RolloutView => ({
  name,
  labels: { app: 'shop' },
  desiredHash: 'v2',
  strategy: 'canary',
  steps: STEPS,
  status: { phase: 'Healthy', currentPodHash: 'v1', stableRS: 'v1', currentStepIndex: STEPS },
});

type Action = { kind: 'group' } | { kind: 'member'; index: number };

/** Group specs: stages as a random DAG (each stage depends on earlier ones), lockstep, a cap. */
const specs = fc
  .record({
    members: fc.integer({ min: 2, max: 6 }),
    mode: fc.constantFrom('stages', 'lockstep', 'cap', 'stages+cap'),
    cap: fc.integer({ min: 1, max: 3 }),
    stageOf: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    edges: fc.array(fc.boolean(), { minLength: 36, maxLength: 36 }),
  })
  .map(({ members, mode, cap, stageOf, edges }) => {
    const names = Array.from({ length: members }, (_, i) => `m${i}`);
    const spec: GroupSpecView = { members: { selector: { matchLabels: { app: 'shop' } } } };
    if (mode.startsWith('stages')) {
      const stageCount = Math.min(3, members);
      const stages = Array.from({ length: stageCount }, (_, s) => ({
        name: `s${s}`,
        rollouts: names.filter((_, i) => (i < stageCount ? i : (stageOf[i] ?? 0) % stageCount) === s),
        dependsOn: Array.from({ length: s }, (_, d) => d)
          .filter((d) => edges[s * 6 + d])
          .map((d) => `s${d}`),
      }));
      spec.stages = stages;
    }
    if (mode === 'lockstep') spec.lockstep = true;
    if (mode.endsWith('cap')) spec.maxInProgress = cap;
    return { spec, names };
  });

const actions = (members: number) =>
  fc.array(
    fc.oneof(
      fc.constant<Action>({ kind: 'group' }),
      fc.nat({ max: members - 1 }).map<Action>((index) => ({ kind: 'member', index })),
    ),
    { maxLength: 120 },
  );

function decide(model: Model): Model {
  const decision = decideGroup({
    generation: 1,
    spec: model.spec,
    status: model.group,
    rollouts: model.rollouts,
    now: NOW,
  });
  // Deciding again from its own status is a fixpoint: what a restarted controller would see.
  const again = decideGroup({
    generation: 1,
    spec: model.spec,
    status: decision.status,
    rollouts: model.rollouts,
    now: NOW,
  });
  expect(again.status).toStrictEqual(decision.status);
  expect(decision.abortMembers).toEqual([]);
  return { ...model, group: decision.status };
}

/** One reconcile of a member: start if allowed, else one step forward if the limit allows. */
function reconcileMember(model: Model, index: number, checkStart: (m: Model, name: string) => void): Model {
  const ro = model.rollouts[index];
  if (!ro) return model;
  const hold = memberHold(ro.name, [
    { name: 'g', generation: 1, lockstep: model.spec.lockstep === true, status: model.group },
  ]);
  const s = ro.status;
  let status = s;
  if (s.currentPodHash !== ro.desiredHash) {
    if (hold?.waiting !== undefined) return model;
    checkStart(model, ro.name);
    status = { phase: 'Progressing', currentPodHash: 'v2', stableRS: 'v1', currentStepIndex: 0 };
  } else if (s.stableRS !== s.currentPodHash) {
    const step = s.currentStepIndex ?? 0;
    if (step + 1 > (hold?.maxStepIndex ?? Infinity)) return model;
    status =
      step + 1 >= STEPS
        ? { phase: 'Healthy', currentPodHash: 'v2', stableRS: 'v2', currentStepIndex: STEPS }
        : { ...s, currentStepIndex: step + 1 };
  }
  const rollouts = model.rollouts.map((r, i) => (i === index ? { ...r, status } : r));
  return { ...model, rollouts };
}

const inFlight = (ro: RolloutView) => ro.status.currentPodHash === 'v2' && ro.status.stableRS !== 'v2';
const stepOf = (ro: RolloutView) =>
  ro.status.currentPodHash !== 'v2'
    ? 0
    : ro.status.stableRS === 'v2'
      ? STEPS
      : (ro.status.currentStepIndex ?? 0);

describe('a group release, any interleaving', () => {
  it('keeps the cap, the order and lockstep, and always finishes', () => {
    fc.assert(
      fc.property(
        specs.chain(({ spec, names }) =>
          fc.tuple(fc.constant(spec), fc.constant(names), actions(names.length)),
        ),
        ([spec, names, schedule]) => {
          let model: Model = { spec, group: {}, rollouts: names.map(pendingMember) };
          const checkStart = (m: Model, name: string) => {
            const stage = spec.stages?.find((s) => s.rollouts?.includes(name));
            if (!stage || !spec.stages) return;
            for (const before of ancestors(spec.stages, stage.name)) {
              for (const dep of spec.stages.find((s) => s.name === before)?.rollouts ?? []) {
                expect(
                  m.rollouts.find((r) => r.name === dep)?.status.stableRS,
                  `${name} started before ${dep}`,
                ).toBe('v2');
              }
            }
          };
          const invariants = (m: Model) => {
            if (spec.maxInProgress !== undefined)
              expect(m.rollouts.filter(inFlight).length).toBeLessThanOrEqual(spec.maxInProgress);
            if (spec.lockstep) {
              const steps = m.rollouts.map(stepOf);
              expect(Math.max(...steps) - Math.min(...steps)).toBeLessThanOrEqual(1);
            }
          };
          const apply = (action: Action) => {
            model =
              action.kind === 'group' ? decide(model) : reconcileMember(model, action.index, checkStart);
            invariants(model);
          };
          schedule.forEach(apply);
          // A fair turn: the group, then every member, until all are Healthy on v2.
          for (let round = 0; round < 4 * names.length * (STEPS + 2); round++) {
            apply({ kind: 'group' });
            names.forEach((_, index) => {
              apply({ kind: 'member', index });
            });
          }
          expect(model.rollouts.map((r) => `${r.name}:${r.status.stableRS}`)).toEqual(
            names.map((n) => `${n}:v2`),
          );
          expect(decide(model).group.phase).toBe('Healthy');
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);
});
