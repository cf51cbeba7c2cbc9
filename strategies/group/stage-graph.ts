/**
 * The stages of a RolloutGroup as a DAG: problems of the graph (names, dependsOn, cycles) and
 * the order members are released in. Pure; also used by `bellwether lint` (src/api/semantics.ts).
 */
import type { GroupStageView } from './types.ts';

export interface SpecProblem {
  /** Field path, e.g. `spec.stages[1].dependsOn[0]`. */
  path: string;
  message: string;
}

/** Duplicate names, unknown dependsOn, and cycles (named through the stages that form them). */
export function stageGraphProblems(
  stages: readonly Pick<GroupStageView, 'name' | 'dependsOn'>[],
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const index = new Map<string, number>();
  stages.forEach((stage, i) => {
    if (index.has(stage.name))
      problems.push({ path: `spec.stages[${i}].name`, message: `duplicate stage "${stage.name}"` });
    else index.set(stage.name, i);
  });
  stages.forEach((stage, i) => {
    (stage.dependsOn ?? []).forEach((dep, j) => {
      if (!index.has(dep))
        problems.push({ path: `spec.stages[${i}].dependsOn[${j}]`, message: `no stage named "${dep}"` });
      else if (dep === stage.name)
        problems.push({
          path: `spec.stages[${i}].dependsOn[${j}]`,
          message: 'a stage cannot depend on itself',
        });
    });
  });
  if (problems.length > 0) return problems;
  const cycle = findCycle(stages);
  if (cycle) {
    const first = index.get(cycle[0] ?? '') ?? 0;
    problems.push({ path: `spec.stages[${first}].dependsOn`, message: `cycle ${cycle.join(' -> ')}` });
  }
  return problems;
}

function findCycle(stages: readonly Pick<GroupStageView, 'name' | 'dependsOn'>[]): string[] | undefined {
  const deps = new Map(stages.map((s) => [s.name, s.dependsOn ?? []]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'open');
    path.push(name);
    for (const dep of deps.get(name) ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const stage of stages) {
    const found = visit(stage.name);
    if (found) return found;
  }
  return undefined;
}

/** Stage names in release order: dependencies first, otherwise as declared. Needs a valid graph. */
export function stageOrder(stages: readonly Pick<GroupStageView, 'name' | 'dependsOn'>[]): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const deps = new Map(stages.map((s) => [s.name, s.dependsOn ?? []]));
  const place = (name: string): void => {
    if (placed.has(name)) return;
    placed.add(name);
    for (const dep of deps.get(name) ?? []) place(dep);
    order.push(name);
  };
  for (const stage of stages) place(stage.name);
  return order;
}

/** Every stage `name` depends on, directly or through others. Needs a valid graph. */
export function ancestors(
  stages: readonly Pick<GroupStageView, 'name' | 'dependsOn'>[],
  name: string,
): Set<string> {
  const deps = new Map(stages.map((s) => [s.name, s.dependsOn ?? []]));
  const seen = new Set<string>();
  const walk = (n: string): void => {
    for (const dep of deps.get(n) ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      walk(dep);
    }
  };
  walk(name);
  return seen;
}
