/**
 * Smooth weighted round robin (the algorithm of NGINX's upstream balancer): every pick adds each
 * target's weight to its running score, takes the highest score and subtracts the total weight
 * from it. Over any window of `total weight` picks each target gets exactly its weight, and the
 * picks are interleaved (5:1 gives a a b a a a a a ... not a a a a a b), so even a short
 * measurement window sees the configured split. Deterministic: ties go to the first target in
 * the order the weights were given.
 */
export class SmoothWeightedRoundRobin {
  private weights = new Map<string, number>();
  private scores = new Map<string, number>();

  constructor(weights: ReadonlyMap<string, number> = new Map()) {
    this.setWeights(weights);
  }

  /**
   * Replaces the weights. Scores of targets that stay are kept, so a change of weights does not
   * restart the cycle (which would favour the first target); new targets start at 0.
   */
  setWeights(weights: ReadonlyMap<string, number>): void {
    const next = new Map<string, number>();
    for (const [target, weight] of weights) {
      if (!Number.isFinite(weight) || weight < 0)
        throw new Error(`weight of ${target} must be >= 0, got ${weight}`);
      if (weight > 0) next.set(target, weight);
    }
    this.weights = next;
    this.scores = new Map([...next.keys()].map((t) => [t, this.scores.get(t) ?? 0]));
  }

  /** The next target, or undefined when no target has a positive weight. */
  next(): string | undefined {
    let total = 0;
    let best: string | undefined;
    let bestScore = -Infinity;
    for (const [target, weight] of this.weights) {
      const score = (this.scores.get(target) ?? 0) + weight;
      this.scores.set(target, score);
      total += weight;
      if (score > bestScore) {
        best = target;
        bestScore = score;
      }
    }
    if (best !== undefined) this.scores.set(best, bestScore - total);
    return best;
  }
}
