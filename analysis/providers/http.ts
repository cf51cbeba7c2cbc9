/**
 * The HTTP call shared by the Prometheus and web providers, through axios: a hard deadline
 * (not only a socket idle timeout, so a server that trickles bytes is cut off too), the
 * caller's abort signal, a size cap, and errors turned into `MeasurementError`s that say what
 * failed and where. Bodies come back as text; callers parse them.
 */
import https from 'node:https';
import axios from 'axios';
import type { Header } from '../../src/api/analysis.ts';
import { MeasurementError, MeasurementErrorKind } from './provider.ts';

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Skip TLS certificate verification. */
  readonly insecure?: boolean;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

/** Responses larger than this are refused rather than buffered. */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

const insecureAgent = new https.Agent({ rejectUnauthorized: false });

export async function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
  const target = describeTarget(request);
  try {
    const response = await axios.request<string>({
      method: request.method,
      url: request.url,
      params: request.params,
      headers: request.headers,
      data: request.body,
      timeout: request.timeoutMs,
      signal,
      responseType: 'text',
      // Keep the body as text: a malformed body must be reported, not silently passed through.
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxContentLength: MAX_RESPONSE_BYTES,
      ...(request.insecure ? { httpsAgent: insecureAgent } : {}),
    });
    return { status: response.status, body: typeof response.data === 'string' ? response.data : '' };
  } catch (error) {
    if (request.signal?.aborted) {
      throw new MeasurementError(MeasurementErrorKind.aborted, `${target} was aborted`, { cause: error });
    }
    if (deadline.aborted || (axios.isAxiosError(error) && isTimeoutCode(error.code))) {
      const seconds = request.timeoutMs / 1000;
      throw new MeasurementError(MeasurementErrorKind.timeout, `${target} timed out after ${seconds}s`, {
        cause: error,
      });
    }
    throw new MeasurementError(MeasurementErrorKind.request, `${target} failed: ${errorText(error)}`, {
      cause: error,
    });
  }
}

function isTimeoutCode(code: string | undefined): boolean {
  return code === 'ECONNABORTED' || code === 'ETIMEDOUT';
}

/** Method and URL without the query (a query can be long, and a signed one carries credentials' scope). */
function describeTarget(request: HttpRequest): string {
  return `${request.method} ${request.url.split('?')[0] ?? request.url}`;
}

function errorText(error: unknown): string {
  if (axios.isAxiosError(error)) {
    return error.code !== undefined && !error.message.includes(error.code)
      ? `${error.message} (${error.code})`
      : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** `headers[]` from the spec as a header object (later entries win, as with repeated keys in Argo). */
export function headerObject(headers: readonly Header[] | undefined): Record<string, string> {
  return Object.fromEntries((headers ?? []).map((header) => [header.key, header.value]));
}

/** Parse a JSON body or throw a malformed error naming the source. */
export function parseJsonBody(body: string, source: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new MeasurementError(
      MeasurementErrorKind.malformed,
      `${source} returned a body that is not JSON: ${excerpt(body)}`,
      { cause: error },
    );
  }
}

/** The start of a body for an error message. */
export function excerpt(body: string, length = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length <= length ? flat : `${flat.slice(0, length)}…`;
}
