import { describe, expect, it } from 'vitest';
import { renderGroup } from './render-group.ts';

describe('renderGroup', () => {
  it('shows the phase, the stages, and one line per member with why it waits', () => {
    const text = renderGroup({
      metadata: { name: 'shop-release', namespace: 'shop' },
      spec: {
        members: { rollouts: ['backend', 'frontend'] },
        stages: [
          { name: 'backend', rollouts: ['backend'] },
          { name: 'frontend', rollouts: ['frontend'], dependsOn: ['backend'] },
        ],
      },
      status: {
        phase: 'Progressing',
        message: 'stage backend: 1 in progress, 1 waiting, 0 healthy',
        currentStages: ['backend'],
        members: [
          { name: 'backend', stage: 'backend', state: 'Progressing', phase: 'Paused', step: 1, steps: 4 },
          {
            name: 'frontend',
            stage: 'frontend',
            state: 'Waiting',
            phase: 'Progressing',
            message: 'waiting for stage backend',
          },
        ],
      },
    });
    expect(text).toBe(
      [
        'RolloutGroup shop-release (namespace shop)',
        'Phase:     Progressing - stage backend: 1 in progress, 1 waiting, 0 healthy',
        'Stages:    backend, frontend (after backend)',
        'Current:   backend',
        'Abort policy: Stop',
        '',
        'MEMBER    STAGE     STATE        PHASE        STEP  MESSAGE',
        'backend   backend   Progressing  Paused       1/4',
        'frontend  frontend  Waiting      Progressing  -     waiting for stage backend',
        '',
      ].join('\n'),
    );
  });
});
