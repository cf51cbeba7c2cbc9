import http from 'node:http';
import https from 'node:https';
import type { RequestOptions } from 'node:https';
import {
  createConfiguration,
  KubeConfig,
  ServerConfiguration,
  type ApiConstructor,
  type ApiType,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { describeApiRequest, type ApiRequestKind } from './api-request.ts';
import { retryAfterHttpLibrary } from './retry-after-http.ts';
import type { ServerBackoff } from './server-backoff.ts';

/** What a request waits for before it is sent; `observe` sees every API client's response headers. */
export interface RequestLimiter {
  take(): Promise<void>;
  observe?(headers: Readonly<Record<string, string | undefined>>): void;
}

export interface RequestGate {
  /**
   * Every request waits for it first (a TokenBucket for `--qps`/`--burst`, or the default
   * FlowControlAwareLimit); none when undefined.
   */
  limiter?: RequestLimiter;
  /** Called once per request sent, with its verb and resource (the request metric). */
  onRequest?: (request: ApiRequestKind) => void;
  /** Holds every request while the server's last 429/503 Retry-After runs (server-backoff.ts). */
  serverBackoff?: ServerBackoff;
}

/**
 * A KubeConfig whose every API request passes one gate: the client-side rate limit and the
 * request counter. API clients made from it (`makeApiClient`) call `applySecurityAuthentication`
 * before each request and watches call `applyToFetchOptions`, so overriding those two is the
 * one place that sees every call the controller makes.
 *
 * API clients also report every response's status and Retry-After to `serverBackoff`, which the
 * next requests wait for: an overloaded API server is given the pause it asked for; and its
 * headers to the limiter (the default limit lifts itself when the server runs APF). With a
 * `serverBackoff`, a request refused with Retry-After is sent again once the hold has passed
 * (retry-after-http.ts), through the same gate, and counted again.
 *
 * It also keeps one keep-alive agent: the library builds a new https.Agent for every request, so
 * each call would pay a fresh TCP and TLS handshake (on both ends) and leave a socket behind;
 * with thousands of Rollouts that handshake is most of the controller's and the API server's CPU.
 */
export class GatedKubeConfig extends KubeConfig {
  private sharedAgent: http.Agent | undefined;

  constructor(
    source: KubeConfig,
    private readonly gate: RequestGate,
  ) {
    super();
    this.loadFromOptions({
      clusters: source.clusters,
      contexts: source.contexts,
      users: source.users,
      currentContext: source.currentContext,
    });
  }

  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const { serverBackoff: backoff, limiter } = this.gate;
    const cluster = this.getCurrentCluster();
    if ((!backoff && !limiter?.observe) || !cluster) return super.makeApiClient(apiClientType);
    // What KubeConfig.makeApiClient builds, plus a middleware that sees every response.
    const config = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: this },
      ...(backoff
        ? {
            httpApi: retryAfterHttpLibrary(async (request, refused) => {
              backoff.observe(refused.httpStatusCode, refused.headers['retry-after']);
              await this.passGate(request);
            }),
          }
        : {}),
      promiseMiddleware: [
        {
          pre: (context: RequestContext) => Promise.resolve(context),
          post: (response: ResponseContext) => {
            backoff?.observe(response.httpStatusCode, response.headers['retry-after']);
            limiter?.observe?.(response.headers);
            return Promise.resolve(response);
          },
        },
      ],
    });
    return new apiClientType(config);
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.passGate(context);
    await super.applySecurityAuthentication(context);
    const agent = this.keepAlive(context.getAgent());
    if (agent) context.setAgent(agent);
  }

  override async applyToFetchOptions(opts: RequestOptions): ReturnType<KubeConfig['applyToFetchOptions']> {
    // Only watches come through here in the controller; the URL is not passed, so the resource is unknown.
    await this.gate.serverBackoff?.wait();
    await this.gate.limiter?.take();
    this.gate.onRequest?.({ verb: 'watch', resource: '' });
    return super.applyToFetchOptions(opts);
  }

  /** What every request sent waits for first, and its count. */
  private async passGate(request: RequestContext): Promise<void> {
    await this.gate.serverBackoff?.wait();
    await this.gate.limiter?.take();
    this.gate.onRequest?.(describeApiRequest(request.getHttpMethod(), request.getUrl()));
  }

  /** The shared keep-alive agent with the TLS settings of the first per-request one (proxies left alone). */
  private keepAlive(perRequest: unknown): http.Agent | undefined {
    if (this.sharedAgent) return this.sharedAgent;
    if (perRequest instanceof https.Agent) {
      this.sharedAgent = new https.Agent({ ...perRequest.options, keepAlive: true });
    } else if (perRequest instanceof http.Agent && perRequest.constructor === http.Agent) {
      this.sharedAgent = new http.Agent({ keepAlive: true });
    }
    return this.sharedAgent;
  }
}
