import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { durationText, fileSdTargets, prometheusConfig } from '../../tools/prometheus/config.ts';

describe('Prometheus configuration for tests', () => {
  it('scrapes and evaluates at the interval, from a file of targets, keeping the app version label', () => {
    const config = load(prometheusConfig({ scrapeIntervalMs: 1000, targetsFile: '/tmp/t.json' }));
    expect(config).toEqual({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        {
          job_name: 'demo-app',
          honor_labels: true,
          file_sd_configs: [{ files: ['/tmp/t.json'], refresh_interval: '2s' }],
        },
      ],
    });
  });

  it('writes durations Prometheus parses', () => {
    expect(durationText(1000)).toBe('1s');
    expect(durationText(15_000)).toBe('15s');
    expect(durationText(500)).toBe('500ms');
    expect(() => durationText(0)).toThrow('positive');
  });

  it('writes one target group per target, with its labels', () => {
    const labels = { version: 'v2', rollout: 'web', namespace: 'x', pod_template_hash: 'abc' };
    expect(JSON.parse(fileSdTargets([{ target: '127.0.0.1:1234', labels }]))).toEqual([
      { targets: ['127.0.0.1:1234'], labels },
    ]);
  });

  it('refuses targets and labels Prometheus would reject or reserve', () => {
    expect(() => fileSdTargets([{ target: 'http://127.0.0.1:1', labels: {} }])).toThrow('host:port');
    expect(() => fileSdTargets([{ target: '127.0.0.1:1', labels: { 'pod-hash': 'x' } }])).toThrow(
      'label name',
    );
    expect(() => fileSdTargets([{ target: '127.0.0.1:1', labels: { __address__: 'x' } }])).toThrow(
      'label name',
    );
  });
});
