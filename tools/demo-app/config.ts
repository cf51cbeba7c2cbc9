/**
 * The demo app's behaviour, read from environment variables exactly as a pod template's
 * container `env` would set them, so a Rollout's template decides how each version behaves.
 */
export interface DemoAppConfig {
  /** Value of the `version` label on every metric and of the `x-version` response header. */
  version: string;
  /** Fraction (0..1) of requests answered 500. */
  errorRate: number;
  /** Latency added to every request (not to /metrics). */
  latencyMs: number;
  /** Fraction (0..1) of successful `/checkout` requests that count as a conversion. */
  conversionRate: number;
  /** Port to listen on; 0 picks a free one. */
  port: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function configFromEnv(env: Env): DemoAppConfig {
  return {
    version: nonEmpty(env.VERSION) ?? 'dev',
    errorRate: fraction(env, 'ERROR_RATE'),
    latencyMs: nonNegative(env, 'LATENCY_MS'),
    conversionRate: fraction(env, 'CONVERSION_RATE'),
    port: nonNegative(env, 'PORT'),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function number(env: Env, name: string): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

function fraction(env: Env, name: string): number {
  const value = number(env, name);
  if (value < 0 || value > 1) throw new Error(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

function nonNegative(env: Env, name: string): number {
  const value = number(env, name);
  if (value < 0) throw new Error(`${name} must not be negative, got ${value}`);
  return value;
}
