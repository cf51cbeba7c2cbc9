/**
 * AWS Signature Version 4 for `prometheus.authentication.sigv4` (Amazon Managed Service for
 * Prometheus, service name `aps`), as Argo Rollouts does it: credentials from the AWS default
 * chain of the controller (environment, shared files with `profile`, web identity, container and
 * instance metadata), optionally exchanged for a role's (`roleArn`, STS AssumeRole); the request
 * signed by AWS's own signer (@smithy/signature-v4, the one the AWS SDK uses). Unit-tested with
 * AWS's published SigV4 test vectors.
 */
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Sigv4Config } from '../../src/api/analysis.ts';
import { MeasurementError, MeasurementErrorKind } from './provider.ts';

export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** The signed headers (Authorization, X-Amz-Date, X-Amz-Security-Token, …) for `request`. */
export async function sigv4Headers(
  request: SignableRequest,
  options: {
    service: string;
    region: string;
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
    signingDate?: Date;
  },
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, 'sha256'),
    // No x-amz-content-sha256 header: that one is S3's; other services sign the payload hash alone.
    applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of request.url.searchParams) {
    const existing = query[key];
    query[key] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port ? { port: Number(request.url.port) } : {}),
      path: request.url.pathname,
      query,
      headers: { ...request.headers, host: request.url.host },
      ...(request.body !== undefined ? { body: request.body } : {}),
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return signed.headers;
}

const providers = new Map<string, AwsCredentialIdentityProvider>();

/** The credentials of the controller for a sigv4 config (one provider per profile and role, cached by the SDK). */
export function sigv4Credentials(config: Sigv4Config): AwsCredentialIdentityProvider {
  const key = JSON.stringify([config.profile ?? '', config.roleArn ?? '']);
  let provider = providers.get(key);
  if (!provider) {
    const base = fromNodeProviderChain(config.profile ? { profile: config.profile } : {});
    provider = config.roleArn
      ? fromTemporaryCredentials({
          masterCredentials: base,
          params: { RoleArn: config.roleArn, RoleSessionName: 'bellwether-analysis' },
          ...(config.region ? { clientConfig: { region: config.region } } : {}),
        })
      : base;
    providers.set(key, provider);
  }
  return provider;
}

/** The region to sign for: the config's, else the controller's AWS_REGION / AWS_DEFAULT_REGION. */
export function sigv4Region(config: Sigv4Config, env: NodeJS.ProcessEnv = process.env): string {
  const region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region)
    throw new MeasurementError(
      MeasurementErrorKind.config,
      'authentication.sigv4: no region (set sigv4.region or AWS_REGION on the controller)',
    );
  return region;
}
