/**
 * A canary share in percent (the strategy's unit) on a router's scale: `maxTrafficWeight`
 * (default 100) is the total, the canary gets its rounded share and the stable the rest, so the
 * two always add up to the total.
 */
export function routerWeights(
  canaryPercent: number,
  maxTrafficWeight: number,
): { canary: number; stable: number } {
  const percent = Math.min(100, Math.max(0, canaryPercent));
  const canary = Math.round((percent * maxTrafficWeight) / 100);
  return { canary, stable: maxTrafficWeight - canary };
}

/**
 * The canary share, each extra destination's share (experiment templates, in percent too) and
 * the stable's rest, on the router's scale: the shares always add up to `maxTrafficWeight`.
 */
export function routerSplit(
  canaryPercent: number,
  extra: readonly { service: string; weight: number }[],
  maxTrafficWeight: number,
): { canary: number; stable: number; extra: { service: string; weight: number }[] } {
  const { canary } = routerWeights(canaryPercent, maxTrafficWeight);
  const scaled = extra.map(({ service, weight }) => ({
    service,
    weight: routerWeights(weight, maxTrafficWeight).canary,
  }));
  const rest = maxTrafficWeight - canary - scaled.reduce((sum, d) => sum + d.weight, 0);
  return { canary, stable: Math.max(0, rest), extra: scaled };
}
