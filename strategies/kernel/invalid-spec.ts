/**
 * Bad input is not a crash: the strategies throw `InvalidSpecError` naming the field, and the
 * reconcile entry points turn it into a decision that holds every ReplicaSet where it is and
 * reports an `InvalidSpec` condition (DESIGN.md principle 6).
 */

export class InvalidSpecError extends Error {
  /** Path of the offending field, e.g. `spec.strategy.canary.steps[1].pause.duration`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'InvalidSpecError';
    this.field = field;
  }
}
