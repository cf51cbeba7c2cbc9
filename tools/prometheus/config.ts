import { dump } from 'js-yaml';

/** One scrape target for file-based service discovery: `host:port` and the labels it carries. */
export interface ScrapeTarget {
  target: string;
  labels: Readonly<Record<string, string>>;
}

/** The job name every demo-app target is scraped under (the `job` label). */
export const scrapeJob = 'demo-app';

/** Prometheus durations: whole seconds as `Ns`, anything else as `Nms`. */
export function durationText(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0)
    throw new Error(`a duration must be a positive integer of ms, got ${ms}`);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * prometheus.yml for tests: one job whose targets come from a file the harness rewrites.
 * `honor_labels` keeps the app's own `version` label instead of renaming it `exported_version`
 * next to the target's `version` label (the two are equal: both come from the pod template).
 */
export function prometheusConfig(options: { scrapeIntervalMs: number; targetsFile: string }): string {
  const interval = durationText(options.scrapeIntervalMs);
  return dump({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    scrape_configs: [
      {
        job_name: scrapeJob,
        honor_labels: true,
        // Prometheus watches the file; the refresh interval is only the fallback if an event is missed.
        file_sd_configs: [{ files: [options.targetsFile], refresh_interval: '2s' }],
      },
    ],
  });
}

/** The file_sd target file: one group per target, so each carries its own labels. */
export function fileSdTargets(targets: readonly ScrapeTarget[]): string {
  for (const t of targets) {
    if (!/^[^\s:/]+:\d+$/.test(t.target))
      throw new Error(`a target is host:port, got ${JSON.stringify(t.target)}`);
    for (const name of Object.keys(t.labels)) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) {
        throw new Error(`${JSON.stringify(name)} is not a label name a target may set`);
      }
    }
  }
  return JSON.stringify(
    targets.map((t) => ({ targets: [t.target], labels: t.labels })),
    null,
    2,
  );
}
