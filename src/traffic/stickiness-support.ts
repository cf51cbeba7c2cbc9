/**
 * Which router keeps A/B users on their variant, and how (spec.strategy.abTest.stickiness). Pure;
 * checked with the other spec problems, so an unsupported combination is an InvalidSpec naming the
 * field instead of a test whose users hop between variants.
 *
 * What each router supports is the `stickiness` column of the router table (src/api/routers.ts).
 */
import type { RolloutSpecView } from '../../strategies/types.ts';
import { routerKindList, routerTable, type RouterKind } from '../api/routers.ts';

export function abTestStickinessProblems(spec: RolloutSpecView): string[] {
  const abTest = spec.strategy.abTest;
  if (abTest === undefined) return [];
  const routing = (abTest.trafficRouting ?? {}) as Partial<Record<RouterKind, unknown>>;
  const how = abTest.stickiness.cookie !== undefined ? 'cookie' : 'header';
  const supported = routerKindList.filter((kind) => routerTable[kind].stickiness[how]);
  return routerKindList
    .filter((kind) => routing[kind] !== undefined && !routerTable[kind].stickiness[how])
    .map(
      (kind) =>
        `spec.strategy.abTest.stickiness.${how}: the ${kind} router does not keep users on a variant by ${how} ` +
        `(supported: ${supported.length > 0 ? supported.map((k) => `${k} ${how}`).join(', ') : 'none yet'})`,
    );
}
