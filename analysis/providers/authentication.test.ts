/**
 * Argo Rollouts' provider authentication: OAuth2 client credentials against a local token
 * endpoint (RFC 6749 section 4.4: a form POST, a JSON reply with access_token), SigV4 against
 * AWS's published Signature Version 4 test suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z,
 * us-east-1, service "service"; the expected signatures are the suite's .authz files), and
 * web.jsonBody. No AWS or OAuth server runs here: these follow their documented APIs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MetricInput } from '../../src/api/analysis.ts';
import {
  startServer,
  type RecordedRequest,
  type Reply,
  type TestServer,
} from '../../test/support/analysis/http-server.ts';
import { oauth2TokenSource } from './oauth2.ts';
import { prometheusProvider } from './prometheus.ts';
import { sigv4Headers } from './sigv4.ts';
import { webProvider } from './web.ts';
import { MeasurementError } from './provider.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(handler: (request: RecordedRequest) => Reply): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

const vectorCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const vectorDate = new Date('2015-08-30T12:36:00Z');
const scope =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date';

describe('SigV4: AWS test suite vectors', () => {
  const sign = (method: string, url: string) =>
    sigv4Headers(
      { method, url: new URL(url), headers: {} },
      { service: 'service', region: 'us-east-1', credentials: vectorCredentials, signingDate: vectorDate },
    );

  it('get-vanilla', async () => {
    const headers = await sign('GET', 'https://example.amazonaws.com/');
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(
      `${scope}, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
    );
  });

  it('get-vanilla-query-order-key-case (the query is signed sorted)', async () => {
    const headers = await sign('GET', 'https://example.amazonaws.com/?Param2=value2&Param1=value1');
    expect(headers.authorization).toBe(
      `${scope}, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500`,
    );
  });

  it('post-vanilla', async () => {
    const headers = await sign('POST', 'https://example.amazonaws.com/');
    expect(headers.authorization).toBe(
      `${scope}, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`,
    );
  });

  it('a signed Prometheus query fails clearly without a region', async () => {
    const metric: MetricInput = {
      name: 'amp',
      provider: { prometheus: { address: 'http://127.0.0.1:1', query: 'up', authentication: { sigv4: {} } } },
    };
    const saved = { region: process.env.AWS_REGION, fallback: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      await expect(prometheusProvider().measure(metric)).rejects.toThrow(/sigv4: no region/);
    } finally {
      if (saved.region !== undefined) process.env.AWS_REGION = saved.region;
      if (saved.fallback !== undefined) process.env.AWS_DEFAULT_REGION = saved.fallback;
    }
  });
});

const vectorReply = JSON.stringify({
  status: 'success',
  data: { resultType: 'scalar', result: [1, '0.99'] },
});

describe('OAuth2 client credentials', () => {
  async function tokenServer(expiresIn?: number) {
    const requests: RecordedRequest[] = [];
    const server = await serve((request) => {
      requests.push(request);
      const form = new URLSearchParams(request.body);
      if (form.get('client_secret') !== 's3cret') return { status: 401, body: '{"error":"invalid_client"}' };
      return {
        body: JSON.stringify({
          access_token: `token-${requests.length}`,
          token_type: 'Bearer',
          ...(expiresIn !== undefined ? { expires_in: expiresIn } : {}),
        }),
      };
    });
    return { server, requests };
  }

  it('gets a token by a form POST and sends it to Prometheus as a bearer token, reusing it until it expires', async () => {
    const { server: idp, requests } = await tokenServer(3600);
    const seen: string[] = [];
    const prometheus = await serve((request) => {
      seen.push(String(request.headers.authorization));
      return { body: vectorReply };
    });
    let now = 0;
    const provider = prometheusProvider({ oauth2: oauth2TokenSource(() => now) });
    const metric: MetricInput = {
      name: 'rate',
      provider: {
        prometheus: {
          address: prometheus.url,
          query: 'up',
          authentication: {
            oauth2: {
              tokenUrl: `${idp.url}/token`,
              clientId: 'bellwether',
              clientSecret: 's3cret',
              scopes: ['read', 'metrics'],
            },
          },
        },
      },
    };
    expect((await provider.measure(metric)).value).toBe(0.99);
    await provider.measure(metric);
    now = 3_600_000; // past expires_in minus the margin: a new token
    await provider.measure(metric);
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
    const form = new URLSearchParams(requests[0]?.body);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'bellwether',
      client_secret: 's3cret',
      scope: 'read metrics',
    });
  });

  it('a refused client is a measurement error that does not show the secret', async () => {
    const { server: idp } = await tokenServer();
    const web = await serve(() => ({ body: '{"ok":true}' }));
    const metric: MetricInput = {
      name: 'check',
      provider: {
        web: {
          url: web.url,
          authentication: { oauth2: { tokenUrl: idp.url, clientId: 'x', clientSecret: 'wrong' } },
        },
      },
    };
    const error: unknown = await webProvider({ oauth2: oauth2TokenSource() })
      .measure(metric)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeasurementError);
    expect((error as Error).message).toContain('HTTP 401');
    expect((error as Error).message).not.toContain('wrong');
  });

  it('web.authentication.oauth2 sends the token to the endpoint', async () => {
    const { server: idp } = await tokenServer();
    let auth = '';
    const web = await serve((request) => {
      auth = String(request.headers.authorization);
      return { body: '{"ok":true}' };
    });
    const metric: MetricInput = {
      name: 'check',
      provider: {
        web: {
          url: web.url,
          jsonPath: '{$.ok}',
          authentication: { oauth2: { tokenUrl: idp.url, clientId: 'x', clientSecret: 's3cret' } },
        },
      },
    };
    expect((await webProvider({ oauth2: oauth2TokenSource() }).measure(metric)).value).toBe(true);
    expect(auth).toBe('Bearer token-1');
  });
});

describe('web.jsonBody', () => {
  it('is sent as JSON with POST', async () => {
    let received: RecordedRequest | undefined;
    const web = await serve((request) => {
      received = request;
      return { body: '{"score":7}' };
    });
    const metric: MetricInput = {
      name: 'score',
      provider: {
        web: { url: web.url, method: 'POST', jsonPath: '{$.score}', jsonBody: { canary: 'abc', window: 5 } },
      },
    };
    expect((await webProvider().measure(metric)).value).toBe(7);
    expect(received?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received?.body ?? '')).toEqual({ canary: 'abc', window: 5 });
  });
});
