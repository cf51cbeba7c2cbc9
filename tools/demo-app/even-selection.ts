/**
 * Whether the n-th event (1-based) is one of the `rate` fraction picked evenly over the
 * sequence: event n is picked when floor(n * rate) steps up. Exactly floor(N * rate) of the
 * first N events are picked and they are spread out, so error and conversion ratios are what
 * the configuration says from the first few requests on, and tests are not at the mercy of
 * random numbers.
 */
export function isSelected(n: number, rate: number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  return Math.floor(n * rate) !== Math.floor((n - 1) * rate);
}
