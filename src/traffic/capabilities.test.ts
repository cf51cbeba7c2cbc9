import { describe, expect, it } from 'vitest';
import type { RolloutSpecView } from '../../strategies/types.ts';
import { trafficStepProblems } from './capabilities.ts';

const spec = (trafficRouting: object, steps: object[]): RolloutSpecView => ({
  strategy: { canary: { canaryService: 'c', stableService: 's', trafficRouting, steps } },
});

describe('trafficStepProblems', () => {
  const header = { setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { exact: '1' } }] } };
  const mirror = { setMirrorRoute: { name: 'm', match: [{ path: { prefix: '/' } }] } };

  it('names the step field and the router that cannot carry it', () => {
    expect(
      trafficStepProblems(spec({ smi: {} }, [{ setWeight: 10 }, header, { pause: {} }, mirror])),
    ).toEqual([
      'spec.strategy.canary.steps[1].setHeaderRoute: the smi router does not support header routes',
      'spec.strategy.canary.steps[3].setMirrorRoute: the smi router does not support mirror routes',
    ]);
    expect(trafficStepProblems(spec({ nginx: { stableIngress: 'i' } }, [mirror]))).toEqual([
      'spec.strategy.canary.steps[0].setMirrorRoute: the nginx router does not support mirror routes',
    ]);
  });

  it('accepts what the routers support', () => {
    expect(trafficStepProblems(spec({ gatewayAPI: { httpRoute: 'r' } }, [header, mirror]))).toEqual([]);
    expect(trafficStepProblems(spec({ istio: { virtualService: { name: 'v' } } }, [header, mirror]))).toEqual(
      [],
    );
    expect(trafficStepProblems(spec({ nginx: { stableIngress: 'i' } }, [header, header]))).toEqual([]);
  });

  it('experiment template weights: carried by istio and smi, refused naming the field elsewhere', () => {
    const experiment = {
      experiment: {
        templates: [
          { name: 'a', specRef: 'stable' },
          { name: 'b', specRef: 'canary', weight: 5 },
        ],
      },
    };
    expect(trafficStepProblems(spec({ istio: { virtualService: { name: 'v' } } }, [experiment]))).toEqual([]);
    expect(trafficStepProblems(spec({ smi: {} }, [experiment]))).toEqual([]);
    expect(
      trafficStepProblems(spec({ smi: {}, alb: { ingress: 'i', servicePort: 80 } }, [experiment])),
    ).toEqual([
      'spec.strategy.canary.steps[0].experiment.templates[1].weight: the alb router cannot send traffic to an experiment template (only istio or smi can)',
    ]);
    expect(trafficStepProblems(spec({ nginx: { stableIngress: 'i' } }, [experiment]))).toEqual([
      'spec.strategy.canary.steps[0].experiment.templates[1].weight: the nginx router cannot send traffic to an experiment template (only istio or smi can)',
    ]);
  });

  it('nginx: one header route with one match', () => {
    const two = {
      setHeaderRoute: { name: 'h', match: [header.setHeaderRoute.match[0], header.setHeaderRoute.match[0]] },
    };
    const other = { setHeaderRoute: { name: 'other', match: header.setHeaderRoute.match } };
    expect(trafficStepProblems(spec({ nginx: { stableIngress: 'i' } }, [two, other]))).toEqual([
      'spec.strategy.canary.steps[0].setHeaderRoute.match: the nginx router supports one header match (canary-by-header)',
      'spec.strategy.canary.steps[1].setHeaderRoute.name: the nginx router supports one header route (canary-by-header)',
    ]);
  });
});
