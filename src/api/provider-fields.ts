/**
 * Checks of metric provider fields the schema cannot express: a body is only sent with POST or
 * PUT (Argo Rollouts refuses a GET with a body too), and an OAuth2 token URL must be http(s).
 * Pure; semantics.ts reports what this returns under the metric's path.
 */
import type { Metric } from './analysis.ts';

export interface ProviderFieldProblem {
  /** Below the metric, e.g. `.provider.web.jsonBody`. */
  path: string;
  detail: string;
}

const URL_OR_PLACEHOLDER = /^(https?:\/\/|\{\{)/;

export function providerFieldProblems(metric: Metric): ProviderFieldProblem[] {
  const problems: ProviderFieldProblem[] = [];
  const web = metric.provider.web;
  if (web !== undefined && (web.method ?? 'GET') === 'GET') {
    for (const field of ['body', 'jsonBody'] as const)
      if (web[field] !== undefined)
        problems.push({
          path: `.provider.web.${field}`,
          detail: 'is only sent with method POST or PUT (method is GET)',
        });
  }
  const oauth2 = [
    {
      at: '.provider.prometheus.authentication.oauth2',
      config: metric.provider.prometheus?.authentication?.oauth2,
    },
    { at: '.provider.web.authentication.oauth2', config: web?.authentication?.oauth2 },
  ];
  for (const { at, config } of oauth2)
    if (config !== undefined && !URL_OR_PLACEHOLDER.test(config.tokenUrl))
      problems.push({ path: `${at}.tokenUrl`, detail: `must be an http(s) URL (got "${config.tokenUrl}")` });
  return problems;
}
