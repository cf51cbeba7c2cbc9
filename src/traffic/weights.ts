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
