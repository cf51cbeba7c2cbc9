/**
 * Prometheus `authentication`: which Secret keys it needs and the credentials they make. Pure:
 * the shell reads the Secrets (the same way as for arguments) and passes a lookup in. The
 * values returned in `secretValues` must join the redaction set (see args.ts `redactor`).
 */
import type { MetricInput } from '../../src/api/analysis.ts';
import type { SecretKeyRef } from '../../src/api/common.ts';
import type { Credentials } from './provider.ts';

export type CredentialsOutcome =
  | { readonly ok: true; readonly credentials?: Credentials; readonly secretValues: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** The Secret keys the metric's authentication reads (none without authentication). */
export function credentialSecretRefs(metric: MetricInput): SecretKeyRef[] {
  const auth = metric.provider.prometheus?.authentication;
  if (auth?.bearer !== undefined) return [auth.bearer.secretKeyRef];
  if (auth?.basic !== undefined) return [auth.basic.passwordSecretKeyRef];
  return [];
}

/** Credentials for `MeasureContext.credentials`; an error names the missing Secret key. */
export function resolveCredentials(
  metric: MetricInput,
  secret: (ref: SecretKeyRef) => string | undefined,
): CredentialsOutcome {
  const auth = metric.provider.prometheus?.authentication;
  const read = (ref: SecretKeyRef, field: string) => {
    const value = secret(ref);
    return value === undefined
      ? ({ ok: false, error: `${field}: Secret "${ref.name}" has no key "${ref.key}"` } as const)
      : ({ ok: true, value } as const);
  };
  if (auth?.bearer !== undefined) {
    const token = read(
      auth.bearer.secretKeyRef,
      `metrics[${metric.name}].provider.prometheus.authentication.bearer`,
    );
    if (!token.ok) return token;
    return { ok: true, credentials: { bearerToken: token.value }, secretValues: [token.value] };
  }
  if (auth?.basic !== undefined) {
    const password = read(
      auth.basic.passwordSecretKeyRef,
      `metrics[${metric.name}].provider.prometheus.authentication.basic`,
    );
    if (!password.ok) return password;
    return {
      ok: true,
      credentials: { username: auth.basic.username, password: password.value },
      secretValues: [password.value],
    };
  }
  return { ok: true, secretValues: [] };
}
