/**
 * A request the API server turned away with a Retry-After is sent again, as client-go's REST
 * client does: a 429 (API Priority and Fairness shedding load) or a 5xx that carries Retry-After,
 * up to `maxRetryAfterRetries` more times, each once the wait the server asked for has passed.
 * The server did not carry such a request out, so sending it again is safe for every verb.
 *
 * Without this a reconcile failed on the first 429 and went back to the work queue with its
 * backoff, to redo all its reads and writes later; now it waits inside the one request. The wait
 * itself is the caller's (`beforeRetry`): in GatedKubeConfig the shared ServerBackoff hold that
 * every other request of the controller waits for too, then the client-side limit.
 */
import {
  IsomorphicFetchHttpLibrary,
  wrapHttpLibrary,
  type HttpLibrary,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { retryAfterMs } from './server-backoff.ts';

/** client-go's default (rest.Request maxRetries). */
export const maxRetryAfterRetries = 10;

/** True for a response client-go sends its request again for: 429 or 5xx, with a readable Retry-After. */
export function isRetryAfterResponse(status: number, retryAfterHeader: unknown): boolean {
  return (status === 429 || status >= 500) && retryAfterMs(retryAfterHeader) !== undefined;
}

export function retryAfterHttpLibrary(
  beforeRetry: (request: RequestContext, refused: ResponseContext) => Promise<void>,
  inner: HttpLibrary = new IsomorphicFetchHttpLibrary(),
  retries: number = maxRetryAfterRetries,
): HttpLibrary {
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      for (let attempt = 0; ; attempt++) {
        const response = await inner.send(request).toPromise();
        if (
          attempt >= retries ||
          !isRetryAfterResponse(response.httpStatusCode, response.headers['retry-after'])
        )
          return response;
        // Read the refusal's body so its keep-alive socket is free for the next request.
        await response.body.text();
        await beforeRetry(request, response);
      }
    },
  });
}
