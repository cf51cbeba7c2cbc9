/**
 * Web metric provider: call an HTTP endpoint (GET, POST or PUT with `headers` and `body`) and
 * take `result` from its JSON response at `jsonPath` (the subset in ../json-path.ts, e.g.
 * `{$.data.ok}`), or the whole document without one.
 *
 * `result` keeps its JSON type (number, string, bool, list, map); Argo handed conditions text.
 * A non-2xx status, a body that is not JSON and a jsonPath that matches nothing are
 * measurement errors. `body` is only sent with POST and PUT, as JSON unless a Content-Type
 * header says otherwise. Timeout: `timeoutSeconds`, 10 by default (Argo's default).
 */
import type { MetricInput } from '../../src/api/analysis.ts';
import { parseJsonPath, readPath } from '../json-path.ts';
import { excerpt, headerObject, httpRequest, parseJsonBody } from './http.ts';
import { sharedOAuth2Tokens, type OAuth2TokenSource } from './oauth2.ts';
import { MeasurementError, MeasurementErrorKind } from './provider.ts';
import type { MeasureContext, MeasuredValue, MetricProvider } from './provider.ts';

export const DEFAULT_WEB_TIMEOUT_SECONDS = 10;

export function webProvider(options: { oauth2?: OAuth2TokenSource } = {}): MetricProvider {
  const tokens = options.oauth2 ?? sharedOAuth2Tokens;
  return {
    async measure(metric: MetricInput, context: MeasureContext = {}): Promise<MeasuredValue> {
      const spec = metric.provider.web;
      if (spec === undefined) {
        throw new MeasurementError(
          MeasurementErrorKind.config,
          `metric "${metric.name}" has no web provider`,
        );
      }
      const method = spec.method ?? 'GET';
      const body = spec.jsonBody !== undefined ? JSON.stringify(spec.jsonBody) : spec.body;
      if (body !== undefined && method === 'GET') {
        throw new MeasurementError(
          MeasurementErrorKind.config,
          'body is only sent with POST or PUT, not GET',
        );
      }
      const path = parseJsonPath(spec.jsonPath ?? '$');
      if (!path.ok) throw new MeasurementError(MeasurementErrorKind.config, `jsonPath: ${path.error}`);
      const headers = headerObject(spec.headers);
      const hasContentType = Object.keys(headers).some((key) => key.toLowerCase() === 'content-type');
      const timeoutMs = (spec.timeoutSeconds ?? DEFAULT_WEB_TIMEOUT_SECONDS) * 1000;
      const oauth2 = spec.authentication?.oauth2;
      const response = await httpRequest({
        method,
        url: spec.url,
        headers: {
          Accept: 'application/json',
          ...(body !== undefined && !hasContentType ? { 'Content-Type': 'application/json' } : {}),
          ...headers,
          ...(oauth2
            ? { Authorization: await tokens.authorization(oauth2, { timeoutMs, signal: context.signal }) }
            : {}),
        },
        body,
        timeoutMs,
        insecure: spec.insecure,
        signal: context.signal,
      });
      const source = `${method} ${spec.url}`;
      if (response.status < 200 || response.status >= 300) {
        throw new MeasurementError(
          MeasurementErrorKind.httpStatus,
          `${source} returned HTTP ${response.status}: ${excerpt(response.body)}`,
        );
      }
      const document = parseJsonBody(response.body, source);
      const lookup = readPath(document, path.segments);
      if (!lookup.found) {
        throw new MeasurementError(
          MeasurementErrorKind.notFound,
          `jsonPath ${spec.jsonPath ?? '$'} matched nothing: ${lookup.error}`,
        );
      }
      return { value: lookup.value, display: displayText(lookup.value) };
    },
  };
}

function displayText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
