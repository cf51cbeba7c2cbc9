import axios from 'axios';

/** One element of an instant vector: its labels and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

// Range vectors and strings are not asked for by instant queries of the kind tests use.
type QueryData =
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: [number, string] }[] }
  | { resultType: 'scalar'; result: [number, string] };

export interface QueryOptions {
  /** Evaluation time, Unix seconds; default now. */
  time?: number;
  timeoutMs?: number;
}

/** An instant query through `/api/v1/query`, as analysis runs do; scalars come back as one unlabelled sample. */
export async function queryVector(
  prometheusUrl: string,
  promql: string,
  options: QueryOptions = {},
): Promise<Sample[]> {
  const response = await axios.get<ApiResponse<QueryData>>(`${prometheusUrl}/api/v1/query`, {
    params: { query: promql, ...(options.time === undefined ? {} : { time: options.time }) },
    timeout: options.timeoutMs ?? 5000,
  });
  const data = response.data.data;
  if (data.resultType === 'scalar') return [{ labels: {}, value: Number(data.result[1]) }];
  return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

/** Values of a query by one label, e.g. rates by `pod_template_hash`. */
export async function queryByLabel(
  prometheusUrl: string,
  promql: string,
  label: string,
  options: QueryOptions = {},
): Promise<Map<string, number>> {
  const samples = await queryVector(prometheusUrl, promql, options);
  return new Map(samples.map((s) => [s.labels[label] ?? '', s.value]));
}

export interface ActiveTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastScrape: string;
  lastError: string;
}

/** The targets Prometheus currently scrapes (after service discovery). */
export async function activeTargets(prometheusUrl: string, timeoutMs = 5000): Promise<ActiveTarget[]> {
  const response = await axios.get<ApiResponse<{ activeTargets: ActiveTarget[] }>>(
    `${prometheusUrl}/api/v1/targets`,
    { params: { state: 'active' }, timeout: timeoutMs },
  );
  return response.data.data.activeTargets;
}
