/**
 * Which router keeps A/B users on their variant, and how (spec.strategy.abTest.stickiness). Pure;
 * checked with the other spec problems, so an unsupported combination is an InvalidSpec naming the
 * field instead of a test whose users hop between variants.
 *
 * gatewayAPI: cookie (gateway-api-stickiness.ts). Header stickiness (a stable hash of a header
 * value) needs consistent hashing per backend, which HTTPRoute cannot express; nginx, istio and
 * smi do not implement either yet.
 */
import type { RolloutSpecView } from '../../strategies/types.ts';
import { ROUTER_KINDS, type RouterKind } from './types.ts';

type Kind = RouterKind;
const KINDS = ROUTER_KINDS;

export const STICKINESS_SUPPORT: Record<Kind, { cookie: boolean; header: boolean }> = {
  nginx: { cookie: false, header: false },
  gatewayAPI: { cookie: true, header: false },
  istio: { cookie: false, header: false },
  smi: { cookie: false, header: false },
  alb: { cookie: false, header: false },
};

export function abTestStickinessProblems(spec: RolloutSpecView): string[] {
  const abTest = spec.strategy.abTest;
  if (abTest === undefined) return [];
  const routing = (abTest.trafficRouting ?? {}) as Partial<Record<Kind, unknown>>;
  const how = abTest.stickiness.cookie !== undefined ? 'cookie' : 'header';
  const supported = KINDS.filter((kind) => STICKINESS_SUPPORT[kind][how]);
  return KINDS.filter((kind) => routing[kind] !== undefined && !STICKINESS_SUPPORT[kind][how]).map(
    (kind) =>
      `spec.strategy.abTest.stickiness.${how}: the ${kind} router does not keep users on a variant by ${how} ` +
      `(supported: ${supported.length > 0 ? supported.map((k) => `${k} ${how}`).join(', ') : 'none yet'})`,
  );
}
